"""Euro deposits on equipment: secured on the borrower's card before check-out, released on a
clean return, claimed by the owner on damage and captured by the treasurer.

The 7-day lapse of card authorisations. A manual-capture authorisation (a card *hold*) lapses
about 7 days after it is made; we count 6 to keep a day's margin. The hold must last until
the tool is back, i.e. until the booking's end plus a day for the return. So:
- a loan of up to 5 days is secured by a HOLD, which the borrower can authorise from 5 days
  before the booking's end (the page says from when); authorised then, it outlives the return;
- a longer loan cannot be covered by one hold: its deposit is CHARGEd (captured at once) and
  refunded on return, in full on a clean return, minus what the treasurer keeps on a claim.
Nothing has to be re-authorised, and no hold is ever relied on past its lifetime.
"""
import datetime as dt
import logging
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit, permissions
from app.catalog import signals
from app.catalog.bookings import get_booking
from app.errors import DomainError, ErrorCode
from app.hub import MEMO_LENGTH, hub_zone
from app.payments import gateway, records
from app.payments.settlements import confirm_with, start_card_payment
from models import (
    Booking,
    BookingStatus,
    DepositMode,
    Member,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    Resource,
    ResourceKind,
    utcnow,
)

log = logging.getLogger("alveole.payments")

AUTHORIZATION_LIFETIME = dt.timedelta(days=7)  # what the card networks give a hold
HOLD_LIFETIME = dt.timedelta(days=6)  # what we rely on
RETURN_MARGIN = dt.timedelta(days=1)  # the hold must outlive the return by this much

NO_DEPOSIT_HELD = "No deposit is held for this booking."


def mode_for(booking: Booking) -> DepositMode:
    return DepositMode.HOLD if booking.end + RETURN_MARGIN - booking.start <= HOLD_LIFETIME else DepositMode.CHARGE


def hold_opens_at(booking: Booking) -> dt.datetime:
    """The earliest moment a hold still lasts until the booking's end plus the return margin."""
    return booking.end + RETURN_MARGIN - HOLD_LIFETIME


def needs_deposit(resource: Resource) -> bool:
    return resource.kind == ResourceKind.TOOL and bool(resource.deposit)


def held_deposit(session: so.Session, booking_id: int, lock: bool = False) -> Optional[Payment]:
    """The booking's deposit that is pending, held on the card, or charged and not yet settled."""
    found = session.scalar(
        sa.select(Payment.id)
        .where(
            Payment.booking_id == booking_id, Payment.kind == PaymentKind.DEPOSIT, Payment.settled_at.is_(None),
            Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.SUCCEEDED]),
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if found is None:
        return None
    return records.lock(session, found) if lock else session.get(Payment, found)


def is_secured(payment: Optional[Payment]) -> bool:
    return payment is not None and payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.SUCCEEDED)


def held_until(payment: Payment) -> Optional[dt.datetime]:
    """When a card hold lapses by itself at the latest."""
    if payment.deposit_mode != DepositMode.HOLD or payment.authorized_at is None:
        return None
    return payment.authorized_at + AUTHORIZATION_LIFETIME


def _booking_and_resource(session: so.Session, actor: Member, booking_id: int) -> tuple[Booking, Resource]:
    booking = get_booking(session, booking_id)
    resource = session.get(Resource, booking.resource_id)
    if not permissions.can_see_booking(session, actor, booking, resource):
        raise DomainError(ErrorCode.NOT_FOUND, "This booking does not exist.", "bookingId")
    return booking, resource


def authorize_deposit(session: so.Session, actor: Member, booking_id: int, *, payment_method: Optional[str] = None,
                      now: Optional[dt.datetime] = None) -> Payment:
    """The borrower secures the tool's deposit on their card (see the module's policy)."""
    now = now or utcnow()
    booking, resource = _booking_and_resource(session, actor, booking_id)
    if not permissions.can_pay_deposit(session, actor, booking):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the borrower can secure the deposit.")
    if not needs_deposit(resource):
        raise DomainError(ErrorCode.INVALID_STATE, "This booking needs no deposit.", "bookingId")
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        raise DomainError(
            ErrorCode.INVALID_STATE, "This cannot be done in the booking's current state (%(status)s).",
            "bookingId", status=booking.status.value,
        )
    existing = held_deposit(session, booking.id, lock=True)
    if existing is not None:
        if existing.status == PaymentStatus.PENDING and payment_method:
            confirm_with(session, existing, payment_method)
        return existing
    if not gateway.cards_enabled():
        raise DomainError(ErrorCode.INVALID_STATE, gateway.CARDS_OFF)
    mode = mode_for(booking)
    if mode == DepositMode.HOLD and now < hold_opens_at(booking):
        raise DomainError(
            ErrorCode.INVALID_STATE, "A card hold lapses after 7 days: authorise the deposit from %(date)s.",
            "bookingId", date=hold_opens_at(booking).astimezone(hub_zone()).strftime("%d/%m/%Y %H:%M"),
        )
    payment = records.new_payment(
        session, kind=PaymentKind.DEPOSIT, method=PaymentMethod.CARD, amount=resource.deposit,
        key=records.payment_key(None, PaymentKind.DEPOSIT, None), member=actor, account_id=booking.account_id,
        booking_id=booking.id, deposit_mode=mode,
    )
    payment.credits = 0  # a deposit moves no credit unless the owner is compensated
    log.info("deposit %s for booking %s: %s, %s cents", payment.id, booking.id, mode.value, payment.amount)
    return start_card_payment(session, payment, manual_capture=mode == DepositMode.HOLD, payment_method=payment_method)


def release(session: so.Session, payment: Payment) -> Payment:
    """Give the deposit back: cancel the hold (or the unconfirmed intent), or refund the charge."""
    if payment.status == PaymentStatus.SUCCEEDED:  # a charged deposit
        remaining = payment.amount - payment.refunded_amount
        if remaining > 0:
            gateway.refund(payment.stripe_id, remaining, key=payment.idempotency_key)
            records.refunded(session, payment, payment.amount)
    else:
        records.apply_intent(session, payment, gateway.cancel_intent(payment.stripe_id))
    payment.settled_at = payment.settled_at or utcnow()
    session.flush()
    log.info("deposit %s released", payment.id)
    return payment


def release_deposit(session: so.Session, actor: Member, booking_id: int) -> Payment:
    """The owner (or the treasurer) gives the deposit back: a clean return, or a claim waived."""
    booking, resource = _booking_and_resource(session, actor, booking_id)
    if not (permissions.can_manage_resource(session, actor, resource) or permissions.is_treasurer(actor)):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the owner or the treasurer can release a deposit.")
    payment = held_deposit(session, booking.id, lock=True)
    if payment is None:
        raise DomainError(ErrorCode.INVALID_STATE, NO_DEPOSIT_HELD, "bookingId")
    return release(session, payment)


def claim_deposit(session: so.Session, actor: Member, booking_id: int, amount: int, reason: str) -> Payment:
    """The owner asks to keep part or all of the deposit for damage, with a written reason."""
    booking, resource = _booking_and_resource(session, actor, booking_id)
    if not permissions.can_manage_resource(session, actor, resource):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the owner can claim a deposit.")
    if booking.status not in (BookingStatus.RETURNED, BookingStatus.COMPLETED):
        raise DomainError(ErrorCode.INVALID_STATE, "A deposit can be claimed once the tool is back.", "bookingId")
    payment = held_deposit(session, booking.id, lock=True)
    if not is_secured(payment):
        raise DomainError(ErrorCode.INVALID_STATE, NO_DEPOSIT_HELD, "bookingId")
    _check_share(amount, payment)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, "Say what was damaged.", "reason")
    if len(reason) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The memo is limited to %(n)s characters.", "reason", n=MEMO_LENGTH)
    audit.record(session, actor, "payments.deposit_claimed", booking, {"claim_amount": payment.claim_amount},
                 {"claim_amount": amount}, subject=booking.booker_id, reason=reason)
    payment.claim_amount = amount
    payment.claim_reason = reason
    payment.claimed_by_id = actor.id
    payment.claimed_at = utcnow()
    session.flush()
    log.info("deposit %s claimed by member %s: %s cents", payment.id, actor.id, amount)
    return payment


def capture_deposit(session: so.Session, actor: Member, booking_id: int, amount: Optional[int] = None) -> Payment:
    """The treasurer approves the owner's claim (or less): that much is taken from the card
    and credited to the owner; the rest is released."""
    if not permissions.is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can capture a deposit.")
    booking, _resource = _booking_and_resource(session, actor, booking_id)
    payment = held_deposit(session, booking.id, lock=True)
    if not is_secured(payment):
        raise DomainError(ErrorCode.INVALID_STATE, NO_DEPOSIT_HELD, "bookingId")
    if payment.claim_amount is None:
        raise DomainError(ErrorCode.INVALID_STATE, "The owner has not claimed this deposit.", "bookingId")
    amount = payment.claim_amount if amount is None else amount
    _check_share(amount, payment)
    audit.record(session, actor, "payments.deposit_captured", booking, {"captured_amount": payment.captured_amount},
                 {"captured_amount": amount, "claim_amount": payment.claim_amount}, subject=booking.booker_id)
    payment.captured_amount = amount
    if payment.deposit_mode == DepositMode.HOLD:
        records.apply_intent(session, payment, gateway.capture_intent(payment.stripe_id, amount, key=payment.idempotency_key))
    else:
        if payment.amount > amount:
            gateway.refund(payment.stripe_id, payment.amount - amount, key=payment.idempotency_key)
            records.refunded(session, payment, payment.amount - amount)
        records.credit_owner(session, payment, actor)
        payment.settled_at = utcnow()
    session.flush()
    log.info("deposit %s captured by member %s: %s cents kept", payment.id, actor.id, amount)
    return payment


def _check_share(amount: int, payment: Payment) -> None:
    if not isinstance(amount, int) or amount <= 0 or amount > payment.amount:
        raise DomainError(
            ErrorCode.INVALID, "A claim is more than zero and at most the deposit (%(amount)s).", "amount",
            amount=Decimal(payment.amount) / 100,
        )


# --- What the catalogue's bookings trigger --------------------------------------------------------


@signals.checking_out.connect
def _require_deposit(sender, *, session, booking, resource, now):
    """No check-out of a tool with a deposit until the card secures it (cards on only)."""
    if not gateway.cards_enabled() or not needs_deposit(resource):
        return
    if not is_secured(held_deposit(session, booking.id)):
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "The deposit of %(amount)s € is not secured yet: the borrower must authorise it on their card before check-out.",
            "bookingId", amount=Decimal(resource.deposit) / 100,
        )


@signals.booking_finished.connect
def _release_on_clean_end(sender, *, session, booking, clean):
    """A clean return, a cancellation or a rejection gives the deposit back. If Stripe does not
    answer, the deposit stays listed as held for the owner to release again (and a hold
    lapses by itself anyway)."""
    if not clean:
        return
    payment = held_deposit(session, booking.id, lock=True)
    if payment is None or payment.stripe_id is None:
        return
    try:
        with session.begin_nested():
            release(session, payment)
    except DomainError:
        log.warning("deposit %s could not be released now; it stays held", payment.id)
