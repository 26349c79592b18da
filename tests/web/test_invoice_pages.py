"""The member's invoices page and the home page's invoices, through the Flask test client:
each error said once and where it belongs, amounts as money, what the home page counts."""
import html
import re

import sqlalchemy as sa

from app.database import get_session
from models import Invoice
from tests.web.test_treasury_pages import account_option, invoice_ids, issue, people, post  # noqa: F401


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_invoice_without_a_debtor_asks_whom_to_bill_once(people, app):  # noqa: F811
    response = post(people["A"], "/invoices", action="issue", debtor_account_id="", amount="10", due_date="")
    page = text(response)
    assert response.status_code == 400
    assert page.count("Choisissez le membre ou l’organisation à facturer.") == 1
    assert "Ce compte n’existe pas." not in page
    # Under the select, not in the box above the form.
    assert re.search(r'<select id="f-debtor"[^>]*aria-invalid="true".*?</select>\s*<small class="error" id="e-debtor">Choisissez', page, re.S)


def test_a_past_due_date_is_said_once_under_its_field(people, app):  # noqa: F811
    debtor = account_option(people["A"].get("/invoices").get_data(as_text=True), "Menuiserie Vuarnet")
    response = post(people["A"], "/invoices", action="issue", debtor_account_id=debtor, amount="10", due_date="2020-01-01")
    page = text(response)
    assert response.status_code == 400 and 'class="flash flash-error"' not in page
    assert page.count("La date d’échéance ne peut pas être passée.") == 1
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0


def test_a_payment_above_the_outstanding_keeps_the_amount_and_names_the_invoice(people, app):  # noqa: F811
    issue(people, "A", "Menuiserie Vuarnet", "300")
    invoice_id = invoice_ids(people["B"])[0]
    with app.app_context():
        number = get_session().scalar(sa.select(Invoice.id))
    response = post(people["B"], "/invoices", action="pay", invoice_id=invoice_id, amount="9999")
    page = text(response)
    assert response.status_code == 400
    assert f"Vous pouvez payer au plus le restant dû de la facture n°\u00a0{number}, 300,00\u00a0ALV." in page
    assert re.search(r'<input name="amount" inputmode="decimal"[^>]*value="9999"', page)


def test_home_says_the_invoices_it_counts_are_the_ones_sent(people, app):  # noqa: F811
    issue(people, "A", "Menuiserie Vuarnet", "30")
    issue(people, "A", "Couverture Aravis", "40")
    assert "2 factures que vous avez envoyées attendent d’être payées." in text(people["A"].get("/"))
    people["A"].post("/lang/en", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                               people["A"].get("/").get_data(as_text=True)).group(1)})
    assert "2 invoices you sent are waiting to be paid." in text(people["A"].get("/"))
