"""A firm at its credit limit settles 500 € by card in a real browser, against a real server
whose Stripe is localstripe. Only stripe.js is faked: Playwright serves a stand-in for
https://js.stripe.com/v3/ that sends the card to localstripe as stripe.js sends it to Stripe
(with the publishable key), so the card number never reaches the hub."""
import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from app.database import get_session
from app.ledger import services as ledger
from models import Member
from tests.conftest import STRIPE_TEST_KEYS, TEST_CONFIG
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.e2e

FIRM_MANAGER = "sophie.gay@boisetvie.test"
FAKE_STRIPE_JS = """
window.Stripe = function (key) {
  return {
    elements: function () {
      return { create: function () { return { mount: function (selector) {
        document.querySelector(selector).innerHTML =
          '<input id="fake-card-number" inputmode="numeric" placeholder="4242 4242 4242 4242">';
      } }; } };
    },
    createPaymentMethod: async function () {
      var body = new URLSearchParams({
        key: key, "card[number]": document.getElementById("fake-card-number").value.replace(/ /g, ""),
        "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"
      });
      var response = await fetch("%(base)s/v1/tokens", { method: "POST", body: body });
      var token = await response.json();
      if (token.error) { return { error: token.error }; }
      return { paymentMethod: { id: token.card.id } };
    },
    handleCardAction: async function () { return { error: { message: "3-D Secure is not part of this test" } }; }
  };
};
"""


@pytest.fixture(scope="module")
def card_server(tmp_path_factory, localstripe, demo_database):
    """The demo hub with cards on (localstripe), and one firm spent down to its credit limit."""
    app = create_app({
        **TEST_CONFIG, "TESTING": False, "DATABASE_URL": demo_database(tmp_path_factory.mktemp("e2e-cards") / "alveole.db"),
        **STRIPE_TEST_KEYS, "STRIPE_API_BASE": localstripe,
    })
    with app.app_context():
        session = get_session()
        sophie = session.scalar(sa.select(Member).where(Member.email == FIRM_MANAGER))
        marc = session.scalar(sa.select(Member).where(Member.email == "marc.duret@scierie-giffre.test"))
        account = ledger.paying_account(session, sophie)
        if account.available > 0:
            ledger.transfer(session, sophie, from_account=account, to_account_id=ledger.paying_account(session, marc).id,
                            amount=account.available, memo="Grumes de mélèze")
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["db_engine"].dispose()


def fake_stripe_js(page, localstripe):
    page.route("https://js.stripe.com/v3/", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=FAKE_STRIPE_JS % {"base": localstripe},
    ))


def amount(text: str) -> float:
    """'−1 847,00 ALV' (a real minus sign, no-break spaces) as a number."""
    return float(text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("ALV", "").replace(",", ".")
                 .replace("\u2212", "-"))


def test_a_firm_at_its_limit_pays_500_euros_through_the_card_form(card_server, localstripe, page_for):
    page = page_for("fr", width=390)
    fake_stripe_js(page, localstripe)
    sign_in(page, card_server, FIRM_MANAGER)
    page.goto(f"{card_server}/account/settle")
    before = amount(page.inner_text("[data-testid=balance]"))
    assert before < -500
    page.fill("#f-amount", "500,00")
    page.click("text=Passer à la carte")
    page.wait_for_selector("#fake-card-number")
    assert "500,00\u00a0EUR" in page.inner_text("[data-testid=amount]")
    # A declined card first: the form comes back, saying so, for another card.
    page.fill("#fake-card-number", "4000 0000 0000 0341")
    page.click("#card-pay")
    page.wait_for_selector(".flash-error")
    assert "La carte a été refusée" in page.inner_text(".flash-error")
    page.fill("#fake-card-number", "4242 4242 4242 4242")
    page.click("#card-pay")
    page.wait_for_url(re.compile(r".*/payments/[\w-]+$"))
    assert "Paiement reçu. Merci\u202f!" in page.inner_text(".flash-success")
    assert "Encaissé" in page.inner_text("[data-testid=status]")
    page.goto(f"{card_server}/account/settle")
    assert amount(page.inner_text("[data-testid=balance]")) == pytest.approx(before + 500)
    # The treasurer sees it in the payments list and its CSV.
    treasurer = page_for("fr")
    sign_in(treasurer, card_server, "tresorerie@alveole.test")
    treasurer.goto(f"{card_server}/treasury/payments?kind=SETTLEMENT&status=SUCCEEDED")
    listed = treasurer.inner_text("table")
    assert "500,00\u00a0EUR" in listed and "Atelier d'insertion Bois & Vie" in listed and "pi_" in listed
    csv = treasurer.request.get(f"{card_server}/treasury/payments.csv").text()
    assert ";500,00;" in csv


def test_without_stripe_js_the_card_page_says_it_cannot_load(card_server, page_for):
    page = page_for("fr")
    page.route("https://js.stripe.com/v3/", lambda route: route.abort())
    sign_in(page, card_server, FIRM_MANAGER)
    page.goto(f"{card_server}/account/settle")
    page.fill("#f-amount", "1,00")
    page.click("text=Passer à la carte")
    page.wait_for_selector("#card-errors:not(:empty)")
    assert "n’a pas pu se charger" in page.inner_text("#card-errors")
    assert page.is_disabled("#card-pay")
