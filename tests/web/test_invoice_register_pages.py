"""The treasurer's invoice register and an invoice's page, through the Flask test client; the
closed statements' CSV; the formats a member reads (French and English)."""
import datetime as dt
import re

import sqlalchemy as sa

from app.database import get_session
from models import Invoice, InvoiceEvent, InvoiceStatus, Posting
from tests.conftest import csrf_token
from tests.web.test_treasury_pages import invoice_ids, issue, people, post  # noqa: F401


def invoice_link(page: str) -> str:
    return re.search(r'href="(/invoices/[^"]+)"', page).group(1)


def test_register_filters_and_an_invoices_page(people, app):  # noqa: F811
    issue(people, "A", "Menuiserie Vuarnet", "1234,50")
    issue(people, "B", "Couverture Aravis", "20")
    assert people["A"].get("/treasury/invoices").status_code == 403
    page = people["T"].get("/treasury/invoices").get_data(as_text=True)
    assert "Registre des factures" in page and "2 factures" in page and "1\u202f234,50\u00a0ALV" in page
    assert "0 facture" in people["T"].get("/treasury/invoices?status=REJECTED").get_data(as_text=True)
    assert "0 facture" in people["T"].get("/treasury/invoices?age=30").get_data(as_text=True)
    assert people["T"].get("/treasury/invoices?age=7").status_code == 400
    assert people["T"].get("/treasury/invoices?status=BOGUS").status_code == 400

    url = invoice_link(people["T"].get("/treasury/invoices?status=all").get_data(as_text=True))
    assert people["A"].get(url).status_code == 404  # not a party: the invoice reads as unknown
    refused = post(people["T"], url, action="cancel", reason="")
    assert refused.status_code == 400 and "Indiquez pourquoi la facture est annulée." in refused.get_data(as_text=True)
    corrected = post(people["T"], url, action="correct", amount="15", due_date="", memo="Location scie", reason="Tarif adhérent")
    assert corrected.status_code == 302
    page = people["T"].get(url).get_data(as_text=True)
    assert "corrigée" in page and "Tarif adhérent" in page and "Montant\u00a0: 20,00\u00a0ALV → 15,00\u00a0ALV" in page
    assert post(people["T"], url, action="cancel", reason="Doublon").status_code == 302
    with app.app_context():
        session = get_session()
        assert session.scalar(sa.select(sa.func.count()).select_from(InvoiceEvent)) == 2
        assert session.scalar(sa.select(Invoice.status).where(Invoice.amount == 1_500)) == InvoiceStatus.CANCELLED
    assert post(people["T"], url, action="bogus").status_code == 400


def test_english_formats_by_babel(people, app):  # noqa: F811
    issue(people, "A", "Menuiserie Vuarnet", "1234,50")
    client = people["T"]
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/treasury")})
    page = client.get("/treasury/invoices").get_data(as_text=True)
    number = re.search(r"No\. (\d+)</a>", page).group(1)
    assert "1,234.50\u00a0ALV" in page
    due = dt.date.today() + dt.timedelta(days=30)
    assert f"{due.day} {due:%b} {due.year}" in page  # "30 Nov 2026", the British way
    assert f"Invoice No. {number}" in client.get(invoice_link(page)).get_data(as_text=True)
    # An English member types amounts the English way.
    debtor = people["B"]
    debtor.post("/lang/en", data={"csrf_token": csrf_token(debtor, "/invoices")})
    paid = post(debtor, "/invoices", action="pay", invoice_id=invoice_ids(debtor)[0], amount="1,000.00")
    assert paid.status_code == 302, re.findall(r'class="error[^"]*"[^>]*>([^<]+)<|<p>([^<]+)</p>', paid.get_data(as_text=True))
    with app.app_context():
        assert get_session().scalar(sa.select(Invoice.outstanding)) == 23_450


def test_closed_statement_with_counterparty_totals_and_csv(people, app):  # noqa: F811
    issue(people, "A", "Menuiserie Vuarnet", "30")
    post(people["B"], "/invoices", action="pay", invoice_id=invoice_ids(people["B"])[0], amount="30")
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    with app.app_context():
        session = get_session()
        session.execute(sa.update(Posting).values(created_at=dt.datetime.combine(last_month, dt.time(12), dt.timezone.utc)))
        session.commit()
    closed = post(people["T"], "/treasury/statements", month=f"{last_month:%Y-%m}")
    month_url = closed.headers["Location"]
    page = people["T"].get(month_url).get_data(as_text=True)
    assert "Total" in page and "30,00\u00a0ALV" in page
    statement_url = re.search(r'href="(/treasury/statement/[^"]+)"', page.split("Menuiserie Vuarnet")[0][-400:]).group(1)
    statement = people["T"].get(statement_url).get_data(as_text=True)
    assert "Ossature Bois Arve" in statement  # the counterparty of the payment
    csv = people["T"].get(statement_url + ".csv")
    assert csv.mimetype == "text/csv" and csv.data.startswith(b"\xef\xbb\xbf")
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Date;Type;Libellé;Contrepartie;Débit;Crédit;Solde;Référence"
    assert lines[1].startswith(";Solde d’ouverture;")
    assert ";Ossature Bois Arve;30,00;;-30,00;" in lines[2]
    assert lines[-1].split(";")[1:7] == ["Totaux", "", "", "30,00", "0,00", "-30,00"]
    summary = people["T"].get(month_url + ".csv").data.decode("utf-8-sig").splitlines()
    assert summary[-1].startswith("Total;") and ";30,00;30,00;" in summary[-1]
    own = people["A"].get(month_url + ".csv").data.decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in own] == ["Compte", "Ossature Bois Arve", "Total"]  # a member: their own only
