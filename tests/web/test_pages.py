"""The web shell: sign-in, CSRF, languages, the profile and the admin's members page."""
import pytest
import sqlalchemy as sa

from app.demo import DEMO_PASSWORD
from models import Member
from tests.conftest import csrf_token, sign_in


def test_login_page_speaks_french_by_default_and_english_on_request(client):
    assert "Se connecter" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in english and 'lang="en"' in english


def test_home_tells_anonymous_visitors_what_the_hub_is(app, client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert app.config["HUB_NAME"].replace("'", "&#39;") in page
    assert 'href="/login"' in page and 'href="/catalogue"' in page


def test_sign_in_and_out(client, make_member):
    email = make_member(name="Léa Perrin", organization="Scierie Test")
    response = sign_in(client, email)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Bonjour Léa Perrin" in home and "Scierie Test" in home
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Bonjour" not in client.get("/").get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_wrong_password_rerenders_the_form_with_the_error(client, make_member):
    email = make_member()
    response = sign_in(client, email, "wrong password")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Email inconnu ou mot de passe incorrect." in page and f'value="{email}"' in page


def test_a_form_without_csrf_token_is_refused(client, make_member):
    email = make_member()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "jeton de sécurité" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # not signed in


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_next_parameter_only_redirects_inside_the_site(client, make_member, target):
    email = make_member()
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target}, data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_language_switch_changes_the_session_not_the_profile(app, client, make_member, db):
    email = make_member(language="fr")
    sign_in(client, email)
    token = csrf_token(client, "/")
    client.post("/lang/en", data={"csrf_token": token, "next": "/profile"})
    assert "My profile" in client.get("/profile").get_data(as_text=True)
    assert db.scalar(sa.select(Member.language).where(Member.email == email)) == "fr"
    # Another browser of the same member keeps the stored language.
    other = app.test_client()
    sign_in(other, email)
    assert "Mon profil" in other.get("/profile").get_data(as_text=True)


def test_profile_creates_a_token_shown_once(client, make_member):
    sign_in(client, make_member())
    token = csrf_token(client, "/profile")
    page = client.post("/profile", data={"csrf_token": token, "action": "create-token", "token_name": "Export"}).get_data(as_text=True)
    assert 'data-testid="new-token">alv_' in page
    assert "alv_" not in client.get("/profile").get_data(as_text=True)


def test_members_page_is_for_admins_only(client, make_member):
    from models import Role

    assert client.get("/admin/members").status_code == 302  # to sign-in
    sign_in(client, make_member(role=Role.TREASURER))
    assert client.get("/admin/members").status_code == 403


def test_admin_adds_a_member_through_the_form(client, make_member, db):
    from models import Role

    sign_in(client, make_member(role=Role.ADMIN))
    token = csrf_token(client, "/admin/members")
    form = {
        "csrf_token": token, "action": "create-member", "name": "Rémi Jacquier",
        "email": "remi@aravis.test", "password": "tavaillons-2026", "role": "MEMBER",
        "language": "fr", "organization_name": "Couverture Aravis", "credit_limit": "1500.00",
    }
    response = client.post("/admin/members", data=form)
    assert response.status_code == 302
    page = client.get("/admin/members").get_data(as_text=True)
    assert "Rémi Jacquier peut maintenant se connecter." in page and "remi@aravis.test" in page


def test_admin_form_errors_are_shown_and_nothing_is_written(client, make_member, db):
    from models import Role

    sign_in(client, make_member(role=Role.ADMIN))
    before = db.scalar(sa.select(sa.func.count()).select_from(Member))
    token = csrf_token(client, "/admin/members")
    response = client.post("/admin/members", data={
        "csrf_token": token, "action": "create-member", "name": "X", "email": "pas-un-email",
        "password": "court", "role": "MEMBER", "language": "fr",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Saisissez une adresse email valide." in page
    assert "Le mot de passe doit comporter au moins 10 caractères." in page
    assert db.scalar(sa.select(sa.func.count()).select_from(Member)) == before
    response = client.post("/admin/members", data={
        "csrf_token": token, "action": "create-member", "name": "X", "email": "pas-un-email",
        "password": "court", "role": "TREASURER", "language": "en",
    })
    page = response.get_data(as_text=True)
    assert '<option value="TREASURER" selected>' in page and '<option value="en" selected>' in page


def test_unknown_page_is_a_404_page(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "Page introuvable" in response.get_data(as_text=True)


def test_admin_suspends_a_member_from_the_members_page(client, make_member, db):
    from models import MemberStatus, Role

    target = make_member(name="Victor Roux")
    sign_in(client, make_member(role=Role.ADMIN))
    page = client.get("/admin/members").get_data(as_text=True)
    import re

    member_id = re.search(r'name="member_id" value="([^"]+)"', page).group(1)
    token = csrf_token(client, "/admin/members")
    response = client.post("/admin/members", data={
        "csrf_token": token, "action": "update-member", "member_id": member_id,
        "old_role": "MEMBER", "role": "MEMBER", "old_status": "ACTIVE", "status": "SUSPENDED",
    })
    assert response.status_code == 302
    assert db.scalar(sa.select(Member.status).where(Member.email == target)) == MemberStatus.SUSPENDED


def test_home_gathers_what_needs_doing(client, make_member, db):
    from app.invoices import services as invoices
    from models import Account
    from models import Member as M

    debtor_email = make_member(name="Claire Bouvier", organization="Ossature Test", credit_limit=100_000)
    creditor_email = make_member(name="Paul Vuarnet", organization="Menuiserie Test")
    creditor = db.scalar(sa.select(M).where(M.email == creditor_email))
    debtor_account = db.scalar(sa.select(Account).where(Account.name == "Ossature Test"))
    invoices.issue_invoice(db, creditor, debtor_account_id=debtor_account.id, amount=12_000, memo="Fenêtres bois-alu")
    db.commit()
    sign_in(client, debtor_email)
    page = client.get("/").get_data(as_text=True)
    assert "Fenêtres bois-alu" in page and "120,00" in page and "à accepter" in page
    assert "Aucune réservation à venir." in page


def test_absurd_dates_in_urls_are_bad_requests_not_errors(client, make_member, db):
    from app.api.relay import to_global_id
    from models import Resource, ResourceKind

    sign_in(client, make_member(organization="Dates Org"))
    resource = Resource(kind=ResourceKind.TOOL, title="Tarière", price=0)
    db.add(resource)
    db.commit()
    rid = to_global_id("Resource", resource.id)
    for url in (f"/catalogue/{rid}?view=month&week=1900-01-01", f"/catalogue/{rid}?week=9999-12-27",
                "/account/statement?since=0001-01-01"):
        assert client.get(url).status_code == 400, url
    # Dates the wrong way round show the period meant.
    assert client.get("/account/statement?since=2026-11-30&until=2026-11-01").status_code == 200



@pytest.mark.parametrize("language, message", [("fr", "Saisissez un montant, par exemple 12,50."),
                                               ("en", "Enter an amount such as 12.50.")])
def test_a_credit_limit_that_is_not_an_amount_is_explained_next_to_its_field(client, make_member, language, message):
    """The API names the field creditLimit, the form's input is credit_limit: the message goes
    under the input, once, with what the admin typed."""
    from models import Role

    sign_in(client, make_member(role=Role.ADMIN, language=language))
    response = client.post("/admin/members", data={
        "csrf_token": csrf_token(client, "/admin/members"), "action": "create-member", "name": "Rémi Jacquier",
        "email": "remi@aravis.test", "password": "tavaillons-2026", "organization_name": "Couverture Aravis",
        "credit_limit": "abc",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<small class="error" id="e-credit_limit">{message}</small>' in page
    assert page.count(message) == 1
    assert 'name="credit_limit" type="text" value="abc"' in page and 'value="Couverture Aravis"' in page


def test_every_input_of_the_add_member_form_shows_its_own_error(client, make_member):
    """Values only a tampered form sends, on the inputs the API names otherwise or that are
    selects: each message under its input, nothing lost."""
    from models import Role

    sign_in(client, make_member(role=Role.ADMIN))
    response = client.post("/admin/members", data={
        "csrf_token": csrf_token(client, "/admin/members"), "action": "create-member", "name": "Rémi Jacquier",
        "email": "remi@aravis.test", "password": "tavaillons-2026", "language": "de", "organization_name": "x" * 200,
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<small class="error" id="e-language">' in page and '<small class="error" id="e-organization_name">' in page
    assert 'class="flash flash-error"' not in page  # each message once, under its input
