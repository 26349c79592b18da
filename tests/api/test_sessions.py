"""Sign-out, a new password, a reset and a suspension end every session of the member: a saved
copy of the session cookie no longer works, on the pages or on /graphql."""
import pytest

from app.demo import DEMO_PASSWORD
from tests.api.accounts_helpers import CHANGE, REQUEST_RESET, RESET, VIEWER, last_link, member_row
from tests.conftest import GraphQLClient

LOGOUT = "mutation { logout { errors { code } } }"
SET_STATUS = """mutation($input: SetMemberStatusInput!) {
  setMemberStatus(input: $input) { member { status } errors { code } } }"""


def saved_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app, cookie: str):
    """A new browser holding a saved copy of the session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def assert_signed_out(app, cookie: str):
    client = replay(app, cookie)
    assert GraphQLClient(client).data(VIEWER) == {"viewer": None}
    page = client.get("/profile")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def assert_signed_in(app, cookie: str):
    client = replay(app, cookie)
    assert GraphQLClient(client).data(VIEWER)["viewer"] is not None
    assert client.get("/profile").status_code == 200


def test_a_saved_cookie_works_until_sign_out_then_never_again(app, make_member):
    browser = GraphQLClient(app.test_client()).login(make_member())
    cookie = saved_cookie(browser.client)
    assert_signed_in(app, cookie)
    assert browser.data(LOGOUT) == {"logout": {"errors": []}}
    assert browser.data(VIEWER) == {"viewer": None}
    assert_signed_out(app, cookie)


def test_signing_out_on_the_web_ends_the_session_of_every_device(app, make_member):
    from tests.conftest import csrf_token

    email = make_member()
    phone = GraphQLClient(app.test_client()).login(email)
    laptop = app.test_client()
    GraphQLClient(laptop).login(email)
    cookie = saved_cookie(laptop)
    response = laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/profile")})
    assert response.status_code == 302
    assert_signed_out(app, cookie)
    assert phone.data(VIEWER) == {"viewer": None}
    # Signing in again starts a fresh session.
    GraphQLClient(app.test_client()).login(email)


def test_the_session_version_moves_on_at_each_sign_out(app, make_member, db):
    email = make_member()
    before = member_row(db, email).session_version
    GraphQLClient(app.test_client()).login(email).data(LOGOUT)
    assert member_row(db, email).session_version == before + 1


def test_a_password_change_ends_the_saved_cookies_of_other_sessions(app, make_member):
    email = make_member()
    old = saved_cookie(GraphQLClient(app.test_client()).login(email).client)
    here = GraphQLClient(app.test_client()).login(email)
    here.data(CHANGE, input={"currentPassword": DEMO_PASSWORD, "newPassword": "a brand new passphrase"})
    assert_signed_out(app, old)
    assert_signed_in(app, saved_cookie(here.client))


def test_a_password_reset_ends_every_session(app, make_member, db):
    email = make_member()
    old = saved_cookie(GraphQLClient(app.test_client()).login(email).client)
    GraphQLClient(app.test_client()).data(REQUEST_RESET, input={"email": email})
    _, _, token = last_link(db, email)
    GraphQLClient(app.test_client()).data(RESET, input={"token": token, "password": "a brand new passphrase"})
    assert_signed_out(app, old)


@pytest.mark.parametrize("status", ["SUSPENDED", "LEFT"])
def test_a_suspension_ends_every_session_even_once_reinstated(app, admin_api, make_member, status):
    email = make_member()
    member = GraphQLClient(app.test_client()).login(email)
    cookie = saved_cookie(member.client)
    member_id = member.data(VIEWER)["viewer"]["id"]
    assert admin_api.data(SET_STATUS, input={"memberId": member_id, "status": status})["setMemberStatus"]["errors"] == []
    assert_signed_out(app, cookie)
    admin_api.data(SET_STATUS, input={"memberId": member_id, "status": "ACTIVE"})
    assert_signed_out(app, cookie)
    GraphQLClient(app.test_client()).login(email)


def test_a_cookie_without_a_session_version_signs_nobody_in(app, make_member):
    """A cookie forged with the app's key but no version (or made before versions existed)."""
    client = GraphQLClient(app.test_client()).login(make_member())
    with client.client.session_transaction() as session:
        session.pop("alveole_sv")
    assert client.data(VIEWER) == {"viewer": None}
