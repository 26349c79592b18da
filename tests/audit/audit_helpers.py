"""Shared by the audit tests: running a mutation, and reading the trail as it is stored."""
import sqlalchemy as sa

from app.api.relay import parse_global_id
from app.database import get_session
from models import AuditEntry
from tests.conftest import GraphQLClient


def mutate(api: GraphQLClient, name: str, /, input_type: str | None = None, fields: str = "", request_id: str | None = None,
           **input) -> dict:
    """Run `name` with `input` (which may have a field called name); its payload (errors, and
    `fields` if given)."""
    input_type = input_type or name[0].upper() + name[1:] + "Input"
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} errors {{ code field message }} }} }}"
    response = api.client.post("/graphql", json={"query": query, "variables": {"input": input}},
                               headers={"X-Request-Id": request_id} if request_id else {})
    body = response.get_json()
    assert "errors" not in body, body
    return body["data"][name]


def ok(api: GraphQLClient, name: str, /, **kwargs) -> dict:
    payload = mutate(api, name, **kwargs)
    assert payload["errors"] == [], payload
    return payload


def trail(app) -> list[dict]:
    """Every entry, oldest first, as plain values."""
    with app.app_context():
        rows = get_session().scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        return [
            {c.key: getattr(row, c.key) for c in sa.inspect(AuditEntry).mapper.column_attrs}
            for row in rows
        ]


def pk(global_id: str) -> int:
    return parse_global_id(global_id)[1]


def viewer(api: GraphQLClient) -> dict:
    return api.data("{ viewer { id name organization { id } account { id } } }")["viewer"]
