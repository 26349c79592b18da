"""Members at work, in a real browser on the demo hub, on a desktop and on a 390 px phone: the
manager of the insertion workshop gives Karim the right to book and pay up to 200 a month;
Karim books a saw for next Tuesday morning from a search (seeing its price before
confirming), pays a member, and is refused with a clear message past his cap."""
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import TEST_CONFIG
from tests.e2e.layout_checks import fits_the_screen
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.e2e

ORGANISATION = "Atelier d'insertion Bois & Vie"
KARIM = "karim.benali@boisetvie.test"
SOPHIE = "sophie.gay@boisetvie.test"
SAW = "Scie à ruban de chantier"  # 15.00 a day, at Charpentes Mont-Blanc


@pytest.fixture
def demo_server(tmp_path, demo_database):
    """A fresh demo hub for each run of the journey (Karim's month starts empty)."""
    app = create_app({**TEST_CONFIG, "TESTING": False, "DATABASE_URL": demo_database(tmp_path / "alveole.db")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["db_engine"].dispose()


def tuesdays():
    """Next Tuesday, then the ones after it, in the hub's time zone."""
    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    day = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
    while True:
        yield day
        day += dt.timedelta(days=7)


def no_sideways_scroll(page, width):
    if width <= 400:
        assert fits_the_screen(page), page.url


def karims_card(page):
    return page.locator("[data-testid='member-Karim Benali']")


def set_karims_rights(page, base, book, pay, monthly_cap):
    page.goto(f"{base}/organization")
    card = karims_card(page)
    for name, on in (("can_book", book), ("can_pay", pay), ("can_handle_invoices", False), ("can_list_resources", False)):
        card.locator(f"input[name={name}]").set_checked(on)
    card.locator("[data-testid='monthly_cap-Karim Benali']").fill(monthly_cap)
    card.locator("button", has_text="Enregistrer les droits de Karim Benali").click()
    assert "Les droits de Karim Benali sont enregistrés." in page.inner_text(".flash-success")


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_the_manager_lets_karim_book_and_pay_within_a_cap(demo_server, page_for, tmp_path, width):
    base = demo_server
    sophie, karim = page_for("fr", width), page_for("fr", width)
    sign_in(sophie, base, SOPHIE)
    sign_in(karim, base, KARIM)

    # Without the right, Karim is told why and whom to ask, where he would pay.
    set_karims_rights(sophie, base, book=False, pay=False, monthly_cap="")
    karim.goto(f"{base}/pay")
    notice = karim.inner_text("[data-testid=spending-notice]")
    assert f"Vous n’avez pas le droit de payer des membres pour {ORGANISATION}. Demandez-le à Sophie Gay, son gérant." in notice
    no_sideways_scroll(karim, width)

    # Sophie, on her organisation's page, lets him book and pay up to 200 a month.
    set_karims_rights(sophie, base, book=True, pay=True, monthly_cap="200")
    assert "Dépensé ce mois-ci : 0,00" in karims_card(sophie).inner_text().replace("\u202f", " ").replace("\xa0", " ")
    no_sideways_scroll(sophie, width)
    sophie.screenshot(path=str(tmp_path / f"organisation-{width}.png"), full_page=True)

    # Karim searches a saw free next Tuesday morning.
    for tuesday in tuesdays():
        start, end = f"{tuesday.isoformat()}T08:00", f"{tuesday.isoformat()}T12:00"
        karim.goto(f"{base}/catalogue")
        karim.fill("#f-q", SAW)
        karim.fill("#f-from", start)
        karim.fill("#f-to", end)
        karim.locator("form.filters button[type=submit]").click()
        if karim.locator(f"h2 a:text-is('{SAW}')").count():
            break
    karim.locator(f"h2 a:text-is('{SAW}')").click()
    expect(karim.locator("h1")).to_have_text(SAW)  # waits for the resource's page
    # The price, before confirming; and the notice says what he may still spend.
    assert "15,00 ALV" in karim.inner_text(".details").replace("\u202f", " ").replace("\xa0", " ")
    assert "Ce mois-ci : 0,00 ALV sur vos 200,00 ALV." in karim.inner_text("[data-testid=spending-caps]").replace("\u202f", " ").replace("\xa0", " ")
    no_sideways_scroll(karim, width)
    karim.fill("#f-start", start)
    karim.fill("#f-end", end)
    karim.locator("#book button.primary").click()
    assert "C’est réservé." in karim.inner_text(".flash-success")
    assert SAW in karim.inner_text("main")

    # He pays a member for the workshop...
    def pay(amount):
        karim.goto(f"{base}/pay")
        karim.fill("#f-q", "Scierie coopérative")
        karim.locator("form[role=search] button").click()
        karim.locator(".pick-list a", has_text="Scierie coopérative du Giffre").first.click()
        karim.fill("#f-amount", amount)
        karim.fill("#f-memo", "Sciage de plots")
        karim.locator("button.primary", has_text="Continuer").click()
        confirm = karim.locator("button.primary", has_text="Payer maintenant")
        confirm.wait_for()  # the confirmation page has loaded: measure it, not the form
        no_sideways_scroll(karim, width)
        confirm.click()

    pay("50")
    assert "Vous avez payé 50,00 ALV à Scierie coopérative du Giffre." in karim.inner_text(".flash-success").replace("\u202f", " ").replace("\xa0", " ")
    # ... and past his cap (15 + 50 spent, 150 more asked) he is refused, told why and whom to ask.
    pay("150")
    expect(karim.locator("main")).to_contain_text("Demandez à Sophie Gay de le relever.")  # the whole answer is in
    refusal = karim.inner_text("main").replace("\u202f", " ").replace("\xa0", " ")
    assert "Vos dépenses de ce mois-ci passeraient à 215,00 ALV, au-delà de votre plafond de 200,00 ALV par mois (reste 135,00 ALV)." in refusal
    assert "Demandez à Sophie Gay de le relever." in refusal
    karim.screenshot(path=str(tmp_path / f"refused-{width}.png"), full_page=True)

    # Sophie sees who spent what for the workshop.
    sophie.goto(f"{base}/organization")
    activity = sophie.inner_text("#activity")
    assert "Karim Benali" in activity and "Scierie coopérative du Giffre" in activity
    assert "Dépensé ce mois-ci : 65,00" in karims_card(sophie).inner_text().replace("\u202f", " ").replace("\xa0", " ")
    no_sideways_scroll(sophie, width)
