"""Stripe's webhooks: each event checked, stored by its id and processed exactly once, in the
same transaction as what it changes. A replay finds the event stored and does nothing; an
event arriving out of order cannot move a payment back (see records.RANK)."""
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.payments import records
from models import Payment, StripeEvent, utcnow

log = logging.getLogger("alveole.payments")

INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "payment_intent.amount_capturable_updated",
}


def _object_id(value) -> Optional[str]:
    if isinstance(value, dict):
        return value.get("id")
    return value


def receive(session: so.Session, event: dict) -> str:
    """Store and process one verified event; what happened, in words."""
    obj = (event.get("data") or {}).get("object") or {}
    row = StripeEvent(
        id=event["id"], type=event.get("type", ""), object_id=_object_id(obj), payload=event, received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except sa.exc.IntegrityError:
        log.info("stripe event %s received again: already processed", event["id"])
        return "already processed"
    payment, outcome = _process(session, event["type"], obj)
    row.payment_id = payment.id if payment else None
    row.outcome = outcome[:200]
    row.processed_at = utcnow()
    session.flush()
    log.info("stripe event %s (%s) processed: %s", event["id"], event["type"], outcome)
    return outcome


def _process(session: so.Session, kind: str, obj: dict) -> tuple[Optional[Payment], str]:
    if kind in INTENT_EVENTS:
        payment = records.by_intent(session, obj)
        if payment is None:
            return None, "unknown payment intent"
        return payment, records.apply_intent(session, payment, obj)
    if kind == "charge.refunded":
        intent_id = _object_id(obj.get("payment_intent"))
        found = session.scalar(sa.select(Payment.id).where(Payment.stripe_id == intent_id)) if intent_id else None
        if found is None:
            return None, "unknown charge"
        payment = records.lock(session, found)
        return payment, records.refunded(session, payment, int(obj.get("amount_refunded") or 0))
    return None, "ignored"
