"""A payment's state, and what each change does to the ledger, once.

Every path that learns something about a card payment (the page coming back from the card
form, a webhook, the reconciliation) calls `apply_intent` with the PaymentIntent as Stripe
reports it. It locks the payment's row first, so two of them arriving together run one after
the other, and it only moves a payment forward (PENDING → FAILED → AUTHORIZED → SUCCEEDED or
CANCELED → REFUNDED): whichever arrives first records the payment and its ledger entry, the
others find it done, and an old event arriving late changes nothing.

Ledger entries go against the euro settlement account, each with an idempotency key derived
from the payment, and only once the money has moved (status SUCCEEDED).
"""
import datetime as dt
import hashlib
import logging
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app.catalog.resources import owner_account_id
from app.hub import hub_today
from app.ledger.services.accounts import system_account
from app.ledger.services.posting import journal_entry
from app.payments import receipts
from models import (
    EURO_SETTLEMENT,
    Booking,
    DepositMode,
    Member,
    MembershipFee,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    Reconciliation,
    Resource,
    TransferKind,
    utcnow,
)

log = logging.getLogger("alveole.payments")

# How far along a payment is: it never moves back.
RANK = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.FAILED: 1,
    PaymentStatus.AUTHORIZED: 2,
    PaymentStatus.SUCCEEDED: 3,
    PaymentStatus.CANCELED: 3,
    PaymentStatus.REFUNDED: 4,
}


def credits_for(cents: int) -> int:
    """Euro cents in the hub's credit minor units, at the configured rate (1 by default)."""
    rate = Decimal(str(current_app.config.get("CREDITS_PER_EURO", "1")))
    return int((Decimal(cents) * rate).to_integral_value(ROUND_HALF_UP))


def payment_key(member_id: Optional[int], kind: PaymentKind, client_key: Optional[str]) -> str:
    """The payment's own idempotency key: the client's, scoped to the member and kind, else
    a fresh one. Stripe calls derive theirs from it."""
    if client_key:
        return hashlib.sha256(f"{member_id}:{kind.value}:{client_key}".encode()).hexdigest()
    return uuid.uuid4().hex


def by_key(session: so.Session, key: str) -> Optional[Payment]:
    return session.scalar(sa.select(Payment).where(Payment.idempotency_key == key))


def new_payment(session: so.Session, *, kind: PaymentKind, method: PaymentMethod, amount: int, key: str,
                member: Optional[Member] = None, account_id: Optional[int] = None,
                organization_id: Optional[int] = None, booking_id: Optional[int] = None,
                reference: str = "", recorded_by: Optional[Member] = None,
                deposit_mode: Optional[DepositMode] = None) -> Payment:
    payment = Payment(
        kind=kind, method=method, status=PaymentStatus.PENDING, amount=amount, credits=credits_for(amount),
        currency="EUR", member_id=member.id if member else None, account_id=account_id,
        organization_id=organization_id, booking_id=booking_id, reference=reference.strip(), idempotency_key=key,
        recorded_by_id=recorded_by.id if recorded_by else None, deposit_mode=deposit_mode,
        reconciliation=Reconciliation.MANUAL if method == PaymentMethod.BANK_TRANSFER else Reconciliation.UNCHECKED,
    )
    session.add(payment)
    session.flush()
    return payment


def lock(session: so.Session, payment_id: int) -> Payment:
    """The payment, its row locked for the rest of the transaction (re-read from the database)."""
    return session.get(Payment, payment_id, with_for_update=True, populate_existing=True)


def by_intent(session: so.Session, intent: dict) -> Optional[Payment]:
    """The payment of a PaymentIntent: by its id, else by the payment key in its metadata (an
    intent created just before its request failed)."""
    found = session.scalar(sa.select(Payment.id).where(Payment.stripe_id == intent["id"]))
    if found is None:
        key = (intent.get("metadata") or {}).get("payment_key")
        found = session.scalar(sa.select(Payment.id).where(Payment.idempotency_key == key)) if key else None
    return None if found is None else lock(session, found)


# --- Applying what Stripe says ---------------------------------------------------------------


def apply_intent(session: so.Session, payment: Payment, intent: dict) -> str:
    """Bring a (locked) payment up to date with its PaymentIntent; what was done, in words."""
    if payment.stripe_id is None:
        payment.stripe_id = intent["id"]
    status = intent.get("status")
    if status == "succeeded":
        return succeed(session, payment, received=_received(payment, intent))
    if status == "requires_capture":
        return authorize(session, payment)
    if status == "canceled":
        return cancel(session, payment)
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return fail(session, payment, (intent["last_payment_error"] or {}).get("message") or "")
    return "nothing to do"


def _received(payment: Payment, intent: dict) -> int:
    if payment.captured_amount is not None:  # we captured it ourselves: we know how much
        return payment.captured_amount
    received = intent.get("amount_received")
    return int(received) if received is not None else int(intent.get("amount") or payment.amount)


def authorize(session: so.Session, payment: Payment) -> str:
    if RANK[payment.status] >= RANK[PaymentStatus.AUTHORIZED]:
        return "already further"
    payment.status = PaymentStatus.AUTHORIZED
    payment.authorized_at = utcnow()
    payment.failure_message = ""
    session.flush()
    log.info("payment %s authorized: %s cents held on the card", payment.id, payment.amount)
    return "authorized"


def fail(session: so.Session, payment: Payment, message: str) -> str:
    if RANK[payment.status] >= RANK[PaymentStatus.FAILED]:
        return "already further"
    payment.status = PaymentStatus.FAILED
    payment.failure_message = (message or "")[:500]
    session.flush()
    log.info("payment %s failed", payment.id)
    return "failed"


def cancel(session: so.Session, payment: Payment) -> str:
    if RANK[payment.status] >= RANK[PaymentStatus.CANCELED]:
        return "already further"
    payment.status = PaymentStatus.CANCELED
    payment.settled_at = utcnow()
    session.flush()
    log.info("payment %s canceled", payment.id)
    return "canceled"


def succeed(session: so.Session, payment: Payment, received: Optional[int] = None, actor: Optional[Member] = None) -> str:
    """The money has moved: record it, and write what it does, once."""
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        return "already recorded"
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = utcnow()
    payment.failure_message = ""
    actor = actor or (session.get(Member, payment.member_id) if payment.member_id else None)
    if payment.kind == PaymentKind.SETTLEMENT:
        credit_account(session, payment, actor)
    elif payment.kind == PaymentKind.MEMBERSHIP_FEE:
        extend_membership(session, payment)
    elif payment.kind == PaymentKind.DEPOSIT and payment.deposit_mode == DepositMode.HOLD:
        payment.captured_amount = received if received is not None else payment.amount
        credit_owner(session, payment, actor)
    if not (payment.kind == PaymentKind.DEPOSIT and payment.deposit_mode == DepositMode.CHARGE):
        # A charged deposit is still held until it is refunded or kept.
        payment.settled_at = payment.succeeded_at
    session.flush()
    receipts.queue_receipt(session, payment)
    log.info("payment %s succeeded: %s %s cents, %s", payment.id, payment.kind.value, payment.amount, payment.method.value)
    return "succeeded"


def refunded(session: so.Session, payment: Payment, amount_refunded: int) -> str:
    """Stripe reports `amount_refunded` cents given back on the payment's charge in total."""
    if payment.kind == PaymentKind.DEPOSIT and payment.deposit_mode == DepositMode.HOLD:
        # Capturing part of a hold releases the rest, which some report as a refund.
        amount_refunded -= payment.amount - (payment.captured_amount or payment.amount)
    amount_refunded = min(max(amount_refunded, 0), payment.amount)
    if amount_refunded <= payment.refunded_amount:
        return "nothing new"
    delta = amount_refunded - payment.refunded_amount
    payment.refunded_amount = amount_refunded
    if payment.kind == PaymentKind.SETTLEMENT and payment.transfer_id is not None:
        _take_back(session, payment, credits_for(delta), f"refund:{payment.id}:{amount_refunded}")
    if payment.refunded_amount >= payment.amount:
        payment.status = PaymentStatus.REFUNDED
        payment.settled_at = payment.settled_at or utcnow()
    session.flush()
    log.info("payment %s refunded: %s cents in all", payment.id, amount_refunded)
    return "refunded"


# --- What a payment does -----------------------------------------------------------------------


def credit_account(session: so.Session, payment: Payment, actor: Optional[Member]) -> None:
    """Euros in: the account gains the credits, the euro settlement account gives them."""
    if payment.transfer_id is not None:
        return
    settlement = system_account(session, EURO_SETTLEMENT)
    entry = journal_entry(
        session, actor, kind=TransferKind.SETTLEMENT,
        legs=[(settlement.id, -payment.credits), (payment.account_id, payment.credits)],
        memo=_memo(payment), check_limits=False, idempotency_key=f"pay:{payment.idempotency_key}"[:100],
    )
    payment.transfer_id = entry.id


def credit_owner(session: so.Session, payment: Payment, actor: Optional[Member]) -> None:
    """A deposit taken for damage: the tool's owner receives its value in credits."""
    if payment.transfer_id is not None or not payment.captured_amount:
        return
    booking = session.get(Booking, payment.booking_id)
    resource = session.get(Resource, booking.resource_id)
    settlement = system_account(session, EURO_SETTLEMENT)
    credits = credits_for(payment.captured_amount)
    payment.credits = credits
    entry = journal_entry(
        session, actor, kind=TransferKind.SETTLEMENT,
        legs=[(settlement.id, -credits), (owner_account_id(session, resource), credits)],
        memo=f"Caution retenue : {resource.title} — {payment.claim_reason}"[:500], check_limits=False,
        idempotency_key=f"pay:{payment.idempotency_key}"[:100],
    )
    payment.transfer_id = entry.id


def _take_back(session: so.Session, payment: Payment, credits: int, key: str) -> None:
    if credits <= 0:
        return
    settlement = system_account(session, EURO_SETTLEMENT)
    actor = session.get(Member, payment.member_id) if payment.member_id else None
    entry = journal_entry(
        session, actor, kind=TransferKind.SETTLEMENT,
        legs=[(payment.account_id, -credits), (settlement.id, credits)],
        memo=f"Remboursement du paiement n° {payment.id}", check_limits=False, idempotency_key=key[:100],
    )
    payment.refund_transfer_id = entry.id


def _memo(payment: Payment) -> str:
    how = "par carte" if payment.method == PaymentMethod.CARD else "par virement"
    text = f"Règlement en euros {how} (paiement n° {payment.id})"
    return f"{text} — {payment.reference}"[:500] if payment.reference else text


def extend_membership(session: so.Session, payment: Payment, today: Optional[dt.date] = None) -> None:
    """A year more: from where the fee was paid until (or its first due date), or from today
    when that is more than a year behind."""
    today = today or hub_today()
    fee = session.scalar(
        sa.select(MembershipFee).where(MembershipFee.organization_id == payment.organization_id).with_for_update()
    )
    if fee is None:
        return
    start = fee.paid_until or fee.starts_on
    if start < today - dt.timedelta(days=365):
        start = today
    fee.paid_until = _add_year(start)
    fee.updated_at = utcnow()
    log.info("membership fee of organisation %s paid until %s", fee.organization_id, fee.paid_until)


def _add_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
