"""The treasury pages end to end through the Flask test client (forms, CSRF, redirects)."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.database import get_session
from app.demo import DEMO_PASSWORD
from models import AccountStatement, Invoice, InvoiceStatus, PeriodClose, Posting, Role
from tests.conftest import csrf_token


def signed_in(app, email):
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


@pytest.fixture
def people(app, make_member):
    emails = {
        "A": make_member(name="Claire", organization="Ossature Bois Arve", credit_limit=100_000),
        "B": make_member(name="Paul", organization="Menuiserie Vuarnet", credit_limit=100_000),
        "C": make_member(name="Rémi", organization="Couverture Aravis", credit_limit=100_000),
        "T": make_member(name="Trésorerie", role=Role.TREASURER),
    }
    return {key: signed_in(app, email) for key, email in emails.items()}


def account_option(page: str, name: str) -> str:
    match = re.search(r'<option value="([^"]+)"[^>]*>' + re.escape(name) + "</option>", page)
    assert match, f"{name} not offered"
    return match.group(1)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def issue(people, creditor, debtor_name, amount):
    page = people[creditor].get("/invoices").get_data(as_text=True)
    response = post(people[creditor], "/invoices", action="issue", debtor_account_id=account_option(page, debtor_name),
                    amount=amount, memo="Location scie", due_date="")
    assert response.status_code == 302, response.get_data(as_text=True)


def invoice_ids(client) -> list[str]:
    return re.findall(r'name="invoice_id" value="([^"]+)"', client.get("/invoices").get_data(as_text=True))


def test_invoice_pages_issue_accept_pay(people, app):
    issue(people, "A", "Menuiserie Vuarnet", "120,50")
    page = people["B"].get("/invoices").get_data(as_text=True)
    assert "Ossature Bois Arve" in page and "120,50" in page and "Accepter" in page
    invoice_id = invoice_ids(people["B"])[0]
    assert post(people["B"], "/invoices", action="accept", invoice_id=invoice_id).status_code == 302
    bad = post(people["B"], "/invoices", action="pay", invoice_id=invoice_id, amount="500")
    assert bad.status_code == 400 and "au plus" in bad.get_data(as_text=True)
    assert post(people["B"], "/invoices", action="pay", invoice_id=invoice_id, amount="").status_code == 302
    with app.app_context():
        assert get_session().scalar(sa.select(Invoice.status)) == InvoiceStatus.PAID


def test_issue_form_errors_are_shown_and_nothing_is_saved(people, app):
    page = people["A"].get("/invoices").get_data(as_text=True)
    debtor = account_option(page, "Menuiserie Vuarnet")
    response = post(people["A"], "/invoices", action="issue", debtor_account_id=debtor, amount="abc", due_date="")
    assert response.status_code == 400 and "Saisissez un montant" in response.get_data(as_text=True)
    response = post(people["A"], "/invoices", action="issue", debtor_account_id=debtor, amount="10", due_date="31/12/2026")
    assert response.status_code == 400
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0


def test_treasurer_proposes_and_posts_a_clearing_from_the_pages(people, app):
    issue(people, "A", "Menuiserie Vuarnet", "100")
    issue(people, "B", "Couverture Aravis", "70")
    issue(people, "C", "Ossature Bois Arve", "50")
    for key in "ABC":
        for invoice_id in invoice_ids(people[key]):
            post(people[key], "/invoices", action="accept", invoice_id=invoice_id)
    assert people["A"].get("/treasury/clearing").status_code == 403
    response = post(people["T"], "/treasury/clearing", method="SET_OFF")
    assert response.status_code == 302
    run_url = response.headers["Location"]
    page = people["T"].get(run_url).get_data(as_text=True)
    assert "150,00" in page and "68,18" in page and "Ossature Bois Arve" in page
    assert post(people["T"], run_url, action="post").status_code == 302
    assert "Comptabilisée" in people["T"].get(run_url).get_data(as_text=True)
    with app.app_context():
        outstanding = sorted(get_session().scalars(sa.select(Invoice.outstanding)))
    assert outstanding == [0, 2_000, 5_000]


def test_dashboard_report_and_period_close(people, app):
    issue(people, "A", "Menuiserie Vuarnet", "30")
    invoice_id = invoice_ids(people["B"])[0]
    post(people["B"], "/invoices", action="pay", invoice_id=invoice_id, amount="30")
    assert people["A"].get("/treasury").status_code == 403
    page = people["T"].get("/treasury").get_data(as_text=True)
    assert "Somme des soldes" in page and "<svg" in page and "0,00 ALV" in page

    csv = people["T"].get("/treasury/impact.csv").get_data(as_text=True)
    assert "credit_volume" in csv and ";30,00" in csv
    assert "Rapport d’impact" in people["T"].get("/treasury/impact").get_data(as_text=True)

    # Move the payment into last month so that the month can be closed.
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    with app.app_context():
        session = get_session()
        when = dt.datetime.combine(last_month, dt.time(12), dt.timezone.utc)
        session.execute(sa.update(Posting).values(created_at=when))
        session.commit()
    month = f"{last_month.year:04d}-{last_month.month:02d}"
    response = post(people["T"], "/treasury/statements", month=month)
    assert response.status_code == 302
    page = people["T"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Ossature Bois Arve" in page and "30,00" in page
    again = post(people["T"], "/treasury/statements", month=month)
    assert again.status_code == 400 and "déjà clôturé" in again.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        assert session.scalar(sa.select(sa.func.count()).select_from(PeriodClose)) == 1
        closing = {s.account_name: s.closing_balance for s in session.scalars(sa.select(AccountStatement))}
    assert closing["Ossature Bois Arve"] == 3_000 and closing["Menuiserie Vuarnet"] == -3_000
