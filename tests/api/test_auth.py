"""Sign-in, sessions, API tokens and the admin's createMember."""
import logging

import pytest

from app.demo import DEMO_PASSWORD
from tests.conftest import GraphQLClient

LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { viewer { id name email role } errors { code field message } }
}"""
VIEWER = "{ viewer { id name email role organization { name } account { id balance { amount currency } creditLimit { amount } } } }"
CREATE_MEMBER = """mutation($input: CreateMemberInput!) {
  createMember(input: $input) {
    member { id name email role organization { name manager { name } } account { creditLimit { amount } } }
    errors { code field message }
  }
}"""
CREATE_TOKEN = """mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id name } errors { code field message } }
}"""


def test_login_starts_a_session_and_viewer_shows_the_member(api, make_member):
    email = make_member(name="Julie Favre", organization="Charpentes Test", credit_limit=50_000)
    result = api.data(LOGIN, input={"email": email.upper(), "password": DEMO_PASSWORD})["login"]
    assert result["errors"] == []
    assert result["viewer"]["email"] == email
    viewer = api.data(VIEWER)["viewer"]
    assert viewer["name"] == "Julie Favre"
    assert viewer["organization"]["name"] == "Charpentes Test"
    # She manages the new organisation, so she pays from its account, with its limit.
    assert viewer["account"]["creditLimit"]["amount"] == "500.00"
    assert viewer["account"]["balance"] == {"amount": "0.00", "currency": "ALV"}


def test_session_cookie_is_httponly_and_samesite_lax(client, make_member):
    email = make_member()
    response = client.post("/graphql", json={"query": LOGIN, "variables": {"input": {"email": email, "password": DEMO_PASSWORD}}})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_anonymous_viewer_is_null(api):
    assert api.data(VIEWER) == {"viewer": None}


@pytest.mark.parametrize("lang, message", [
    ("fr", "Email inconnu ou mot de passe incorrect."),
    ("en", "Unknown email or wrong password."),
])
def test_wrong_password_and_unknown_email_give_the_same_answer(api, make_member, lang, message):
    email = make_member()
    headers = {"Accept-Language": lang}
    wrong = api.gql(LOGIN, headers=headers, input={"email": email, "password": "not the password"})
    unknown = api.gql(LOGIN, headers=headers, input={"email": "nobody@example.test", "password": "whatever1234"})
    assert wrong == unknown
    assert wrong["data"]["login"]["errors"] == [{"code": "UNAUTHENTICATED", "field": None, "message": message}]
    assert api.data(VIEWER) == {"viewer": None}


def test_repeated_failures_are_slowed_down(app, api, make_member):
    app.config["LOGIN_DELAY_SECONDS"] = 30.0  # the first delay, longer than this test however slow
    email = make_member()
    for _ in range(5):
        api.data(LOGIN, input={"email": email, "password": "wrong password"})
    # Even the right password is refused for a while after five failures.
    errors = api.data(LOGIN, input={"email": email, "password": DEMO_PASSWORD})["login"]["errors"]
    assert [e["code"] for e in errors] == ["RATE_LIMITED"]
    assert api.data(VIEWER) == {"viewer": None}


def test_suspended_member_cannot_sign_in(api, make_member, db):
    import sqlalchemy as sa

    from models import Member, MemberStatus

    email = make_member()
    db.execute(sa.update(Member).where(Member.email == email).values(status=MemberStatus.SUSPENDED))
    db.commit()
    errors = api.data(LOGIN, input={"email": email, "password": DEMO_PASSWORD})["login"]["errors"]
    assert [e["code"] for e in errors] == ["UNAUTHENTICATED"]


def test_logout_ends_the_session(member_api):
    assert member_api.data(VIEWER)["viewer"] is not None
    assert member_api.data("mutation { logout { errors { code } } }") == {"logout": {"errors": []}}
    assert member_api.data(VIEWER) == {"viewer": None}


def test_bearer_token_authenticates_another_client(app, member_api):
    created = member_api.data(CREATE_TOKEN, input={"name": "Export compta"})["createApiToken"]
    assert created["errors"] == [] and created["token"].startswith("alv_")
    other = app.test_client()
    headers = {"Authorization": f"Bearer {created['token']}"}
    body = other.post("/graphql", json={"query": VIEWER}, headers=headers).get_json()
    assert body["data"]["viewer"]["id"] == member_api.data(VIEWER)["viewer"]["id"]
    tokens = member_api.data("{ apiTokens { name lastUsedAt revokedAt } }")["apiTokens"]
    assert tokens[0]["name"] == "Export compta" and tokens[0]["lastUsedAt"] is not None


def test_revoked_or_wrong_token_is_anonymous(app, member_api):
    created = member_api.data(CREATE_TOKEN, input={"name": "script"})["createApiToken"]
    revoke = member_api.data(
        "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { revokedAt } errors { code } } }",
        input={"tokenId": created["apiToken"]["id"]},
    )["revokeApiToken"]
    assert revoke["errors"] == [] and revoke["apiToken"]["revokedAt"]
    other = app.test_client()
    for secret in (created["token"], "alv_forged"):
        body = other.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {secret}"}).get_json()
        assert body["data"] == {"viewer": None}


def test_token_needs_a_name_and_a_signed_in_member(api, member_api):
    assert api.data(CREATE_TOKEN, input={"name": "x"})["createApiToken"]["errors"][0]["code"] == "UNAUTHENTICATED"
    errors = member_api.data(CREATE_TOKEN, input={"name": "  "})["createApiToken"]["errors"]
    assert errors[0]["code"] == "INVALID" and errors[0]["field"] == ["name"]


def new_member_input(**overrides):
    return {"email": "new.person@example.test", "name": "Nouvelle Personne", "password": "long enough pw", **overrides}


def test_admin_creates_a_member_with_a_new_organization(admin_api):
    result = admin_api.data(
        CREATE_MEMBER, input=new_member_input(organizationName="Scierie Nouvelle", creditLimit="750.00")
    )["createMember"]
    assert result["errors"] == []
    member = result["member"]
    assert member["organization"] == {"name": "Scierie Nouvelle", "manager": {"name": "Nouvelle Personne"}}
    assert member["account"]["creditLimit"]["amount"] == "750.00"
    # The new member can sign in.
    GraphQLClient(admin_api.client.application.test_client()).login("new.person@example.test", "long enough pw")


@pytest.mark.parametrize("fixture", ["api", "member_api", "treasurer_api"])
def test_only_the_admin_creates_members(request, fixture, db):
    import sqlalchemy as sa

    from models import Member

    client = request.getfixturevalue(fixture)
    before = db.scalar(sa.select(sa.func.count()).select_from(Member))
    errors = client.data(CREATE_MEMBER, input=new_member_input())["createMember"]["errors"]
    assert [e["code"] for e in errors] == ["UNAUTHENTICATED" if fixture == "api" else "FORBIDDEN"]
    assert db.scalar(sa.select(sa.func.count()).select_from(Member)) == before


@pytest.mark.parametrize("overrides, field, code", [
    ({"email": "not-an-email"}, "email", "INVALID"),
    ({"password": "short"}, "password", "INVALID"),
    ({"name": ""}, "name", "INVALID"),
    ({"creditLimit": "-5"}, "creditLimit", "INVALID"),
    ({"creditLimit": "12.345"}, "creditLimit", "INVALID"),
    ({"organizationName": "Org SIRET", "siret": "12345678901234"}, "siret", "INVALID"),
])
def test_create_member_rejects_bad_input_and_writes_nothing(admin_api, db, overrides, field, code):
    import sqlalchemy as sa

    from models import Member, Organization

    count = lambda model: db.scalar(sa.select(sa.func.count()).select_from(model))
    before = (count(Member), count(Organization))
    errors = admin_api.data(CREATE_MEMBER, input=new_member_input(**overrides))["createMember"]["errors"]
    assert (errors[0]["code"], errors[0]["field"]) == (code, [field])
    db.expire_all()
    assert (count(Member), count(Organization)) == before


def test_emails_are_unique_whatever_their_case(admin_api, make_member):
    email = make_member()
    errors = admin_api.data(CREATE_MEMBER, input=new_member_input(email=email.upper()))["createMember"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("CONFLICT", ["email"])]


def test_a_member_sees_no_other_members_account(member_api, make_member):
    make_member(name="Autre Personne", organization="Autre Org", credit_limit=1000)
    node = member_api.data(
        '{ members(search: "Autre Personne") { edges { node { name email account { id } } } } }'
    )["members"]["edges"][0]["node"]
    assert node["account"] is None and node["email"] is None


def test_treasurer_sees_every_account(treasurer_api, make_member):
    other = make_member(organization="Autre Org", credit_limit=1000)
    node = treasurer_api.data(
        '{ members(search: "%s") { edges { node { account { creditLimit { amount } } } } } }' % other.split("@")[0]
    )["members"]["edges"][0]["node"]
    assert node["account"]["creditLimit"]["amount"] == "10.00"


SET_STATUS = """mutation($input: SetMemberStatusInput!) {
  setMemberStatus(input: $input) { member { status } errors { code field message } }
}"""


def test_admin_suspends_a_member_whose_session_and_tokens_stop_working(app, admin_api, make_member):
    # A member who manages no organisation (a manager hands the role over first: test_organizations).
    member_api = GraphQLClient(app.test_client()).login(make_member())
    secret = member_api.data(CREATE_TOKEN, input={"name": "script"})["createApiToken"]["token"]
    member_id = member_api.data(VIEWER)["viewer"]["id"]
    result = admin_api.data(SET_STATUS, input={"memberId": member_id, "status": "SUSPENDED"})["setMemberStatus"]
    assert result == {"member": {"status": "SUSPENDED"}, "errors": []}
    assert member_api.data(VIEWER) == {"viewer": None}
    body = app.test_client().post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert body["data"] == {"viewer": None}
    # Reinstated, the member signs in again.
    admin_api.data(SET_STATUS, input={"memberId": member_id, "status": "ACTIVE"})
    GraphQLClient(app.test_client()).login(_email_of(admin_api, member_id))


def _email_of(api, member_id):
    return api.data('query($id: ID!) { node(id: $id) { ... on Member { email } } }', id=member_id)["node"]["email"]


def test_admin_cannot_suspend_themselves_and_others_cannot_suspend(admin_api, member_api):
    admin_id = admin_api.data(VIEWER)["viewer"]["id"]
    errors = admin_api.data(SET_STATUS, input={"memberId": admin_id, "status": "SUSPENDED"})["setMemberStatus"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["memberId"])]
    errors = member_api.data(SET_STATUS, input={"memberId": admin_id, "status": "SUSPENDED"})["setMemberStatus"]["errors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]
    assert admin_api.data(VIEWER)["viewer"] is not None


def test_admin_changes_a_role(admin_api, member_api):
    member_id = member_api.data(VIEWER)["viewer"]["id"]
    result = admin_api.data(
        "mutation($input: SetMemberRoleInput!) { setMemberRole(input: $input) { member { role } errors { code } } }",
        input={"memberId": member_id, "role": "TREASURER"},
    )["setMemberRole"]
    assert result == {"member": {"role": "TREASURER"}, "errors": []}
    assert member_api.data(VIEWER)["viewer"]["role"] == "TREASURER"


def test_members_cannot_search_hidden_emails(member_api, treasurer_api, make_member):
    make_member(name="Alice Martin", email="alice.secret@example.test")
    query = 'query($q: String) { members(search: $q) { nodes { name } } }'
    assert member_api.data(query, q="alice.secret")["members"]["nodes"] == []
    assert member_api.data(query, q="%")["members"]["nodes"] == []  # wildcards are plain characters
    assert member_api.data(query, q="alice")["members"]["nodes"] == [{"name": "Alice Martin"}]
    assert treasurer_api.data(query, q="alice.secret")["members"]["nodes"] == [{"name": "Alice Martin"}]
    # A search of 100,000 characters never reaches the database (issue 10: strings are bounded).
    assert member_api.gql(query, q="x" * 100_000)["errors"][0]["extensions"]["code"] == "INVALID"


UPDATE_MEMBER = """mutation($input: UpdateMemberInput!) {
  updateMember(input: $input) { member { role status } errors { code field message } }
}"""


def test_admin_updates_role_and_status_at_once_and_it_is_logged(app, admin_api, make_member, caplog):
    member_api = GraphQLClient(app.test_client()).login(make_member())
    member_id = member_api.data(VIEWER)["viewer"]["id"]
    with caplog.at_level(logging.INFO, logger="alveole.auth"):
        result = admin_api.data(UPDATE_MEMBER, input={"memberId": member_id, "role": "TREASURER", "status": "SUSPENDED"})
    assert result["updateMember"] == {"member": {"role": "TREASURER", "status": "SUSPENDED"}, "errors": []}
    lines = [r.getMessage() for r in caplog.records if r.name == "alveole.auth"]
    assert any("role MEMBER -> TREASURER" in line for line in lines)
    assert any("status ACTIVE -> SUSPENDED" in line for line in lines)
    assert not any("@" in line for line in lines)  # ids, never emails
    # Only what is given changes.
    result = admin_api.data(UPDATE_MEMBER, input={"memberId": member_id, "status": "ACTIVE"})
    assert result["updateMember"]["member"] == {"role": "TREASURER", "status": "ACTIVE"}


def test_update_member_is_for_the_admin_only(admin_api, member_api):
    admin_id = admin_api.data(VIEWER)["viewer"]["id"]
    errors = member_api.data(UPDATE_MEMBER, input={"memberId": admin_id, "role": "MEMBER"})["updateMember"]["errors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]
    errors = admin_api.data(UPDATE_MEMBER, input={"memberId": admin_id, "role": "MEMBER"})["updateMember"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["memberId"])]
    errors = admin_api.data(UPDATE_MEMBER, input={"memberId": "nonsense", "role": "MEMBER"})["updateMember"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", ["memberId"])]


CREATE_ORGANIZATION = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { name kind town siret account { creditLimit { amount } } } errors { code field message }
  }
}"""


def test_admin_creates_an_organisation_with_its_account(admin_api, caplog):
    with caplog.at_level(logging.INFO, logger="alveole.auth"):
        result = admin_api.data(CREATE_ORGANIZATION, input={
            "name": "Atelier Bois & Vie", "kind": "INSERTION", "town": "Marignier", "siret": "7456 7891 2000 15",
            "creditLimit": "250.00",
            "manager": {"name": "Sophie Gay", "email": "sophie@example.test", "password": "copeaux-et-sciure"},
        })["createOrganization"]
    assert result == {"organization": {
        "name": "Atelier Bois & Vie", "kind": "INSERTION", "town": "Marignier", "siret": "74567891200015",
        "account": {"creditLimit": {"amount": "250.00"}},
    }, "errors": []}
    assert any("organisation" in r.getMessage() and "created" in r.getMessage() for r in caplog.records)
    again = admin_api.data(CREATE_ORGANIZATION, input={
        "name": "Atelier Bois & Vie", "manager": {"name": "Autre", "email": "autre@example.test", "password": "copeaux-et-sciure"},
    })["createOrganization"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("CONFLICT", ["name"])]


def test_only_the_admin_creates_organisations(member_api, treasurer_api, api):
    for client in (member_api, treasurer_api):
        result = client.data(CREATE_ORGANIZATION, input={"name": "Pirate SARL"})["createOrganization"]
        assert result["organization"] is None and [e["code"] for e in result["errors"]] == ["FORBIDDEN"]
    anonymous = api.data(CREATE_ORGANIZATION, input={"name": "Pirate SARL"})["createOrganization"]
    assert [e["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    names = [o["name"] for o in treasurer_api.data("{ organizations { name } }")["organizations"]]
    assert "Pirate SARL" not in names


def test_sign_in_failures_are_logged_without_the_email(api, make_member, caplog):
    email = make_member()
    with caplog.at_level(logging.INFO, logger="alveole.auth"):
        body = api.data(LOGIN, input={"email": email, "password": "wrong password"})
    assert body["login"]["errors"][0]["code"] == "UNAUTHENTICATED"
    lines = [r.getMessage() for r in caplog.records if r.name == "alveole.auth"]
    assert any("sign-in failed" in line for line in lines)
    assert not any(email in line or "wrong password" in line for line in lines)
