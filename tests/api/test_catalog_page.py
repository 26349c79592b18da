"""The catalogue page: asked for plain fields only, it reads rows of those columns (not
models) with the owners' names in the same statement. The answers are those of the models,
whatever is asked (fragments and aliases too), and the statement count does not grow with the
page."""
import datetime as dt

import pytest

from tests.api.catalog_helpers import base_time, booked, create_resource, iso, signed_in
from tests.conftest import sql_statements

H = dt.timedelta(hours=1)

PAGE = """query($first: Int, $from: DateTime, $to: DateTime) {
  resources(first: $first, availableFrom: $from, availableTo: $to) { edges { node { %s } } }
}"""
PLAIN = ("id title kind status ownerName hubPool price { amount currency } priceUnit capacity "
         "deposit { amount currency } category address town condition description minNoticeHours "
         "lateFeePerDay { amount } maxDurationMinutes approvalRequired")
# canManage needs the model: the same fields through the models.
WITH_MODELS = PLAIN + " canManage"


@pytest.fixture
def catalogue(app, member_api, admin_api, make_member):
    """Resources of two firms and of the hub's pool, one of them booked over the window."""
    other = signed_in(app, make_member, "Scierie du Giffre")
    create_resource(member_api, title="Raboteuse", town="Cluses", deposit="300.00", description="Large de 40 cm")
    create_resource(member_api, kind="WORKSPACE", title="Halle", capacity=3, approvalRequired=True)
    create_resource(other, title="Scie mobile", category="Sciage", minNoticeHours=24, maxDurationMinutes=600)
    create_resource(admin_api, title="Bétonnière", hubPool=True, lateFeePerDay="5.00")
    taken = create_resource(other, title="Défonceuse")
    start = base_time()
    booked(signed_in(app, make_member, "Booker org"), taken["id"], start + H, start + 2 * H)
    return {"from": iso(start), "to": iso(start + 3 * H)}


def nodes(client, fields, **variables):
    return [e["node"] for e in client.data(PAGE % fields, **variables)["resources"]["edges"]]


@pytest.mark.parametrize("window", [False, True])
def test_plain_fields_answer_as_the_models_do(app, api, member_api, catalogue, window):
    variables = catalogue if window else {}
    for client in (api, member_api):  # anonymous and signed in
        light = nodes(client, PLAIN, **variables)
        full = [{k: v for k, v in node.items() if k != "canManage"} for node in nodes(client, WITH_MODELS, **variables)]
        assert light == full
        assert [n["title"] for n in light] == (
            ["Bétonnière", "Halle", "Raboteuse", "Scie mobile"] if window
            else ["Bétonnière", "Défonceuse", "Halle", "Raboteuse", "Scie mobile"]
        )
    owners = {n["title"]: (n["ownerName"], n["hubPool"]) for n in light}
    assert owners["Bétonnière"] == (app.config["HUB_NAME"], True)
    assert owners["Scie mobile"] == ("Scierie du Giffre", False)


def test_fragments_aliases_and_nodes_answer_the_same(api, catalogue):
    plain = nodes(api, "id title ownerName price { amount }")
    fragment = api.data(
        "query { resources { edges { node { ...R } } } } fragment R on Resource { id title ownerName price { amount } }"
    )["resources"]["edges"]
    inline = nodes(api, "... on Resource { id title ownerName price { amount } }")
    aliased = nodes(api, "id name: title ownerName price { amount }")
    listed = api.data("{ resources { nodes { id title ownerName price { amount } } } }")["resources"]["nodes"]
    assert [e["node"] for e in fragment] == inline == listed == plain
    assert [{"title": n.pop("name"), **n} for n in aliased] == plain


def test_a_plain_page_costs_one_statement_whatever_its_size(app, api, member_api, engine):
    for i in range(12):
        create_resource(member_api, title=f"Outil {i:02d}")
    counts = []
    for first in (2, 12):
        with sql_statements(engine) as statements:
            assert len(nodes(api, "id title ownerName town", first=first)) == first
        counts.append([s for s in statements if "resources" in s])
    assert [len(c) for c in counts] == [1, 1]
    # The owner's name comes with the rows; only the asked columns are read.
    assert "organizations.name" in counts[1][0]
    assert "resources.description" not in counts[1][0]
