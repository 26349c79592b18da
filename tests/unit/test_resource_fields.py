"""A resource's editable fields are declared once (app.catalog.fields): everything else is
built from that declaration, and what cannot be (the model, the form's template, the page's
operation) is checked against it here."""
from pathlib import Path

from app.catalog import schemas
from app.catalog.api.inputs import CreateResourceInput, UpdateResourceInput
from app.catalog.api.types import ResourceType
from app.catalog.fields import EDITABLE, FIELDS, Kind
from models import Resource

ROOT = Path(__file__).resolve().parents[2]


def graphql_names(cls) -> set[str]:
    return {f.python_name for f in cls.__strawberry_definition__.fields}


def test_every_declared_field_is_a_column_shown_validated_and_accepted():
    for spec in FIELDS:
        assert spec.name in Resource.__table__.columns, spec.name
        assert spec.name in graphql_names(CreateResourceInput) and spec.name in graphql_names(UpdateResourceInput)
        assert spec.name in schemas.CreateResourceSchema().fields and spec.name in schemas.UpdateResourceSchema().fields
        assert spec.name in graphql_names(ResourceType)
    assert EDITABLE == {spec.name for spec in FIELDS}


def test_the_form_and_the_page_operation_name_every_field():
    template = (ROOT / "templates/catalog/resource_form.html").read_text()
    operation = (ROOT / "graphql/operations/ResourceDetail.graphql").read_text()
    for spec in FIELDS:
        assert spec.api_name in operation, spec.api_name
        if spec.kind is Kind.OPENING_HOURS:
            assert 'name="opens_{{ d }}"' in template
        elif spec.kind in (Kind.FLAG, Kind.UNIT):
            assert f'name="{spec.form}"' in template, spec.form
        else:
            assert f"field('{spec.form}'" in template or f'name="{spec.form}"' in template, spec.form
