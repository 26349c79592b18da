"""A member's walk through the web shell in a real browser against a real server."""
import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, base, email, password=DEMO_PASSWORD):
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("button.primary")


@pytest.mark.parametrize("email, name, lang, greeting, extra_page, extra_title", [
    ("admin@alveole.test", "Administration Alvéole", "fr", "Bonjour", "/admin/members", "Membres et structures"),
    ("tresorerie@alveole.test", "Trésorerie Alvéole", "fr", "Bonjour", "/profile", "Mon profil"),
    ("marc.duret@scierie-giffre.test", "Marc Duret", "fr", "Bonjour", "/profile", "Mon profil"),
])
def test_each_demo_role_signs_in(live_server, page_for, email, name, lang, greeting, extra_page, extra_title):
    page = page_for(lang)
    sign_in(page, live_server, email)
    assert page.locator("h1").inner_text() == f"{greeting} {name}"
    page.goto(live_server + extra_page)
    assert page.locator("h1").first.inner_text() == extra_title


def test_english_visitor_then_language_switch(live_server, page_for):
    page = page_for("en", width=390)
    page.goto(f"{live_server}/login")
    assert page.locator("h1").inner_text() == "Sign in"
    sign_in(page, live_server, "lea.perrin@scierie-giffre.test")
    # Léa's own language is French: the app follows the member's choice once signed in.
    assert page.locator("h1").inner_text() == "Bonjour Léa Perrin"
    page.click(".langswitch button")
    assert page.locator("h1").inner_text() == "Hello Léa Perrin"
    # On a phone the menu folds behind a toggle (once the page's stylesheet is in: a busy
    # machine may parse the new page before its CSS arrives).
    page.wait_for_load_state("load")
    expect(page.locator(".mainnav")).to_be_hidden()
    page.click(".nav-toggle-label")
    expect(page.locator(".mainnav")).to_be_visible()


def test_wrong_password_is_explained_in_french(live_server, page_for):
    page = page_for("fr")
    sign_in(page, live_server, "admin@alveole.test", "mauvais mot de passe")
    assert "Email inconnu ou mot de passe incorrect." in page.inner_text(".flash-error")


def test_admin_adds_a_member_who_then_signs_in(live_server, page_for):
    page = page_for("fr")
    sign_in(page, live_server, "admin@alveole.test")
    page.goto(f"{live_server}/admin/members")
    page.fill("#f-name", "Camille Tissot")
    page.fill("#f-email", "camille.tissot@example.test")
    page.fill("#f-password", "copeaux-et-sciure")
    page.fill("#f-organization_name", "Ébénisterie Tissot")
    page.fill("#f-credit_limit", "800,00".replace(",", "."))
    page.click("text=Ajouter le membre")
    assert "Camille Tissot peut maintenant se connecter." in page.inner_text(".flash-success")
    other = page_for("fr")
    sign_in(other, live_server, "camille.tissot@example.test", "copeaux-et-sciure")
    assert other.locator("h1").inner_text() == "Bonjour Camille Tissot"
    assert "800,00\u00a0ALV" in other.inner_text(".figures")  # a no-break space: the unit stays with its amount


def test_a_token_made_in_the_profile_calls_graphql(live_server, page_for):
    page = page_for("fr")
    sign_in(page, live_server, "marc.duret@scierie-giffre.test")
    page.goto(f"{live_server}/profile")
    page.fill("#f-token_name", "Tableur")
    page.click("text=Créer un jeton")
    token = page.inner_text("[data-testid=new-token]").strip()
    assert re.fullmatch(r"alv_[\w-]+", token)
    request = urllib.request.Request(
        f"{live_server}/graphql",
        data=json.dumps({"query": "{ viewer { email organization { name } } }"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.load(response)
    assert body == {"data": {"viewer": {"email": "marc.duret@scierie-giffre.test", "organization": {"name": "Scierie coopérative du Giffre"}}}}


def test_graphiql_loads_offline(live_server, page_for):
    page = page_for("en")
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)
    sign_in(page, live_server, "tresorerie@alveole.test")
    page.goto(f"{live_server}/graphql")
    page.wait_for_selector(".graphiql-container", timeout=15000)
    assert external == []
