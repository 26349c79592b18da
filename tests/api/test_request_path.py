"""Issue 14, the request path: each document is validated once, whoever sends it, without
leaking a permissive answer from one caller to another; a bearer token costs one read and at
most one write a minute."""
import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from app.api import documents as documents_module
from app.api import limits
from app.api.documents import Documents, documents
from models import ApiToken
from tests.api.test_auth import CREATE_TOKEN
from tests.conftest import page_client

VIEWER = "{ viewer { id name } }"
# Costs more than an anonymous client may ask, less than a member may (tests/api/test_request_limits.py).
AVAILABILITY = 'availability(from: "2030-01-07T00:00:00+01:00", to: "2030-04-07T00:00:00+02:00") { state }'


@pytest.fixture
def validations(monkeypatch):
    """The documents validated from now on."""
    seen = []
    validate = documents_module.validate_document

    def counting(schema, document, rules):
        seen.append(document)
        return validate(schema, document, rules)

    monkeypatch.setattr(documents_module, "validate_document", counting)
    return seen


def _unique(query: str) -> str:
    """The same query under a text no earlier test sent (the cache is the process's)."""
    return f"# {uuid.uuid4().hex}\n{query}"


def test_the_same_document_is_validated_once(member_api, api, validations):
    query = _unique(VIEWER)
    first = member_api.data(query)
    assert member_api.data(query) == first
    assert api.data(query) == {"viewer": None}
    assert len(validations) == 1


def test_an_invalid_document_is_refused_every_time_and_validated_once(api, validations):
    query = _unique("{ viewer { shoeSize } }")
    for _ in range(2):
        body = api.gql(query)
        assert body["data"] is None and "Cannot query field 'shoeSize'" in body["errors"][0]["message"]
    assert len(validations) == 1


def test_a_costly_query_run_by_a_member_is_still_refused_to_anonymous_clients(member_api, api):
    query = _unique(f"{{ resources(first: 50) {{ edges {{ node {{ {AVAILABILITY} }} }} }} }}")
    for _ in range(2):
        assert "errors" not in member_api.gql(query)
        body = api.gql(query)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert body["errors"][0]["extensions"]["budget"] == limits.ANONYMOUS_BUDGET


def test_variables_are_checked_on_every_request(member_api, validations):
    query = _unique("query($n: Int) { a: accounts(first: $n) { edges { node { transfers(first: $n) { edges { node { id memo kind } } } } } } }")
    assert member_api.gql(query, n=5)["errors"][0]["extensions"]["code"] != "QUERY_TOO_COSTLY"
    assert member_api.gql(query, n=100)["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert member_api.gql(query, n="x" * 3000)["errors"]  # not an Int, and too long anyway
    assert len(validations) == 1


def test_a_syntax_error_is_reported_and_not_kept(api):
    query = _unique("{ viewer { ")
    size = len(documents._recent)
    for _ in range(2):
        assert "Syntax Error" in api.gql(query)["errors"][0]["message"]
    assert query not in documents._recent and len(documents._recent) <= max(size, documents.maxsize)


def test_the_cache_keeps_the_latest_texts_only():
    cache = Documents(maxsize=2)
    a, b, c = (cache.get(f"{{ __typename }} # {i}") for i in range(3))
    assert cache.get("{ __typename } # 2") is c and cache.get("{ __typename } # 1") is b
    assert cache.get("{ __typename } # 0") is not a  # evicted, parsed again
    assert len(cache._recent) == 2


def test_the_pages_operations_are_parsed_at_start(app, make_member, monkeypatch, validations):
    client = page_client(app, make_member(name="Lucie Morel"))

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(documents_module, "parse", no_parsing)
    assert "Lucie Morel" in client.get("/").get_data(as_text=True)  # validated on first use (once per process)
    validations.clear()
    assert "Lucie Morel" in client.get("/").get_data(as_text=True)
    assert validations == []


# --- A bearer token -----------------------------------------------------------------------------


def _token(member_api) -> str:
    return member_api.data(CREATE_TOKEN, input={"name": "script"})["createApiToken"]["token"]


@pytest.fixture
def token_writes(app):
    """The statements that write a token's last use, from now on."""
    writes = []
    engine = app.extensions["db_engine"]

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            writes.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield writes
    sa.event.remove(engine, "before_cursor_execute", record)


def test_a_tokens_last_use_is_written_at_most_once_a_minute(app, member_api, db, token_writes):
    secret = _token(member_api)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    viewer = member_api.data(VIEWER)["viewer"]

    def last_used():
        db.rollback()
        return db.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.name == "script"))

    assert last_used() is None
    for _ in range(3):
        assert client.post("/graphql", json={"query": VIEWER}, headers=headers).get_json() == {"data": {"viewer": viewer}}
    first = last_used()
    assert first is not None and len(token_writes) == 1  # the first request only

    # Over a minute later, the next request records it again.
    earlier = first - dt.timedelta(seconds=61)
    db.execute(sa.update(ApiToken).where(ApiToken.name == "script").values(last_used_at=earlier))
    db.commit()
    token_writes.clear()
    for _ in range(2):
        assert client.post("/graphql", json={"query": VIEWER}, headers=headers).get_json() == {"data": {"viewer": viewer}}
    assert last_used() > first and len(token_writes) == 1


def test_a_request_with_a_fresh_token_takes_no_write_lock(app, member_api, db, token_writes):
    """On SQLite a write transaction (BEGIN IMMEDIATE) queues behind every writer: a read with a
    token used a moment ago begins none."""
    secret = _token(member_api)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    client.post("/graphql", json={"query": VIEWER}, headers=headers)
    begins = []
    engine = app.extensions["db_engine"]
    listener = lambda connection: begins.append(connection.get_execution_options().get("sqlite_begin", "IMMEDIATE"))
    sa.event.listen(engine, "begin", listener)
    try:
        assert client.post("/graphql", json={"query": VIEWER}, headers=headers).get_json()["data"]["viewer"]
    finally:
        sa.event.remove(engine, "begin", listener)
    assert begins == ["DEFERRED"] and len(token_writes) == 1


# --- The view -----------------------------------------------------------------------------------


def test_a_typename_query_runs_no_sql(app, api):
    statements = []
    engine = app.extensions["db_engine"]
    record = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert api.gql("{ __typename }") == {"data": {"__typename": "Query"}}
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert statements == []


@pytest.mark.parametrize("body, reason", [
    ([{"query": "{ __typename }"}], "Batching is not enabled"),
    ("{ __typename }", "must be a JSON object"),
    ({"query": 42}, "`query` must be a string"),
    ({"query": "{ __typename }", "variables": [1]}, "`variables` must be an object"),
    ({"query": "{ __typename }", "operationName": 1}, "`operationName` must be a string"),
    ({"query": "query A { __typename } query B { __typename }"}, "Can't get GraphQL operation type"),
    ({"query": "query A { __typename }", "operationName": "B"}, 'Unknown operation named "B"'),
    ({"variables": {}}, "No GraphQL query found"),
])
def test_a_request_that_names_no_operation_is_a_400(client, body, reason):
    response = client.post("/graphql", json=body)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)


def test_a_query_over_get_runs_and_a_mutation_over_get_is_a_400(client):
    assert client.get("/graphql", query_string={"query": "{ __typename }"}).get_json() == {"data": {"__typename": "Query"}}
    query = 'query($id: ID!) { node(id: $id) { id } }'
    response = client.get("/graphql", query_string={"query": query, "variables": '{"id": "TWVtYmVyOjk5OTk5"}'})
    assert response.get_json() == {"data": {"node": None}}
    assert client.get("/graphql", query_string={"query": "{ __typename }", "variables": "{nope"}).status_code == 400
    refused = client.get("/graphql", query_string={"query": "mutation { logout { errors { code } } }"})
    assert refused.status_code == 400 and "mutations are not allowed when using GET" in refused.get_data(as_text=True)
    assert client.get("/graphql").status_code == 400  # neither a query nor a browser
