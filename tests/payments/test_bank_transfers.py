"""Hubs without cards: the treasurer records bank transfers, in and out, and the credit moves
against the euro settlement account at once; the pages say plainly that cards are off."""
import logging

from models import PaymentKind, PaymentMethod, PaymentStatus, Reconciliation
from tests.payments.payment_helpers import (
    MY_PAYMENTS,
    PAYMENTS,
    RECORD,
    START,
    account_of,
    go_below_zero,
    ledger_ties_out,
    payment_row,
    pk,
    settlement_balance,
    settlement_entries,
)


def record(treasurer, account_id, amount, direction="IN", reference="VIR-2026-001"):
    return treasurer.data(RECORD, input={
        "accountId": account_id, "amount": amount, "direction": direction, "reference": reference,
    })["recordBankTransfer"]


def test_a_transfer_in_raises_the_balance_against_the_settlement_account(app, runner, member_api, treasurer_api, admin_api, caplog):
    go_below_zero(member_api, admin_api, "500.00")
    account = account_of(member_api)
    assert account["balance"]["amount"] == "-500.00"
    before = settlement_balance(app) or 0
    with caplog.at_level(logging.INFO, logger="alveole.payments"):
        done = record(treasurer_api, account["id"], "500,00")
    assert done["errors"] == []
    payment = done["payment"]
    assert (payment["kind"], payment["status"], payment["method"]) == ("SETTLEMENT", "SUCCEEDED", "BANK_TRANSFER")
    assert payment["amount"] == {"amount": "500.00", "currency": "EUR"}
    assert payment["credits"]["amount"] == "500.00"
    assert payment["transfer"]["kind"] == "SETTLEMENT"
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    assert settlement_balance(app) == before - 50_000
    assert len(settlement_entries(app)) == 1
    row = payment_row(app, pk(payment["id"]))
    assert row.reconciliation == Reconciliation.MANUAL and row.reference == "VIR-2026-001"
    assert any("bank transfer IN recorded" in r.getMessage() for r in caplog.records)
    ledger_ties_out(runner)
    # The member sees it among their payments, with its receipt.
    mine = member_api.data(MY_PAYMENTS)["viewer"]["payments"]
    assert [p["number"] for p in mine["nodes"]] == [payment["number"]]


def test_a_pay_out_takes_at_most_the_positive_balance(app, runner, member_api, treasurer_api, admin_api):
    go_below_zero(admin_api, member_api, "300.00")  # the member is owed 300 credits
    account = account_of(member_api)
    refused = record(treasurer_api, account["id"], "300.01", direction="OUT")
    assert refused["errors"][0]["code"] == "INVALID" and refused["errors"][0]["field"] == ["amount"]
    assert "solde positif" in refused["errors"][0]["message"] and "(300,00\u00a0ALV)" in refused["errors"][0]["message"]
    paid = record(treasurer_api, account["id"], "300.00", direction="OUT")
    assert paid["errors"] == []
    assert paid["payment"]["kind"] == "PAYOUT" and paid["payment"]["status"] == "SUCCEEDED"
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    assert settlement_balance(app) == 30_000
    ledger_ties_out(runner)


def test_only_the_treasurer_records_and_with_a_reference(member_api, treasurer_api):
    account = account_of(member_api)
    forbidden = record(member_api, account["id"], "10.00")
    assert forbidden["errors"][0]["code"] == "FORBIDDEN" and forbidden["payment"] is None
    missing = record(treasurer_api, account["id"], "10.00", reference="  ")
    assert missing["errors"] == [{"code": "INVALID", "field": ["reference"], "message": "Indiquez la référence du virement."}]
    assert treasurer_api.data(PAYMENTS)["payments"]["totalCount"] == 0


def test_the_payments_list_is_the_treasurers(member_api, treasurer_api):
    body = member_api.gql(PAYMENTS)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    record(treasurer_api, account_of(member_api)["id"], "12.50")
    listed = treasurer_api.data(PAYMENTS, kind=["SETTLEMENT"], status=["SUCCEEDED"])["payments"]
    assert listed["totalCount"] == 1
    assert treasurer_api.data(PAYMENTS, kind=["DEPOSIT"])["payments"]["totalCount"] == 0


def test_without_a_key_cards_are_off_and_say_so(member_api, admin_api):
    go_below_zero(member_api, admin_api, "50.00")
    started = member_api.data(START, input={"amount": "50.00"})["startSettlement"]
    assert started["payment"] is None
    assert started["errors"][0]["code"] == "INVALID_STATE"
    assert "la trésorerie enregistre des virements" in started["errors"][0]["message"]
    page = member_api.client.get("/account/settle").get_data(as_text=True)
    assert 'data-testid="cards-off"' in page and "Le paiement par carte n’est pas activé" in page


def test_recorded_payments_name_their_kind_and_method(app, member_api, treasurer_api):
    done = record(treasurer_api, account_of(member_api)["id"], "1.00")["payment"]
    row = payment_row(app, pk(done["id"]))
    assert (row.kind, row.method, row.status) == (PaymentKind.SETTLEMENT, PaymentMethod.BANK_TRANSFER, PaymentStatus.SUCCEEDED)
