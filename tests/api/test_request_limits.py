"""Issue 10, findings 3 and 8: a request's cost and the size of its inputs are checked before
anything runs, with a lower budget for anonymous clients."""
import time

import pytest

from app.api import limits, throttle
from app.api.documents import OPERATIONS_DIR
from app.api.schema import schema
from graphql import parse
from tests.api.catalog_helpers import create_resource

AVAILABILITY = 'availability(from: "2030-01-07T00:00:00+01:00", to: "2030-04-07T00:00:00+02:00") { state }'


def _code(body):
    return body["errors"][0]["extensions"]["code"]


def test_thirty_aliases_of_the_calendar_are_too_costly_for_anonymous_clients(api, member_api):
    create_resource(member_api)
    aliases = " ".join(f"a{i}: resources {{ edges {{ node {{ {AVAILABILITY} nextFreeSlot {{ start }} }} }} }}" for i in range(30))
    started = time.perf_counter()
    body = api.gql(f"{{ {aliases} }}")
    assert time.perf_counter() - started < 2
    assert body["data"] is None and _code(body) == "QUERY_TOO_COSTLY"
    extensions = body["errors"][0]["extensions"]
    assert extensions["cost"] > extensions["budget"] == limits.ANONYMOUS_BUDGET
    assert "sign in" in body["errors"][0]["message"]


def test_the_budget_of_a_signed_in_member_is_higher(api, member_api):
    query = f"{{ resources(first: 50) {{ edges {{ node {{ {AVAILABILITY} }} }} }} }}"
    cost = limits.query_cost(schema._schema, parse(query), {})
    assert limits.ANONYMOUS_BUDGET < cost <= limits.SIGNED_IN_BUDGET
    assert _code(api.gql(query)) == "QUERY_TOO_COSTLY"
    assert "errors" not in member_api.gql(query)


def test_nested_transfers_under_accounts_are_too_costly_even_for_the_treasurer(treasurer_api):
    aliases = " ".join(
        f"a{i}: accounts(first: 100) {{ edges {{ node {{ transfers(first: 100) {{ edges {{ node {{ id memo }} }} }} }} }} }}"
        for i in range(3)
    )
    body = treasurer_api.gql(f"{{ {aliases} }}")
    assert _code(body) == "QUERY_TOO_COSTLY" and body["data"] is None


def test_first_given_as_a_variable_counts(member_api):
    query = "query($n: Int) { a: accounts(first: $n) { edges { node { transfers(first: $n) { edges { node { id memo kind } } } } } } }"
    assert _code(member_api.gql(query, n=100)) == "QUERY_TOO_COSTLY"
    assert _code(member_api.gql(query, n=5)) != "QUERY_TOO_COSTLY"  # FORBIDDEN for a member: executed


def test_fragments_are_costed_once_each_and_cannot_blow_up(api):
    fragments = ["fragment F0 on Resource { id title }"]
    for i in range(1, 40):
        fragments.append(f"fragment F{i} on Resource {{ ...F{i - 1} ...F{i - 1} }}")
    query = "{ resources { edges { node { ...F39 } } } } " + " ".join(fragments)
    started = time.perf_counter()
    body = api.gql(query)
    assert time.perf_counter() - started < 2
    assert body["data"] is None and body["errors"]


def test_every_committed_operation_fits_the_budgets():
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        cost = limits.query_cost(schema._schema, parse(path.read_text()), {"first": 100})
        assert cost <= limits.SIGNED_IN_BUDGET, f"{path.stem} costs {cost}"
    for name, page_size in (("CatalogueSearch", 24), ("ResourceDetail", None)):
        cost = limits.query_cost(schema._schema, parse((OPERATIONS_DIR / f"{name}.graphql").read_text()), {"first": page_size})
        assert cost <= limits.ANONYMOUS_BUDGET, f"{name} costs {cost}"


def test_the_public_catalogue_page_still_works(client, member_api):
    create_resource(member_api, title="Scie à ruban")
    assert "Scie à ruban" in client.get("/catalogue").get_data(as_text=True)


# --- Finding 8: lists and strings ---------------------------------------------------------------


def test_a_huge_list_argument_is_refused_before_running(member_api):
    started = time.perf_counter()
    body = member_api.gql("query($s: [InvoiceStatus!]) { invoices(status: $s) { totalCount } }", s=["ISSUED"] * 800_000)
    assert time.perf_counter() - started < 5
    assert body["data"] is None and _code(body) == "INVALID" and "100" in body["errors"][0]["message"]


def test_a_list_of_a_hundred_is_fine(member_api):
    body = member_api.gql("query($s: [InvoiceStatus!]) { invoices(status: $s) { totalCount } }", s=["ISSUED"] * 100)
    assert "errors" not in body


def test_a_literal_list_is_bounded_too(member_api):
    statuses = ", ".join(["ISSUED"] * 101)
    body = member_api.gql(f"{{ invoices(status: [{statuses}]) {{ totalCount }} }}")
    assert _code(body) == "INVALID"


@pytest.mark.parametrize("search", ["x" * (limits.MAX_STRING_LENGTH + 1), "scie\x00", "a\x1bb"])
def test_long_or_control_strings_are_refused(api, search):
    body = api.gql("query($q: String) { resources(search: $q) { totalCount } }", q=search)
    assert body["data"] is None and _code(body) == "INVALID"


def test_a_literal_string_is_bounded_too(api):
    body = api.gql('{ resources(category: "%s") { totalCount } }' % ("y" * 5000))
    assert _code(body) == "INVALID"


def test_named_long_fields_may_be_longer(member_api):
    result = member_api.data(
        "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } errors { code field } } }",
        input={"kind": "TOOL", "title": "Rabot", "price": "1.00", "priceUnit": "DAY", "description": "Texte\n" * 700},
    )["createResource"]
    assert result["errors"] == []


def test_deeply_nested_variables_are_refused(api):
    value = "x"
    for _ in range(50):
        value = [value]
    body = api.gql("query($q: String) { resources(search: $q) { totalCount } }", q=value)
    assert body["data"] is None and body["errors"]


# --- Anonymous API clients: one request at a time, half the time at most ------------------------


def _gate(app):
    return throttle.gate_directory(app.config["DATABASE_URL"])


# A page of the catalogue: above ANONYMOUS_API_GATE_MIN_COST, where the gate applies.
COSTLY = "{ resources(first: 50) { edges { node { id title } } } }"


def test_an_anonymous_request_waits_for_the_previous_one_of_its_address(app, api, member_api):
    app.config.update(ANONYMOUS_API_GATE=True, ANONYMOUS_API_WAIT_SECONDS=0.2)
    assert limits.query_cost(schema._schema, parse(COSTLY), {}) >= app.config["ANONYMOUS_API_GATE_MIN_COST"]
    with throttle.one_at_a_time(_gate(app), "127.0.0.1", 5):
        started = time.perf_counter()
        response = api.client.post("/graphql", json={"query": COSTLY})
        assert time.perf_counter() - started >= 0.2
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        body = response.get_json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert "errors" not in member_api.gql(COSTLY)  # signed in: not gated
    app.config["ANONYMOUS_API_WAIT_SECONDS"] = 5
    assert "errors" not in api.gql(COSTLY)  # its turn came


def test_a_cheap_anonymous_request_is_not_gated(app, api):
    """It asks no more of the server than a public page, which is not gated either."""
    app.config.update(ANONYMOUS_API_GATE=True, ANONYMOUS_API_WAIT_SECONDS=0.1)
    with throttle.one_at_a_time(_gate(app), "127.0.0.1", 5):
        assert api.gql("{ __typename }") == {"data": {"__typename": "Query"}}
        assert api.gql("{ viewer { id name } }") == {"data": {"viewer": None}}


def test_the_gate_is_released_after_the_answer(app, api):
    app.config.update(ANONYMOUS_API_GATE=True, ANONYMOUS_API_WAIT_SECONDS=0.1)
    assert "errors" not in api.gql(COSTLY)
    with throttle.one_at_a_time(_gate(app), "127.0.0.1", 5):  # free again (after its share pause)
        pass


def test_an_address_gets_at_most_half_the_time(tmp_path):
    directory = tmp_path / "gate"
    with throttle.one_at_a_time(directory, "10.0.0.1", 0):
        time.sleep(0.3)
    with pytest.raises(throttle.Busy):  # its turn comes 0.3 s after the previous request ended
        with throttle.one_at_a_time(directory, "10.0.0.1", 0.05):
            pass
    with throttle.one_at_a_time(directory, "10.0.0.2", 0):  # another address is not held up
        pass
    started = time.perf_counter()
    with throttle.one_at_a_time(directory, "10.0.0.1", 1):
        assert time.perf_counter() - started >= 0.15


def test_an_anonymous_query_over_get_is_gated_too(app, api):
    app.config.update(ANONYMOUS_API_GATE=True, ANONYMOUS_API_WAIT_SECONDS=0.1)
    with throttle.one_at_a_time(_gate(app), "127.0.0.1", 5):
        assert api.client.get("/graphql", query_string={"query": COSTLY}).status_code == 429
