"""Lists cost the same number of SQL statements whatever their length (no N+1)."""
import datetime as dt

import pytest

from tests.conftest import sql_statements


@pytest.mark.parametrize("query", [
    "query($first: Int) { members(first: $first) { nodes { name organization { name } } } }",
    "query($first: Int) { accounts(first: $first) { nodes { name organization { name } } } }",
])
def test_list_cost_does_not_grow_with_its_length(treasurer_api, make_member, engine, query):
    for n in range(12):
        make_member(organization=f"Firm {n}")
    costs = []
    for first in (2, 12):
        with sql_statements(engine) as statements:
            treasurer_api.data(query, first=first)
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


def test_organizations_with_their_managers_cost_the_same_for_many(treasurer_api, make_member, engine):
    query = "{ organizations { name manager { name } account { balance { amount } } } }"
    make_member(organization="Firm 0")
    with sql_statements(engine) as few:
        treasurer_api.data(query)
    for n in range(1, 10):
        make_member(organization=f"Firm {n}")
    with sql_statements(engine) as many:
        treasurer_api.data(query)
    assert len(few) == len(many), (len(few), len(many))


def test_resources_with_their_closures_and_feeds_cost_the_same_for_many(member_api, engine):
    from tests.api.catalog_helpers import create_resource

    query = "query($first: Int) { myResources(first: $first) { nodes { title closures { reason } calendarFeedUrl } } }"
    for n in range(12):
        create_resource(member_api, title=f"Outil {n}")
    costs = []
    for first in (2, 12):
        with sql_statements(engine) as statements:
            member_api.data(query, first=first)
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


def test_bookings_with_their_bookers_organisations_cost_the_same_for_many(app, member_api, make_member, engine):
    from tests.api.catalog_helpers import base_time, booked, create_resource, signed_in

    resource = create_resource(member_api, title="Halle", kind="WORKSPACE", capacity=20)
    start = base_time()
    for n in range(6):
        booker = signed_in(app, make_member, f"Firm {n}")
        booked(booker, resource["id"], start, start + dt.timedelta(hours=1))
    query = "query($first: Int) { managedBookings(first: $first) { nodes { booker { name organization { name } } } } }"
    costs = []
    for first in (2, 6):
        with sql_statements(engine) as statements:
            member_api.data(query, first=first)
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


def test_transfers_with_what_they_reverse_cost_the_same_for_many(member_api, treasurer_api, make_member, engine):
    make_member(organization="Payee Org")
    payee = member_api.data('{ payees(search: "Payee Org") { nodes { id } } }')["payees"]["nodes"][0]["id"]
    pay = "mutation($input: TransferInput!) { transfer(input: $input) { transfer { id } } }"
    reverse = "mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) { errors { code } } }"
    for _ in range(6):
        paid = member_api.data(pay, input={"toAccountId": payee, "amount": "1.00"})["transfer"]["transfer"]["id"]
        assert treasurer_api.data(reverse, input={"transferId": paid})["reverseTransfer"]["errors"] == []
    account = member_api.data("{ viewer { account { id } } }")["viewer"]["account"]["id"]
    query = """query($id: ID!, $first: Int) { node(id: $id) { ... on Account {
        transfers(first: $first) { nodes { kind reverses { id from { id } } reversedBy { id } } } } } }"""
    costs = []
    for first in (2, 12):
        with sql_statements(engine) as statements:
            nodes = member_api.data(query, id=account, first=first)["node"]["transfers"]["nodes"]
        costs.append(len(statements))
    assert any(n["reverses"] for n in nodes)
    assert costs[0] == costs[1], costs


def test_members_with_their_accounts_cost_the_same_for_many(treasurer_api, make_member, engine):
    for n in range(12):
        make_member(organization=f"Firm {n}")
    query = "query($first: Int) { members(first: $first) { nodes { name account { balance { amount } } } } }"
    costs = []
    for first in (2, 12):
        with sql_statements(engine) as statements:
            nodes = treasurer_api.data(query, first=first)["members"]["nodes"]
        costs.append(len(statements))
    assert all(n["account"] is not None for n in nodes)
    assert costs[0] == costs[1], costs


def test_resources_with_their_owners_managers_cost_the_same_for_many(app, make_member, engine):
    from tests.api.catalog_helpers import create_resource, signed_in

    owners = [signed_in(app, make_member, f"Owner {n}") for n in range(8)]
    for owner in owners:
        create_resource(owner, title="Scie")
    query = "query($first: Int) { resources(first: $first) { nodes { title owner { name manager { name } } } } }"
    costs = []
    for first in (2, 8):
        with sql_statements(engine) as statements:
            owners[0].data(query, first=first)
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


@pytest.mark.parametrize("query", [
    "query($first: Int) { accounts(first: $first) { nodes { name limitHistory { newLimit { amount } newBalanceCap { amount } changedByName } } } }",
    "query($first: Int) { members(first: $first) { nodes { account { limitHistory { newLimit { amount } } } } } }",
])
def test_accounts_with_their_limit_history_cost_the_same_for_many(treasurer_api, make_member, engine, query):
    from tests.ledger.test_balance_cap import SET_LIMITS

    for n in range(12):
        make_member(organization=f"Firm {n}")
    accounts = treasurer_api.data("{ accounts(first: 100) { nodes { id } } }")["accounts"]["nodes"]
    for i, account in enumerate(accounts):
        for limit in ("10.00", "20.00")[: 1 + i % 2]:
            changed = treasurer_api.data(SET_LIMITS, input={"accountId": account["id"], "creditLimit": limit, "balanceCap": "900.00"})
            assert changed["setCreditLimit"]["errors"] == []
    costs = []
    for first in (2, 12):
        with sql_statements(engine) as statements:
            nodes = treasurer_api.data(query, first=first)
        costs.append(len(statements))
    listed = next(iter(nodes.values()))["nodes"]
    histories = [(n.get("account") or n)["limitHistory"] for n in listed]
    assert len(histories) == 12 and all(histories), histories
    assert costs[0] == costs[1], costs
