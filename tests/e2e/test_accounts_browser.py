"""Accounts that run themselves, in a real browser: a manager invites a worker who sets a password
from the emailed link (read from the mail outbox) and signs in; a forgotten password is reset; a
visitor finds the hub's public home. On a 390 px phone and on a desktop, in French and English."""
import re

import pytest
import sqlalchemy as sa

from app.database import get_session
from models import OutboxEmail
from tests.e2e.layout_checks import fits_the_screen
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://\S+/(?:invitation|password/reset)/\S+")


def emailed_link(app, to_address: str) -> str:
    with app.app_context():
        body = get_session().scalars(
            sa.select(OutboxEmail.body).where(OutboxEmail.to_address == to_address).order_by(OutboxEmail.id.desc())
        ).first()
    assert body, f"no email to {to_address}"
    return LINK.search(body).group(0)


def test_a_visitor_finds_what_the_hub_is_then_signs_in(live_server, page_for):
    page = page_for("fr", width=390)
    page.goto(live_server + "/")
    assert "PTCE Vallée de l'Arve" in page.locator("h1").inner_text()
    assert fits_the_screen(page)
    page.click("main >> text=Parcourir le catalogue")
    assert page.url.startswith(live_server + "/catalogue")
    page.click("main >> text=Connectez-vous pour réserver")
    assert page.locator("h1").inner_text() == "Se connecter"


def test_a_manager_invites_a_worker_who_sets_a_password_from_the_link_on_a_phone(live_app, live_server, page_for):
    manager = page_for("fr", width=390)
    sign_in(manager, live_server, "sophie.gay@boisetvie.test")
    manager.click("main >> text=Inviter un membre")
    assert fits_the_screen(manager)
    manager.fill("#f-name", "Yanis Morel")
    manager.fill("#f-email", "yanis.morel@boisetvie.test")
    manager.click("text=Envoyer l’invitation")
    assert "Yanis Morel est invité(e)" in manager.inner_text(".flash-success")

    link = emailed_link(live_app, "yanis.morel@boisetvie.test")
    assert link.startswith(live_server + "/invitation/")
    invitee = page_for("fr", width=390)
    invitee.goto(link)
    assert invitee.locator("h1").inner_text() == "Bienvenue dans le pôle"
    assert fits_the_screen(invitee)
    invitee.fill("#f-password", "rabot-et-varlope")
    invitee.fill("#f-password_confirm", "rabot-et-varlope")
    invitee.click("text=Enregistrer mon mot de passe")
    assert invitee.locator("h1").inner_text() == "Bonjour Yanis Morel"
    # The link worked once.
    again = page_for("fr", width=390)
    again.goto(link)
    assert "Ce lien n’est plus valable" in again.inner_text("main")
    # And the new password signs in.
    later = page_for("fr")
    sign_in(later, live_server, "yanis.morel@boisetvie.test", "rabot-et-varlope")
    assert later.locator("h1").inner_text() == "Bonjour Yanis Morel"


def test_a_forgotten_password_is_reset_in_english_on_a_desktop(live_app, live_server, page_for):
    page = page_for("fr", width=1280)
    page.goto(f"{live_server}/login")
    page.click(".langswitch button")  # to English, for this session
    page.click("text=Forgotten password?")
    page.fill("#f-email", "nicolas.pernet@structure-alpes.test")
    page.click("text=Send me a link")
    assert "a link to choose a new password is on its way" in page.inner_text(".flash-success")

    link = emailed_link(live_app, "nicolas.pernet@structure-alpes.test")
    page.goto(link)
    assert page.locator("h1").inner_text() == "Choose a new password"
    page.fill("#f-password", "poutre-et-solive")
    page.fill("#f-password_confirm", "poutre-et-solive")
    page.click("text=Save my password")
    # Signed in, and the language picked before signing in still holds (Nicolas's is French).
    assert page.locator("h1").inner_text() == "Hello Nicolas Pernet"
    assert "Your password is saved" in page.inner_text(".flash-success")

    old = page_for("fr", width=390)
    sign_in(old, live_server, "nicolas.pernet@structure-alpes.test")
    assert "Email inconnu ou mot de passe incorrect." in old.inner_text(".flash-error")
    assert fits_the_screen(old)
    sign_in(old, live_server, "nicolas.pernet@structure-alpes.test", "poutre-et-solive")
    assert old.locator("h1").inner_text() == "Bonjour Nicolas Pernet"


def test_the_profile_changes_the_password_on_a_phone(live_server, page_for):
    page = page_for("en", width=390)
    sign_in(page, live_server, "elise.cochet@terresettoits.test")
    page.goto(f"{live_server}/profile")
    assert fits_the_screen(page)
    page.fill("#f-currentPassword", "alveole-demo")
    page.fill("#f-newPassword", "pisé-et-chanvre")
    page.fill("#f-new_password_confirm", "pisé-et-chanvre")
    page.click("text=Changer mon mot de passe")
    assert "Vos autres sessions ont pris fin" in page.inner_text(".flash-success")
