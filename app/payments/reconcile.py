"""`flask payments reconcile`: ask Stripe for its recent PaymentIntents and compare them with
the hub's payments. Each payment checked is marked MATCHED or MISMATCH; the mismatches are
reported (and with `fix`, brought up to date from what Stripe says, as a late webhook would)."""
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.payments import gateway, records
from models import Payment, PaymentMethod, PaymentStatus, Reconciliation, utcnow

log = logging.getLogger("alveole.payments")


@dataclass
class Mismatch:
    stripe_id: Optional[str]
    payment_id: Optional[int]
    problem: str


def expected_statuses(intent: dict) -> set[PaymentStatus]:
    status = intent.get("status")
    if status == "succeeded":
        return {PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED}
    if status == "requires_capture":
        return {PaymentStatus.AUTHORIZED}
    if status == "canceled":
        return {PaymentStatus.CANCELED}
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return {PaymentStatus.FAILED}
    return {PaymentStatus.PENDING, PaymentStatus.FAILED}


def _problems(payment: Payment, intent: dict) -> list[str]:
    problems = []
    if int(intent.get("amount") or 0) != payment.amount:
        problems.append(f"amount {payment.amount} in the hub, {intent.get('amount')} at Stripe")
    if payment.status not in expected_statuses(intent):
        problems.append(f"status {payment.status.value} in the hub, {intent.get('status')} at Stripe")
    return problems


def reconcile(session: so.Session, limit: int = 100, fix: bool = False) -> tuple[int, list[Mismatch]]:
    """How many intents were compared, and the mismatches found."""
    intents = gateway.recent_intents(limit)
    mismatches: list[Mismatch] = []
    seen: set[int] = set()
    now = utcnow()
    for intent in intents:
        payment = records.by_intent(session, intent)
        if payment is None:
            mismatches.append(Mismatch(intent["id"], None, "unknown to the hub"))
            continue
        seen.add(payment.id)
        problems = _problems(payment, intent)
        if problems and fix:
            records.apply_intent(session, payment, intent)
            problems = _problems(payment, intent)
        payment.reconciliation = Reconciliation.MISMATCH if problems else Reconciliation.MATCHED
        payment.reconciled_at = now
        mismatches.extend(Mismatch(intent["id"], payment.id, p) for p in problems)
    if intents:
        oldest = dt.datetime.fromtimestamp(min(int(i.get("created") or 0) for i in intents), dt.timezone.utc)
        missing = session.scalars(
            sa.select(Payment).where(
                Payment.method == PaymentMethod.CARD, Payment.stripe_id.is_not(None), Payment.created_at >= oldest,
                Payment.id.not_in(seen) if seen else sa.true(),
            )
        ).all()
        for payment in missing:
            payment.reconciliation = Reconciliation.MISMATCH
            payment.reconciled_at = now
            mismatches.append(Mismatch(payment.stripe_id, payment.id, "not found at Stripe"))
    session.flush()
    log.info("reconciliation: %s intents compared, %s mismatches", len(intents), len(mismatches))
    return len(intents), mismatches
