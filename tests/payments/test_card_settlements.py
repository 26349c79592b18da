"""Settling a negative balance by card, against localstripe through the real stripe library:
a payment that succeeds, one declined, a webhook that arrives twice, one that arrives before
the page returns, a forged signature; the ledger, the payments list and `flask ledger check`
tie out after each."""
import json
import threading

import sqlalchemy as sa

from app.database import get_session
from models import OutboxEmail, PaymentStatus, StripeEvent
from tests.conftest import GraphQLClient
from tests.payments.payment_helpers import (
    CONFIRM,
    PAYMENTS,
    START,
    account_of,
    event,
    go_below_zero,
    intent,
    ledger_ties_out,
    pay_in_browser,
    payment_row,
    pk,
    post_event,
    settlement_balance,
    settlement_entries,
    signed,
)


def start(client, amount="500.00", **extra):
    return client.data(START, input={"amount": amount, **extra})["startSettlement"]


def stored_events(app) -> int:
    with app.app_context():
        return get_session().scalar(sa.select(sa.func.count()).select_from(StripeEvent))


def test_a_settlement_by_card_raises_the_balance_once(app, runner, cards, member_api, admin_api, treasurer_api):
    go_below_zero(member_api, admin_api, "800.00")
    started = start(member_api, "500.00", paymentMethodId="pm_card_visa")
    assert started["errors"] == []
    payment = started["payment"]
    assert payment["status"] == "SUCCEEDED" and payment["stripeId"].startswith("pi_")
    assert account_of(member_api)["balance"]["amount"] == "-300.00"
    assert settlement_balance(app) == -50_000
    assert intent(cards, payment["stripeId"])["status"] == "succeeded"
    listed = treasurer_api.data(PAYMENTS)["payments"]["nodes"]
    assert [(p["id"], p["transfer"]["id"]) for p in listed] == [(payment["id"], payment["transfer"]["id"])]
    ledger_ties_out(runner)
    # Stripe's webhook then arrives, and again: nothing more happens.
    evt = event("payment_intent.succeeded", intent(cards, payment["stripeId"]))
    for _ in range(2):
        assert post_event(member_api.client, evt).status_code == 200
    assert account_of(member_api)["balance"]["amount"] == "-300.00"
    assert len(settlement_entries(app)) == 1
    assert stored_events(app) == 1
    ledger_ties_out(runner)
    # A receipt waits in the outbox, in the member's language.
    with app.app_context():
        mail = get_session().scalars(sa.select(OutboxEmail)).one()
    assert mail.subject == f"Reçu Alvéole n°\u00a0{payment['number']}\u00a0: Solde réglé en euros"
    assert "Montant\u00a0: 500,00 €" in mail.body


def test_a_declined_card_is_recorded_and_moves_nothing(app, runner, cards, member_api, admin_api, treasurer_api):
    go_below_zero(member_api, admin_api, "100.00")
    started = start(member_api, "100.00", paymentMethodId="pm_card_chargeCustomerFail")
    assert [e["code"] for e in started["errors"]] == ["PAYMENT_FAILED"]
    assert started["errors"][0]["message"] == "La carte a été refusée. Rien n’a été débité\u202f; essayez une autre carte."
    assert started["payment"]["status"] == "FAILED"
    assert account_of(member_api)["balance"]["amount"] == "-100.00"
    assert settlement_entries(app) == []
    assert treasurer_api.data(PAYMENTS, status=["FAILED"])["payments"]["totalCount"] == 1
    # Stripe's payment_failed webhook agrees; a succeeded event for another intent is unknown.
    failed = intent(cards, started["payment"]["stripeId"])
    assert post_event(member_api.client, event("payment_intent.payment_failed", failed)).status_code == 200
    assert payment_row(app, pk(started["payment"]["id"])).status == PaymentStatus.FAILED
    ledger_ties_out(runner)


def test_the_webhook_before_the_page_returns(app, runner, cards, member_api, admin_api):
    go_below_zero(member_api, admin_api, "500.00")
    started = start(member_api)
    payment = started["payment"]
    assert payment["status"] == "PENDING" and started["clientSecret"].startswith(payment["stripeId"])
    assert account_of(member_api)["balance"]["amount"] == "-500.00"
    paid = pay_in_browser(cards, payment["stripeId"])  # stripe.js confirms the card with Stripe
    assert paid["status"] == "succeeded"
    assert post_event(member_api.client, event("payment_intent.succeeded", paid)).status_code == 200
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    # The page comes back afterwards and finds it done.
    back = member_api.data(CONFIRM, input={"paymentId": payment["id"]})["confirmPayment"]
    assert back["errors"] == [] and back["payment"]["status"] == "SUCCEEDED"
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    assert len(settlement_entries(app)) == 1
    ledger_ties_out(runner)


def test_the_page_returns_before_the_webhook(app, runner, cards, member_api, admin_api):
    go_below_zero(member_api, admin_api, "500.00")
    payment = start(member_api, "200.00")["payment"]
    paid = pay_in_browser(cards, payment["stripeId"])
    back = member_api.data(CONFIRM, input={"paymentId": payment["id"]})["confirmPayment"]
    assert back["payment"]["status"] == "SUCCEEDED"
    assert account_of(member_api)["balance"]["amount"] == "-300.00"
    assert post_event(member_api.client, event("payment_intent.succeeded", paid)).status_code == 200
    # An older event arriving late (the card was first declined) cannot move it back.
    late = {**paid, "status": "requires_payment_method", "last_payment_error": {"message": "declined"}}
    assert post_event(member_api.client, event("payment_intent.payment_failed", late)).status_code == 200
    assert payment_row(app, pk(payment["id"])).status == PaymentStatus.SUCCEEDED
    assert account_of(member_api)["balance"]["amount"] == "-300.00"
    assert len(settlement_entries(app)) == 1
    ledger_ties_out(runner)


def test_a_forged_or_missing_signature_is_refused_and_nothing_done(app, cards, member_api, admin_api):
    go_below_zero(member_api, admin_api, "500.00")
    payment = start(member_api)["payment"]
    paid = pay_in_browser(cards, payment["stripeId"])
    evt = event("payment_intent.succeeded", paid)
    payload = json.dumps(evt).encode()
    forged = post_event(member_api.client, evt, signature=signed(payload, secret="whsec_someone_else"))
    missing = post_event(member_api.client, evt, signature=None)
    tampered = member_api.client.post(
        "/stripe/webhook", data=payload.replace(b"500", b"900"), headers={"Stripe-Signature": signed(payload)},
    )
    assert (forged.status_code, missing.status_code, tampered.status_code) == (400, 400, 400)
    assert stored_events(app) == 0
    assert payment_row(app, pk(payment["id"])).status == PaymentStatus.PENDING
    assert account_of(member_api)["balance"]["amount"] == "-500.00"


def test_at_most_what_the_balance_is_below_zero(cards, member_api, admin_api):
    go_below_zero(member_api, admin_api, "100.00")
    too_much = start(member_api, "100.01")
    assert too_much["errors"][0]["code"] == "INVALID" and too_much["errors"][0]["field"] == ["amount"]
    assert "(100,00\u00a0ALV)" in too_much["errors"][0]["message"]
    go_below_zero(admin_api, member_api, "100.00")
    nothing = start(member_api, "1.00")
    assert nothing["errors"][0]["code"] == "INVALID_STATE"


def test_a_retry_with_the_same_key_is_the_same_payment(app, cards, member_api, admin_api):
    go_below_zero(member_api, admin_api, "100.00")
    first = start(member_api, "40.00", idempotencyKey="settle-1")
    again = start(member_api, "40.00", idempotencyKey="settle-1")
    assert first["payment"]["id"] == again["payment"]["id"]
    assert first["clientSecret"] == again["clientSecret"]


def test_concurrent_webhooks_and_page_returns_record_one_entry(app, runner, cards, make_member, member_api, admin_api):
    """Many threads at once: Stripe's retries of the same event, a replay under a new id, and
    the page coming back, all for one payment: one ledger entry."""
    go_below_zero(member_api, admin_api, "500.00")
    payment = start(member_api)["payment"]
    paid = pay_in_browser(cards, payment["stripeId"])
    same = event("payment_intent.succeeded", paid)
    other = event("payment_intent.succeeded", paid)
    clients = [GraphQLClient(app.test_client()) for _ in range(8)]
    results, errors = [], []

    def deliver(i):
        try:
            if i % 4 == 3:
                back = member_api.client.application.test_client()
                results.append(GraphQLClient(back).login(member_email).data(CONFIRM, input={"paymentId": payment["id"]}))
            else:
                results.append(post_event(clients[i].client, same if i % 2 else other).status_code)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    member_email = member_api.data("{ viewer { email } }")["viewer"]["email"]
    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r == 200 for r in results if isinstance(r, int))
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    assert len(settlement_entries(app)) == 1
    assert stored_events(app) == 2
    ledger_ties_out(runner)


def test_another_card_after_a_decline_is_a_new_attempt(app, runner, cards, member_api, admin_api, treasurer_api):
    go_below_zero(member_api, admin_api, "100.00")
    declined = start(member_api, "100.00", paymentMethodId="pm_card_chargeCustomerFail")["payment"]
    retried = member_api.data(CONFIRM, input={"paymentId": declined["id"], "paymentMethodId": "pm_card_visa"})["confirmPayment"]
    assert retried["errors"] == []
    again = retried["payment"]
    assert again["id"] != declined["id"] and again["status"] == "SUCCEEDED" and again["stripeId"] != declined["stripeId"]
    assert account_of(member_api)["balance"]["amount"] == "0.00"
    statuses = sorted(p["status"] for p in treasurer_api.data(PAYMENTS)["payments"]["nodes"])
    assert statuses == ["FAILED", "SUCCEEDED"]
    # Someone else cannot enter a card for this member's payment.
    other = admin_api.data(CONFIRM, input={"paymentId": declined["id"], "paymentMethodId": "pm_card_visa"})["confirmPayment"]
    assert other["errors"][0]["code"] == "FORBIDDEN"
    ledger_ties_out(runner)
