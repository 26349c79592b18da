"""The payments' pages: the treasurer's list, its CSV and the bank-transfer form; settling by
card through the card page (stripe.js from js.stripe.com) and its receipt; deposits and fees."""
import re

from tests.conftest import GraphQLClient, csrf_token
from tests.payments.payment_helpers import RECORD, START, account_of, go_below_zero, pay_in_browser, pk


def test_the_list_is_the_treasurers_and_records_a_bank_transfer(client, member_api, treasurer_api):
    assert member_api.client.get("/treasury/payments").status_code == 403
    page = treasurer_api.client.get("/treasury/payments")
    assert page.status_code == 200 and "Paiements en euros" in page.get_data(as_text=True)
    # Without cards there is nothing to reconcile with Stripe, and nothing said of it.
    assert "Conforme à Stripe" not in page.get_data(as_text=True)
    account = account_of(member_api)["id"]
    token = csrf_token(treasurer_api.client, "/treasury/payments")
    refused = treasurer_api.client.post("/treasury/payments", data={
        "csrf_token": token, "account_id": account, "amount": "20", "direction": "IN", "reference": "",
    })
    assert refused.status_code == 400 and "Indiquez la référence du virement." in refused.get_data(as_text=True)
    done = treasurer_api.client.post("/treasury/payments", data={
        "csrf_token": token, "account_id": account, "amount": "20,50", "direction": "IN", "reference": "VIR-77",
    })
    assert done.status_code == 302
    assert account_of(member_api)["balance"]["amount"] == "20.50"
    listed = treasurer_api.client.get("/treasury/payments?kind=SETTLEMENT").get_data(as_text=True)
    assert "VIR-77" in listed and "Saisi à la main" in listed
    assert treasurer_api.client.get("/treasury/payments?kind=BOGUS").status_code == 400


def test_the_csv_for_the_accountant(member_api, treasurer_api):
    treasurer_api.data(RECORD, input={"accountId": account_of(member_api)["id"], "amount": "1234.50", "direction": "IN",
                                      "reference": "VIR-CSV"})
    response = treasurer_api.client.get("/treasury/payments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffN°;Date;Type;")
    line = text.splitlines()[1].split(";")
    assert line[2:8] == ["Règlement", "Encaissé", "Virement", "Member org", "1234,50", "0,00"]
    assert line[10] == "VIR-CSV" and line[11] and line[12] == "Saisi à la main"
    assert member_api.client.get("/treasury/payments.csv").status_code == 403


def test_settling_through_the_card_page(app, cards, make_member, member_api, admin_api):
    go_below_zero(member_api, admin_api, "500.00")
    client = member_api.client
    form = client.get("/account/settle").get_data(as_text=True)
    assert 'value="500,00"' in form and "1 euro = 1,00\u00a0ALV." in form
    started = client.post("/account/settle", data={"csrf_token": csrf_token(client, "/account/settle"), "amount": "500,00",
                                                   "idempotency_key": "page-1"})
    assert started.status_code == 302
    card_url = started.headers["Location"]
    payment_id = re.fullmatch(r"/payments/([\w-]+)/card", card_url).group(1)
    card = client.get(card_url).get_data(as_text=True)
    assert '<script src="https://js.stripe.com/v3/"></script>' in card
    assert 'data-key="pk_test_alveole"' in card and 'data-secret="pi_' in card
    secret = re.search(r'data-secret="(pi_\w+?)_secret_', card).group(1)
    pay_in_browser(cards, secret)
    back = client.post(f"/payments/{payment_id}/confirm", data={"csrf_token": csrf_token(client, "/account/settle")})
    assert back.status_code == 302 and back.headers["Location"] == f"/payments/{payment_id}"
    receipt = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Paiement reçu. Merci\u202f!" in receipt and "Encaissé" in receipt and "500,00\u00a0EUR" in receipt
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    # The card page of a paid payment only links to its receipt.
    assert "js.stripe.com" not in client.get(card_url).get_data(as_text=True)
    # Someone else's receipt reads as unknown.
    other = GraphQLClient(app.test_client()).login(make_member(organization="Autre structure"))
    assert other.client.get(f"/payments/{payment_id}").status_code == 404


def test_receipts_and_pages_speak_english_to_an_english_member(app, cards, make_member, admin_api):
    english = GraphQLClient(app.test_client()).login(make_member(organization="Timber Ltd", credit_limit=100_000, language="en"))
    go_below_zero(english, admin_api, "10.00")
    paid = english.data(START, input={"amount": "10.00", "paymentMethodId": "pm_card_visa"})["startSettlement"]["payment"]
    receipt = english.client.get(f"/payments/{paid['id']}").get_data(as_text=True)
    assert f"Receipt No. {paid['number']}" in receipt and "Received" in receipt
    assert pk(paid["id"]) > 0


def test_the_fees_page_for_the_admin(admin_api, member_api):
    page = admin_api.client.get("/membership").get_data(as_text=True)
    assert "Structures" in page and "Une cotisation en retard bloque les nouvelles réservations" in page
    assert "Member org" in page
    assert "Structures" not in member_api.client.get("/membership").get_data(as_text=True)


def test_with_cards_the_treasurer_reads_what_the_reconciliation_marks(cards, treasurer_api):
    page = treasurer_api.client.get("/treasury/payments").get_data(as_text=True)
    assert "« Conforme à Stripe » ou « Diffère de Stripe »" in page.replace("\u00a0", " ")
    assert "flask" not in page  # words, not a command line
