"""The ledger's pages: my account, pay (search, confirm, double submit), statement with CSV
and printable versions, the treasurer's accounts list with its limit form."""
import re

import sqlalchemy as sa

from app.database import get_session
from models import Role, Transfer
from tests.conftest import csrf_token, sign_in


def account_id(client):
    page = client.get("/pay?q=Charpentes").get_data(as_text=True)
    match = re.search(r'href="/pay\?to=([^"]+)"', page)
    assert match, page
    return match.group(1)


def setup(app, client, make_member):
    alice = make_member(name="Alice", organization="Scierie du Giffre", credit_limit=500_000)
    make_member(name="Bob", organization="Charpentes Arve", credit_limit=50_000)
    assert sign_in(client, alice)
    return account_id(client)


def transfers(app):
    with app.app_context():
        return get_session().scalar(sa.select(sa.func.count()).select_from(Transfer))


def test_pay_search_confirm_and_double_submit_pays_once(app, client, make_member):
    to = setup(app, client, make_member)
    form = client.get(f"/pay?to={to}").get_data(as_text=True)
    assert "Charpentes Arve" in form
    token = csrf_token(client, f"/pay?to={to}")
    review = client.post("/pay", data={"csrf_token": token, "to": to, "step": "review", "amount": "12,5".replace(",", "."), "memo": "Sciage"})
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and "Charpentes Arve" in page and "12,50" in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    confirm = {"csrf_token": token, "to": to, "step": "confirm", "amount": "12.5", "memo": "Sciage", "idempotency_key": key}
    first = client.post("/pay", data=confirm)
    second = client.post("/pay", data=confirm)  # a double click on "Pay now"
    assert first.status_code == second.status_code == 302
    assert transfers(app) == 1
    account = client.get("/account").get_data(as_text=True)
    assert "-12,50" in account or "−12,50" in account
    assert "Sciage" in account


def test_pay_errors_rerender_the_form(app, client, make_member):
    to = setup(app, client, make_member)
    token = csrf_token(client, f"/pay?to={to}")
    bad = client.post("/pay", data={"csrf_token": token, "to": to, "step": "review", "amount": "1.234"})
    assert bad.status_code == 400 and "deux décimales" in bad.get_data(as_text=True)
    too_much = client.post("/pay", data={"csrf_token": token, "to": to, "step": "confirm", "amount": "9000.00", "idempotency_key": "x1"})
    assert too_much.status_code == 400
    assert "Crédit disponible insuffisant\u00a0: 5\u202f000,00\u00a0ALV disponibles." in too_much.get_data(as_text=True)
    assert transfers(app) == 0


def test_statement_csv_and_print(app, client, make_member):
    to = setup(app, client, make_member)
    token = csrf_token(client, f"/pay?to={to}")
    for amount, memo in (("1234.50", "Grumes; mélèze"), ("10.00", "Plots")):
        client.post("/pay", data={"csrf_token": token, "to": to, "step": "confirm", "amount": amount, "memo": memo, "idempotency_key": memo})
    page = client.get("/account/statement").get_data(as_text=True)
    assert "Grumes; mélèze" in page and "Lignes\u00a0: 2" in page
    csv = client.get("/account/statement.csv")
    assert csv.mimetype == "text/csv"
    body = csv.data
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:4] == ["Date", "Type", "Libellé", "Contrepartie"]
    assert ';"Grumes; mélèze";Charpentes Arve;1234,50;;-1234,50;' in lines[1]
    assert lines[2].split(";")[6] == "-1244,50"
    printable = client.get("/account/statement/print?since=2000-01-01&until=2999-12-31")
    text = printable.get_data(as_text=True)
    assert printable.status_code == 200 and "Relevé de compte" in text and "1 234,50" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert client.get("/account/statement/print").status_code == 302  # defaults to last month
    assert client.get("/account/statement?since=not-a-date").status_code == 400


def test_csv_in_english_keeps_the_hubs_one_format(app, client, make_member):
    """Headers follow the language; the format (`;`, decimal comma, BOM) is the hub's one."""
    to = setup(app, client, make_member)
    token = csrf_token(client, f"/pay?to={to}")
    client.post("/lang/en", data={"csrf_token": token})
    client.post("/pay", data={"csrf_token": token, "to": to, "step": "confirm", "amount": "3.25", "idempotency_key": "k"})
    lines = client.get("/account/statement.csv").data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Date;Type;Memo;Counterparty;Debit;Credit;Balance")
    assert ";3,25;;-3,25;" in lines[1]


def test_treasurer_pages(app, client, make_member):
    alice = make_member(name="Alice", organization="Scierie du Giffre", credit_limit=50_000)
    treasurer = make_member(name="Trésorière", role=Role.TREASURER)
    assert sign_in(client, alice)
    assert client.get("/treasury/accounts").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert sign_in(client, treasurer)
    page = client.get("/treasury/accounts?order=use").get_data(as_text=True)
    assert "Scierie du Giffre" in page and "Somme des soldes" in page
    gid = re.search(r'name="account_id" value="([^"]+)"', page).group(1)
    token = csrf_token(client, "/treasury/accounts")
    bad = client.post("/treasury/accounts", data={"csrf_token": token, "account_id": gid, "credit_limit": "-3", "reason": ""})
    assert bad.status_code == 400
    ok = client.post("/treasury/accounts", data={"csrf_token": token, "account_id": gid, "credit_limit": "750.00", "reason": "Nouveau chantier"})
    assert ok.status_code == 302
    assert "750,00" in client.get("/treasury/accounts?order=balance").get_data(as_text=True)
    for order in ("name", "-balance"):
        assert client.get(f"/treasury/accounts?order={order}&near=1").status_code == 200
    assert client.get(f"/accounts/{gid}/statement").status_code == 200
