"""The pages of accounts that run themselves, the public home, the language of a session, and the
one safe redirect."""
import unicodedata

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.demo import DEMO_PASSWORD
from app.web.pages import safe_next
from models import Member
from tests.api.accounts_helpers import last_link, outbox
from tests.conftest import GraphQLClient, csrf_token
from tests.web.test_pages import sign_in

# --- Redirects after sign-in ---------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "%20//evil.example", "/%E2%80%A8/evil.example",
    "https:evil.example", "https://evil.example", "//evil.example", "/\\evil.example", "%5C%5Cevil.example",
    "javascript:alert(1)", "",
])
def test_sign_in_never_sends_the_member_to_another_site_nor_fails(client, make_member, target):
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={target}", data={"email": make_member(), "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_newline_in_next_injects_no_header_and_fails_nothing(client, make_member):
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/%0d%0aSet-Cookie:%20x=1", data={"email": make_member(), "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/Set-Cookie:%20x=1"  # a page of the site
    assert not any(cookie.startswith("x=") for cookie in response.headers.get_all("Set-Cookie"))


def test_sign_in_goes_back_to_a_page_of_the_site(client, make_member):
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/catalogue%3Fq%3Dscie%26kind%3DTOOL",
                           data={"email": make_member(), "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/catalogue?q=scie&kind=TOOL"


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """An app for the request context url_for needs (no database is touched)."""
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('bare') / 'unused.db'}"})


TRICKY_HEADS = st.sampled_from(["/", "//", "/\t/", "/\n/", "\\", "/\\", " /", "/\u2028/", "https:", "/x"])


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.text(max_size=40) | st.tuples(TRICKY_HEADS, st.text(max_size=20)).map("".join))
def test_safe_next_only_ever_answers_a_path_of_this_site(bare_app, target):
    with bare_app.test_request_context():
        result = safe_next(target, "core.home")
        if result == url_for("core.home"):
            return
        assert result.startswith("/") and not result.startswith("//") and "\\" not in result
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in result)
        assert result == result.strip()


# --- The language of a session ------------------------------------------------------------------


def test_the_language_picked_on_the_sign_in_page_survives_sign_in(app, client, make_member, db):
    email = make_member(language="fr")
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/login"), "next": "/login"})
    assert "Forgotten password?" in client.get("/login").get_data(as_text=True)
    sign_in(client, email)
    assert "Hello" in client.get("/").get_data(as_text=True)
    assert db.scalar(sa.select(Member.language).where(Member.email == email)) == "fr"


def test_the_profile_page_changes_the_stored_language_which_then_applies(client, make_member, db):
    email = make_member(language="fr")
    sign_in(client, email)
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    token = csrf_token(client, "/profile")
    client.post("/profile", data={"csrf_token": token, "action": "update", "name": "Léa", "language": "fr"})
    assert "Mon profil" in client.get("/profile").get_data(as_text=True)
    client.post("/profile", data={"csrf_token": token, "action": "update", "name": "Léa", "language": "en"})
    assert "My profile" in client.get("/profile").get_data(as_text=True)
    assert db.scalar(sa.select(Member.language).where(Member.email == email)) == "en"


# --- Public pages ---------------------------------------------------------------------------------


def test_the_public_catalogue_links_to_sign_in(client):
    page = client.get("/catalogue").get_data(as_text=True)
    assert 'href="/login' in page and "Se connecter" in page


def test_the_sign_in_page_offers_the_forgotten_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Mot de passe oublié" in page


# --- The forgotten password -----------------------------------------------------------------------


def test_a_forgotten_password_is_reset_from_the_emailed_link(app, client, make_member, db):
    email = make_member(name="Sophie Gay")
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    notice = client.get("/login").get_data(as_text=True)
    assert "Si un membre se connecte avec cette adresse" in notice
    _, path, _ = last_link(db, email)

    form = client.get(path)
    assert form.status_code == 200 and email in form.get_data(as_text=True)
    differ = client.post(path, data={"password": "a new passphrase", "password_confirm": "another one!!", "csrf_token": token})
    assert differ.status_code == 400 and "Les deux mots de passe diffèrent." in differ.get_data(as_text=True)
    short = client.post(path, data={"password": "short", "password_confirm": "short", "csrf_token": token})
    assert short.status_code == 400 and "au moins 10 caractères" in short.get_data(as_text=True)
    done = client.post(path, data={"password": "a new passphrase", "password_confirm": "a new passphrase", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Bonjour Sophie Gay" in client.get("/").get_data(as_text=True)
    used = app.test_client().get(path)
    assert used.status_code == 404 and "Ce lien n’est plus valable" in used.get_data(as_text=True)
    GraphQLClient(app.test_client()).login(email, "a new passphrase")


def test_the_forgotten_password_page_answers_alike_for_strangers(client, db):
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": "stranger@example.test", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert outbox(db, "stranger@example.test") == []


# --- Invitations ------------------------------------------------------------------------------------


def test_the_admin_invites_from_the_page_and_the_invitee_joins(app, make_member, db):
    from models import Role

    admin = app.test_client()
    sign_in(admin, make_member(role=Role.ADMIN, organization="Pôle"))
    token = csrf_token(admin, "/members/invite")
    response = admin.post("/members/invite", data={
        "csrf_token": token, "name": "Karim Benali", "email": "karim@example.test", "organization_id": "",
        "role": "MEMBER", "language": "fr",
    })
    assert response.status_code == 302
    assert "Karim Benali est invité(e)" in admin.get("/members/invite").get_data(as_text=True)
    (mail,) = outbox(db, "karim@example.test")
    assert "vous invite à rejoindre" in mail.subject
    _, path, _ = last_link(db, "karim@example.test")

    invitee = app.test_client()
    page = invitee.get(path).get_data(as_text=True)
    assert "Bienvenue" in page and "karim@example.test" in page
    csrf = csrf_token(invitee, path)
    done = invitee.post(path, data={"password": "ma phrase secrète", "password_confirm": "ma phrase secrète", "csrf_token": csrf})
    assert done.status_code == 302
    assert "Bonjour Karim Benali" in invitee.get("/").get_data(as_text=True)


def test_the_invitation_page_is_for_the_admin_and_managers(app, make_member):
    manager_email = make_member(organization="Atelier Bois & Vie")
    worker_email = make_member(organization="Atelier Bois & Vie")
    make_member(organization="Scierie Autre")
    anonymous = app.test_client()
    assert anonymous.get("/members/invite").status_code == 302
    worker = app.test_client()
    sign_in(worker, worker_email)
    assert worker.get("/members/invite").status_code == 403
    manager = app.test_client()
    sign_in(manager, manager_email)
    page = manager.get("/members/invite").get_data(as_text=True)
    assert "Atelier Bois &amp; Vie" in page and "Scierie Autre" not in page and 'name="role"' not in page
    assert "Inviter un membre" in manager.get("/").get_data(as_text=True)
