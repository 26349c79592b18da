"""Issue 10, findings 3 and 8: a request's cost and the size of its inputs are checked before
anything runs, with a lower budget for anonymous clients. "Before anything runs" is checked
by what did not happen (no SQL, no calendar computed, few Python calls), never by a stopwatch:
speed goals live in bench/."""
import pytest

from app.api import limits, throttle
from app.api.documents import OPERATIONS_DIR
from app.api.schema import schema
from app.catalog import calendar
from graphql import parse
from tests.api.catalog_helpers import create_resource
from tests.conftest import FakeClock, python_calls, sql_statements

AVAILABILITY = 'availability(from: "2030-01-07T00:00:00+01:00", to: "2030-04-07T00:00:00+02:00") { state }'


def _code(body):
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture
def calendar_computed(monkeypatch):
    """The names of the calendar computations run (availability periods, free slots)."""
    computed = []
    for name in ("availability_periods", "free_slots"):
        function = getattr(calendar, name)

        def recording(*args, _name=name, _function=function, **kwargs):
            computed.append(_name)
            return _function(*args, **kwargs)

        monkeypatch.setattr(calendar, name, recording)
    return computed


def test_thirty_aliases_of_the_calendar_are_too_costly_for_anonymous_clients(api, member_api, engine, calendar_computed):
    create_resource(member_api)
    aliases = " ".join(f"a{i}: resources {{ edges {{ node {{ {AVAILABILITY} nextFreeSlot {{ start }} }} }} }}" for i in range(30))
    with sql_statements(engine) as statements:
        body = api.gql(f"{{ {aliases} }}")
    # Refused before anything runs: no calendar computed, not even a resource read (run, it
    # takes 60 calendar computations and 151 SQL statements).
    assert calendar_computed == []
    assert statements == []
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


def test_fragments_are_costed_once_each_and_cannot_blow_up(api, monkeypatch):
    fragments = ["fragment F0 on Resource { id title }"]
    for i in range(1, 40):
        fragments.append(f"fragment F{i} on Resource {{ ...F{i - 1} ...F{i - 1} }}")
    query = "{ resources { edges { node { ...F39 } } } } " + " ".join(fragments)
    costed = []  # each fragment the coster computes (rather than takes from its memo)
    fragment = limits._Coster.fragment

    def recording(coster, name):
        if name not in coster.fragment_costs:
            costed.append(name)
        return fragment(coster, name)

    monkeypatch.setattr(limits._Coster, "fragment", recording)
    assert "errors" not in api.gql("{ __typename }")  # the first request of a worker does more: not counted
    calls, body = python_calls(lambda: api.gql(query), stop_after=200_000)  # a blow-up fails, not hangs
    assert sorted(costed) == sorted(f"F{i}" for i in range(40))  # once each
    assert body["data"] is None and _code(body) == "QUERY_TOO_COSTLY"
    # ~17,000 today, most of it parsing the document (~4,600 when its parse is cached), about
    # as much as a `{ __typename }`: neither the cost nor GraphQL's own validation (which runs
    # after the limits) nor the execution walks the 2^39 spreads.
    assert calls < 40_000


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
    statuses = ["ISSUED"] * 800_000
    calls, body = python_calls(
        lambda: member_api.gql("query($s: [InvoiceStatus!]) { invoices(status: $s) { totalCount } }", s=statuses),
        stop_after=200_000,
    )
    # ~5,000 today: the list's length is read, not its 800,000 items (each one checked or
    # coerced is a call or more); a list of 100, run, takes ~24,000.
    assert calls < 20_000
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


@pytest.fixture
def clock(monkeypatch):
    """The gate's clock: the waits it decides are recorded, not slept."""
    clock = FakeClock()
    monkeypatch.setattr(throttle, "time", clock)
    return clock


# A page of the catalogue: above ANONYMOUS_API_GATE_MIN_COST, where the gate applies.
COSTLY = "{ resources(first: 50) { edges { node { id title } } } }"


@pytest.fixture
def gate(app, monkeypatch, tmp_path, clock):
    """The gate of anonymous API clients on, its lock files the test's own."""
    directory = tmp_path / "gate"
    monkeypatch.setattr(limits, "gate_directory", lambda database_url: directory)
    app.config["ANONYMOUS_API_GATE"] = True
    return directory


def test_an_anonymous_request_waits_for_the_previous_one_of_its_address(app, api, member_api, gate, clock):
    app.config["ANONYMOUS_API_WAIT_SECONDS"] = 0.2
    assert limits.query_cost(schema._schema, parse(COSTLY), {}) >= app.config["ANONYMOUS_API_GATE_MIN_COST"]
    with throttle.one_at_a_time(gate, "127.0.0.1", 5):
        response = api.client.post("/graphql", json={"query": COSTLY})
        # It waited its 0.2 s (to a poll) for the running request to end, then gave up; it
        # polled, sleeping between tries, rather than spinning.
        assert sum(clock.sleeps) == pytest.approx(0.2, abs=throttle.POLL_SECONDS)
        assert set(clock.sleeps) == {throttle.POLL_SECONDS}
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        body = response.get_json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        clock.sleeps.clear()
        assert "errors" not in member_api.gql(COSTLY)  # signed in: not gated
        assert clock.sleeps == []
    app.config["ANONYMOUS_API_WAIT_SECONDS"] = 5
    assert "errors" not in api.gql(COSTLY)  # its turn came...
    assert clock.sleeps == [pytest.approx(0.2)]  # ...0.2 s after the previous request, which ran 0.2 s


def test_a_cheap_anonymous_request_is_not_gated(app, api, gate, clock):
    """It asks no more of the server than a public page, which is not gated either."""
    app.config["ANONYMOUS_API_WAIT_SECONDS"] = 0.1
    with throttle.one_at_a_time(gate, "127.0.0.1", 5):
        assert api.gql("{ __typename }") == {"data": {"__typename": "Query"}}
        assert api.gql("{ viewer { id name } }") == {"data": {"viewer": None}}
    assert clock.sleeps == []


def test_the_gate_is_released_after_the_answer(app, api, gate, clock):
    app.config["ANONYMOUS_API_WAIT_SECONDS"] = 0.1
    assert "errors" not in api.gql(COSTLY)
    with throttle.one_at_a_time(gate, "127.0.0.1", 5):  # free again (after its share pause)
        pass


def test_an_address_gets_at_most_half_the_time(tmp_path, clock):
    directory = tmp_path / "gate"
    with throttle.one_at_a_time(directory, "10.0.0.1", 0):
        clock.sleep(0.3)  # a request that runs 0.3 s
    clock.sleeps.clear()
    with pytest.raises(throttle.Busy):  # its turn comes 0.3 s after the previous request ended
        with throttle.one_at_a_time(directory, "10.0.0.1", 0.05):
            pass
    with throttle.one_at_a_time(directory, "10.0.0.2", 0):  # another address is not held up
        pass
    assert clock.sleeps == []  # a turn further off than the wait allowed: refused at once
    with throttle.one_at_a_time(directory, "10.0.0.1", 1):
        assert clock.sleeps == [pytest.approx(0.3)]  # waited as long as the previous request ran


def test_an_anonymous_query_over_get_is_gated_too(app, api, gate, clock):
    app.config["ANONYMOUS_API_WAIT_SECONDS"] = 0.1
    with throttle.one_at_a_time(gate, "127.0.0.1", 5):
        assert api.client.get("/graphql", query_string={"query": COSTLY}).status_code == 429
    assert sum(clock.sleeps) == pytest.approx(0.1, abs=throttle.POLL_SECONDS)
