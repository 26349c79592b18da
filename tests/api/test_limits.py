"""Malformed, oversized and hostile requests get a clear error and never a 500."""
import pytest

from app.api.documents import MAX_ALIASES, MAX_DEPTH


def test_malformed_query_is_a_graphql_error(api):
    body = api.gql("{ viewer { ")
    assert body["data"] is None and "Syntax Error" in body["errors"][0]["message"]


def test_unknown_field_is_a_graphql_error(api):
    body = api.gql("{ viewer { shoeSize } }")
    assert "Cannot query field 'shoeSize'" in body["errors"][0]["message"]


def test_wrong_argument_type_is_a_graphql_error(api):
    body = api.gql('mutation { login(input: {email: 12, password: "x"}) { errors { code } } }')
    assert body["data"] is None and body["errors"]


def test_too_deep_query_is_refused(member_api):
    # organization { manager { organization { manager ... } } } nests as deep as we like.
    inner = "id"
    for _ in range(MAX_DEPTH):
        inner = f"organization {{ manager {{ {inner} }} }}"
    body = member_api.gql(f"{{ viewer {{ {inner} }} }}")
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


def test_too_many_aliases_are_refused(member_api):
    aliases = " ".join(f"a{i}: viewer {{ id }}" for i in range(MAX_ALIASES + 1))
    body = member_api.gql(f"{{ {aliases} }}")
    assert "aliases" in body["errors"][0]["message"].lower()


def test_aliases_hidden_in_fragments_are_counted(member_api):
    aliases = " ".join(f"a{i}: id" for i in range(MAX_ALIASES + 1))
    body = member_api.gql(f"query {{ viewer {{ ...F }} }} fragment F on Member {{ {aliases} }}")
    assert "aliases" in body["errors"][0]["message"].lower()


def test_too_many_tokens_are_refused(member_api):
    fields = " ".join(["id"] * 2500)
    body = member_api.gql(f"{{ viewer {{ {fields} }} }}")
    assert "token" in body["errors"][0]["message"].lower()


@pytest.mark.parametrize("first", [101, -1])
def test_page_size_above_100_is_an_invalid_error(member_api, first):
    body = member_api.gql("query($first: Int) { members(first: $first) { totalCount } }", first=first)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


def test_bad_cursor_is_an_invalid_error(member_api):
    body = member_api.gql('{ members(after: "nonsense") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


def test_anonymous_list_is_unauthenticated(api):
    body = api.gql("{ members { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_node_with_a_bad_or_unknown_id_is_null(member_api):
    assert member_api.data('{ node(id: "not-an-id") { id } }') == {"node": None}
    assert member_api.data('{ node(id: "TWVtYmVyOjk5OTk5") { id } }') == {"node": None}


def test_node_resolves_a_member_by_global_id(member_api):
    viewer = member_api.data("{ viewer { id name } }")["viewer"]
    node = member_api.data('query($id: ID!) { node(id: $id) { id ... on Member { name } } }', id=viewer["id"])
    assert node["node"] == viewer


def test_wrong_content_type_is_refused(client):
    response = client.post("/graphql", data="query { viewer { id } }", content_type="text/plain")
    assert response.status_code in (400, 415)


def test_form_posts_cannot_reach_graphql(client):
    # A cross-site HTML form can only send form encodings: they are refused.
    response = client.post("/graphql", data={"query": "mutation { logout { errors { code } } }"})
    assert response.status_code in (400, 415)


def test_invalid_json_is_a_400(client):
    response = client.post("/graphql", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_mutations_are_refused_over_get(client):
    response = client.get("/graphql", query_string={"query": "mutation { logout { errors { code } } }"})
    assert response.status_code in (400, 405)


def test_unexpected_errors_are_masked_with_a_request_id(member_api, monkeypatch, caplog):
    from app.auth import api as auth_api

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(auth_api.MemberType, "from_model", classmethod(lambda cls, m: explode()))
    body = member_api.gql("{ viewer { id } }", headers={"X-Request-Id": "req-42"})
    error = body["errors"][0]
    assert "secret" not in error["message"] and error["extensions"] == {"code": "INTERNAL", "requestId": "req-42"}
    assert "req-42" in caplog.text and "secret internal detail" in caplog.text


def test_graphiql_is_served_from_our_own_files(member_api):
    page = member_api.client.get("/graphql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "graphiql.min.js" in page
    assert "unpkg" not in page and "jsdelivr" not in page and "https://" not in page


def test_a_bad_argument_in_a_payload_does_not_undo_the_mutation(member_api, make_member):
    make_member(organization="Payee Org")
    payee = member_api.data('{ payees(search: "Payee Org") { nodes { id } } }')["payees"]["nodes"][0]["id"]
    body = member_api.gql(
        """mutation($input: TransferInput!) { transfer(input: $input) {
             transfer { id } errors { code } account { transfers(first: 500) { totalCount } } } }""",
        input={"toAccountId": payee, "amount": "3.00"},
    )
    assert body["data"]["transfer"]["transfer"]["id"] and body["errors"][0]["extensions"]["code"] == "INVALID"
    # The payment the payload reports is really made.
    balance = member_api.data("{ viewer { account { balance { amount } } } }")["viewer"]["account"]["balance"]
    assert balance == {"amount": "-3.00"}


@pytest.mark.parametrize("query", [
    '{ resources(availableFrom: "0001-01-01T00:00:00+01:00", availableTo: "0001-01-02T00:00:00+01:00") { totalCount } }',
    '{ impactReport(from: "0001-01-01", to: "9999-12-31") { start } }',
])
def test_dates_centuries_away_are_refused_cleanly(treasurer_api, query):
    body = treasurer_api.gql(query)
    assert body["data"] is None and "Value cannot represent" in body["errors"][0]["message"]


@pytest.mark.parametrize("amount", ["1e400", "1E+30", "9" * 40])
def test_huge_amounts_are_refused_cleanly(member_api, amount):
    errors = member_api.data(
        'mutation($input: TransferInput!) { transfer(input: $input) { errors { code field message } } }',
        input={"toAccountId": "QWNjb3VudDox", "amount": amount},
    )["transfer"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["amount"])]


def test_ids_beyond_the_database_integer_read_as_nothing(member_api):
    import base64

    big = base64.urlsafe_b64encode(b"Account:4294967296").decode().rstrip("=")
    assert member_api.data('query($id: ID!) { node(id: $id) { id } }', id=big) == {"node": None}
    errors = member_api.data(
        'mutation($input: BookingActionInput!) { cancelBooking(input: $input) { errors { code } } }',
        input={"bookingId": base64.urlsafe_b64encode(b"Booking:99999999999999999999").decode().rstrip("=")},
    )["cancelBooking"]["errors"]
    assert [e["code"] for e in errors] == ["NOT_FOUND"]
