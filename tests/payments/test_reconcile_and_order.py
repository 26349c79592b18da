"""`flask payments reconcile` against localstripe, and the exactly-once rule under any order of
Stripe's events (a property test: whatever the order and the replays, one ledger entry, and
the payment ends where the furthest event puts it)."""
import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.database import get_session
from app.payments import webhooks
from models import Payment, PaymentStatus, Reconciliation, Transfer
from tests.payments.payment_helpers import (
    START,
    account_of,
    go_below_zero,
    ledger_ties_out,
    pay_in_browser,
    payment_row,
    pk,
    settlement_entries,
    stripe_client,
)


def test_reconcile_marks_matches_and_reports_what_differs(app, runner, cards, member_api, admin_api):
    go_below_zero(member_api, admin_api, "300.00")
    paid = member_api.data(START, input={"amount": "100.00", "paymentMethodId": "pm_card_visa"})["startSettlement"]["payment"]
    pending = member_api.data(START, input={"amount": "50.00"})["startSettlement"]["payment"]
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "2 payment intents compared" in result.output and "Everything matches." in result.output
    assert payment_row(app, pk(paid["id"])).reconciliation == Reconciliation.MATCHED
    # The card goes through at Stripe but neither the page nor the webhook reached the hub.
    pay_in_browser(cards, pending["stripeId"])
    # And an intent the hub never made.
    stripe_client(cards).v1.payment_intents.create(params={"amount": 999, "currency": "eur"})
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1
    assert f"payment {pk(pending['id'])}: status PENDING in the hub, succeeded at Stripe" in result.output
    assert "unknown to the hub" in result.output
    assert payment_row(app, pk(pending["id"])).reconciliation == Reconciliation.MISMATCH
    # --fix brings the payment up to date, as the missed webhook would have, once.
    fixed = runner.invoke(args=["payments", "reconcile", "--fix"])
    assert "status PENDING" not in fixed.output
    assert payment_row(app, pk(pending["id"])).status == PaymentStatus.SUCCEEDED
    assert account_of(member_api)["balance"]["amount"] == "-150.00"
    assert len(settlement_entries(app)) == 2
    ledger_ties_out(runner)


def test_reconcile_without_cards_says_so(runner):
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1 and "Card payments are not set up" in result.output


def test_events_in_any_order_are_processed_once(app, member_api, admin_api):
    go_below_zero(member_api, admin_api, "100.00")
    account_id = pk(account_of(member_api)["id"])

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(["failed", "succeeded", "replay"]), min_size=1, max_size=6))
    def run(order):
        with app.app_context():
            session = get_session()
            payment = Payment(
                kind="SETTLEMENT", status=PaymentStatus.PENDING, method="CARD", amount=1_000, credits=1_000,
                account_id=account_id, idempotency_key=uuid.uuid4().hex, stripe_id=f"pi_{uuid.uuid4().hex[:14]}",
            )
            session.add(payment)
            session.flush()
            intents = {
                "failed": {"id": payment.stripe_id, "status": "requires_payment_method", "amount": 1_000,
                           "last_payment_error": {"message": "declined"}},
                "succeeded": {"id": payment.stripe_id, "status": "succeeded", "amount": 1_000},
            }
            sent = []
            for step in order:
                if step == "replay":  # Stripe sends the last event again
                    if sent:
                        webhooks.receive(session, sent[-1])
                    continue
                kind = step
                evt = {"id": f"evt_{uuid.uuid4().hex}", "type": f"payment_intent.{'payment_failed' if kind == 'failed' else kind}",
                       "data": {"object": intents[kind]}}
                sent.append(evt)
                webhooks.receive(session, evt)
            if "succeeded" in order:
                expected = PaymentStatus.SUCCEEDED
            else:
                expected = PaymentStatus.FAILED if "failed" in order else PaymentStatus.PENDING
            assert session.get(Payment, payment.id).status == expected
            entries = session.scalar(
                sa.select(sa.func.count()).select_from(Transfer).where(Transfer.memo.contains(f"(paiement n° {payment.id})"))
            )
            assert entries == (1 if expected == PaymentStatus.SUCCEEDED else 0)
            session.rollback()

    run()
