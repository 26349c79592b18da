"""Bookings: the rules of bookResource and the lifecycle that follows, paid in credit.

No double booking, ever: bookResource locks the resource row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE already runs one writer at a time) before it reads the
calendar, so two requests for the same resource check and insert one after the other. On
PostgreSQL an exclusion constraint also refuses overlapping bookings of capacity-1 resources.

Money: a booking places a hold on the booker's paying account for its price (fixed at booking
time); completing it captures the hold to the owner's account; a cancellation or rejection
releases it (a late cancellation captures the fee and releases the rest). A booking left on
account places no hold, but passes the credit rule of app.invoices.on_account. A member of an
organisation books for it with the right to book, within their caps (app.ledger.services.spending).
"""
import datetime as dt
import logging
from typing import Optional, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.catalog import damage, signals, waitlist
from app.catalog.booking_rules import SlotTaken, cancellation_fee, late_days
from app.catalog.calendar_data import buffer_of
from app.catalog.maintenance import schedule_maintenance_if_due
from app.catalog.quotes import NO_ACCOUNT, booking_price, check_slot
from app.catalog.resources import OWNER_ONLY, get_resource, owner_account_id
from app.errors import N_, DomainError, ErrorCode
from app.hub import MEMO_LENGTH, cancel_grace, hub_zone
from app.invoices.on_account import check_on_account_credit
from app.invoices.services import invoice_booking
from app.ledger import services as ledger
from app.ledger.memos import system_memo
from app.ledger.services import spending
from app.notices import events as notices
from app.permissions import Right, can_manage_resource, is_booker
from models import Account, Booking, BookingStatus, Member, Resource, ResourceKind, TransferKind, utcnow

log = logging.getLogger("alveole.catalog")
NO_BOOKING = N_("This booking does not exist.")
CANNOT_CANCEL = N_("You cannot cancel this booking.")
REQUEST_EXPIRED = N_("This request was not answered before its start: it has expired.")


# --- bookResource --------------------------------------------------------------------------


def book_resource(session: so.Session, actor: Member, resource_id: int, start: dt.datetime,
                  end: dt.datetime, quantity: int = 1, idempotency_key: Optional[str] = None,
                  note: str = "", now: Optional[dt.datetime] = None,
                  zone: Optional[ZoneInfo] = None, on_account: bool = False) -> Booking:
    """Book `quantity` units of a resource over [start, end), paid from the actor's paying
    account with a hold, or left `on_account` (invoiced when due, see _charge); CONFIRMED at
    once, or REQUESTED when the owner approves bookings. The same idempotency key from the same
    member returns the first booking."""
    now = now or utcnow()
    zone = zone or hub_zone()
    # The lock that serialises every booking of this resource (PostgreSQL; SQLite serialises all).
    resource = get_resource(session, resource_id, lock=True)
    if idempotency_key:  # read after the lock: a retry racing the first request then sees it
        earlier = _by_key(session, actor.id, idempotency_key)
        if earlier is not None:
            return _same_request(earlier, resource_id, start, end, quantity)
    check_slot(session, resource, start, end, quantity, now, zone)
    buffer = buffer_of(resource)

    account = ledger.paying_account(session, actor)
    if account is None:
        raise DomainError(ErrorCode.INVALID_STATE, NO_ACCOUNT)
    signals.booking_requested.send(None, session=session, actor=actor, account=account, resource=resource, now=now)
    # Booking one's own organisation's resource moves no credit (see booking_price).
    price = booking_price(session, resource, account, start, end, quantity)
    # The right to book for the organisation and the booker's caps (locks their rights row).
    spending.authorize_spending(session, actor, account, Right.BOOK, price, booking=True, now=now)
    if price > 0 and on_account:
        check_on_account_credit(session, account.id, price)
    hold = None
    if price > 0 and not on_account:
        hold = ledger.place_hold(
            session, actor, account, price, system_memo=system_memo("booking", title=resource.title)
        )
    booking = Booking(
        resource_id=resource.id, booker_id=actor.id, account_id=account.id,
        start=start, end=end, blocked_from=start - buffer, blocked_until=end + buffer,
        quantity=quantity, exclusive=resource.capacity == 1,
        status=BookingStatus.REQUESTED if resource.approval_required else BookingStatus.CONFIRMED,
        price=price, hold_id=hold.id if hold else None, on_account=on_account and price > 0,
        idempotency_key=idempotency_key or None, note=(note or "").strip()[:MEMO_LENGTH], created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except sa.exc.IntegrityError:
        # The exclusion constraint (PostgreSQL) or the idempotency key: the first one won.
        if idempotency_key and (earlier := _by_key(session, actor.id, idempotency_key)) is not None:
            return _same_request(earlier, resource_id, start, end, quantity)
        raise SlotTaken([], zone) from None
    log.info("booking %s made: resource %s, member %s, price %s, %s", booking.id, resource.id, actor.id,
             price, booking.status.value)
    notices.booking_made(session, booking)
    return booking


def _by_key(session: so.Session, booker_id: int, key: str) -> Optional[Booking]:
    return session.scalar(
        sa.select(Booking).where(Booking.booker_id == booker_id, Booking.idempotency_key == key)
    )


def _same_request(earlier: Booking, resource_id: int, start, end, quantity) -> Booking:
    if (earlier.resource_id, earlier.start, earlier.end, earlier.quantity) != (resource_id, start, end, quantity):
        raise DomainError(
            ErrorCode.INVALID, "This idempotency key was already used for another booking.", "idempotencyKey"
        )
    return earlier


# --- Lifecycle -----------------------------------------------------------------------------


def get_booking(session: so.Session, booking_id: int, lock: bool = True) -> Booking:
    """The booking, after locking its resource row: every change of a resource's calendar
    takes that lock first, in that order, so they never deadlock."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_BOOKING, "bookingId")
    if lock:
        get_resource(session, booking.resource_id, lock=True)
        session.refresh(booking, with_for_update=True)
    return booking


def _require_owner(session: so.Session, actor: Member, booking: Booking) -> Resource:
    resource = session.get(Resource, booking.resource_id)
    if not can_manage_resource(session, actor, resource):
        raise DomainError(ErrorCode.FORBIDDEN, OWNER_ONLY)
    return resource


def _require_status(booking: Booking, *allowed: BookingStatus) -> None:
    if booking.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_STATE, "This cannot be done in the booking's current state (%(status)s).",
            "bookingId", status=booking.status.value,
        )


def cancel_booking(session: so.Session, actor: Member, booking_id: int, reason: str = "",
                   now: Optional[dt.datetime] = None) -> Booking:
    """The booker cancels (a fee when late, see cancellation_fee); the owner may also cancel,
    free of charge for the booker."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = session.get(Resource, booking.resource_id)
    if not is_booker(actor, booking):
        if can_manage_resource(session, actor, resource):
            return cancel_by_owner(session, actor, booking, reason, now)
        raise DomainError(ErrorCode.FORBIDDEN, CANNOT_CANCEL)
    _require_status(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    fee = cancellation_fee(booking, resource, now, cancel_grace())
    if booking.hold_id is not None:
        if fee > 0:
            transfer = ledger.capture_hold(
                session, actor, booking.hold_id, to_account_id=owner_account_id(session, resource),
                amount=fee, kind=TransferKind.FEE,
                system_memo=system_memo("cancellation_fee", title=resource.title),
            )
            booking.fee_transfer_id = transfer.id
        else:
            ledger.release_hold(session, booking.hold_id)
    elif booking.on_account and fee > 0:
        _invoice(session, actor, booking, resource, fee, system_memo("cancellation_fee", title=resource.title))
    booking.cancellation_fee = fee
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.decision_reason = (reason or "").strip()[:MEMO_LENGTH]
    session.flush()
    log.info("booking %s cancelled by its booker %s, fee %s", booking.id, actor.id, fee)
    signals.booking_finished.send(None, session=session, booking=booking, clean=True)
    notices.booking_cancelled(session, booking, actor)
    waitlist.slot_freed(session, booking, now)
    return booking


def cancel_by_owner(session: so.Session, actor: Member, booking: Booking, reason: str = "",
                    now: Optional[dt.datetime] = None) -> Booking:
    _require_status(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    if booking.hold_id is not None:
        ledger.release_hold(session, booking.hold_id)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now or utcnow()
    booking.decision_reason = (reason or "").strip()[:MEMO_LENGTH]
    session.flush()
    log.info("booking %s cancelled by the owner's side, member %s", booking.id, actor.id)
    signals.booking_finished.send(None, session=session, booking=booking, clean=True)
    notices.booking_cancelled(session, booking, actor)
    waitlist.slot_freed(session, booking, now)
    return booking


def approve_booking(session: so.Session, actor: Member, booking_id: int,
                    now: Optional[dt.datetime] = None) -> Booking:
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.REQUESTED)
    if booking.start <= now:  # unanswered until its start: it expires (see expiry)
        raise DomainError(ErrorCode.INVALID_STATE, REQUEST_EXPIRED, "bookingId")
    booking.status = BookingStatus.CONFIRMED
    booking.decided_at = now
    session.flush()
    log.info("booking %s approved by member %s", booking.id, actor.id)
    notices.booking_decided(session, booking)
    return booking


def reject_booking(session: so.Session, actor: Member, booking_id: int, reason: str) -> Booking:
    booking = get_booking(session, booking_id)
    _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.REQUESTED)
    if not (reason or "").strip():
        raise DomainError(ErrorCode.INVALID, "Give the member a reason.", "reason")
    if booking.hold_id is not None:
        ledger.release_hold(session, booking.hold_id)
    booking.status = BookingStatus.REJECTED
    booking.decided_at = utcnow()
    booking.decision_reason = reason.strip()[:MEMO_LENGTH]
    session.flush()
    log.info("booking %s rejected by member %s", booking.id, actor.id)
    signals.booking_finished.send(None, session=session, booking=booking, clean=True)
    notices.booking_decided(session, booking)
    waitlist.slot_freed(session, booking)
    return booking


def check_out_booking(session: so.Session, actor: Member, booking_id: int, condition_note: str = "",
                      now: Optional[dt.datetime] = None) -> Booking:
    """The owner hands the tool over, noting its condition."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.CONFIRMED)
    if now >= booking.end:
        raise DomainError(ErrorCode.INVALID_STATE, "This booking has already ended.", "bookingId")
    signals.checking_out.send(None, session=session, booking=booking, resource=session.get(Resource, booking.resource_id), now=now)
    booking.status = BookingStatus.CHECKED_OUT
    booking.checked_out_at = now
    booking.checkout_note = (condition_note or "").strip()[:MEMO_LENGTH]
    session.flush()
    log.info("booking %s checked out by member %s", booking.id, actor.id)
    return booking


def return_booking(session: so.Session, actor: Member, booking_id: int, condition_note: str = "",
                   damage_reported: bool = False, now: Optional[dt.datetime] = None,
                   photos: Sequence[bytes] = (), close_for_repair: bool = False) -> Booking:
    """The tool comes back. A late return costs the resource's late fee per day started. With
    no damage the booking completes (the hold is captured to the owner); with damage (its
    photos, and the resource closed for repair if asked, see damage) it stays RETURNED until
    the owner completes it."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.CHECKED_OUT)
    damage_reported = bool(damage_reported or photos or close_for_repair)
    booking.returned_at = now
    booking.return_note = (condition_note or "").strip()[:MEMO_LENGTH]
    booking.damage_reported = damage_reported
    if damage_reported:
        damage.record_damage(session, actor, booking, resource, photos, close_for_repair, now)
    booking.status = BookingStatus.RETURNED
    fee = late_days(booking, now) * resource.late_fee_per_day
    if fee > 0 and booking.account_id is not None:
        booking.late_fee = fee
        to_account_id = owner_account_id(session, resource)
        if booking.on_account:
            _invoice(session, actor, booking, resource, fee, system_memo("late_return", title=resource.title))
        elif to_account_id != booking.account_id:
            booker = session.get(Member, booking.booker_id)
            try:
                with session.begin_nested():
                    transfer = ledger.transfer(
                        session, booker, from_account=session.get(Account, booking.account_id),
                        to_account_id=to_account_id, amount=fee, kind=TransferKind.FEE,
                        system_memo=system_memo("late_return", title=resource.title), check_permission=False,
                    )
                booking.fee_transfer_id = transfer.id
            except DomainError:
                # Over the booker's limit: the return is still recorded; the fee stays due
                # (late_fee set, no fee transfer) for the owner to invoice.
                pass
    if not damage_reported:
        _complete(session, actor, booking, resource, now)
    session.flush()
    log.info("booking %s returned to member %s, late fee %s, damage %s", booking.id, actor.id, booking.late_fee,
             booking.damage_reported)
    signals.booking_finished.send(None, session=session, booking=booking, clean=not booking.damage_reported)
    return booking


def complete_booking(session: so.Session, actor: Member, booking_id: int,
                     now: Optional[dt.datetime] = None) -> Booking:
    """Close a booking: a returned tool, or a workspace or skill booking that has ended."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = _require_owner(session, actor, booking)
    if booking.status == BookingStatus.CONFIRMED:
        if resource.kind == ResourceKind.TOOL:
            raise DomainError(ErrorCode.INVALID_STATE, "A tool must be checked out and returned first.", "bookingId")
        if now < booking.end:
            raise DomainError(ErrorCode.INVALID_STATE, "This booking has not ended yet.", "bookingId")
    else:
        _require_status(booking, BookingStatus.RETURNED, BookingStatus.CONFIRMED)
    _complete(session, actor, booking, resource, now)
    session.flush()
    return booking


def _invoice(session: so.Session, actor: Member, booking: Booking, resource: Resource, amount: int, memo: dict) -> None:
    """Bill a booking left on account: from the owner's account to the booker's."""
    invoice_booking(
        session, creditor_account_id=owner_account_id(session, resource), debtor_account_id=booking.account_id,
        amount=amount, system_memo=memo, booking_id=booking.id, issued_by=actor,
    )


def _charge(session: so.Session, actor: Member, booking: Booking, resource: Resource, memo: dict) -> None:
    """The booking's price falls due: its hold is captured to the owner, or, left on account,
    it is invoiced."""
    if booking.hold_id is not None:
        transfer = ledger.capture_hold(
            session, actor, booking.hold_id, to_account_id=owner_account_id(session, resource),
            kind=TransferKind.BOOKING, system_memo=memo,
        )
        booking.transfer_id = transfer.id
    elif booking.on_account:
        _invoice(session, actor, booking, resource, booking.price, memo)


def _complete(session: so.Session, actor: Member, booking: Booking, resource: Resource, now: dt.datetime) -> None:
    _charge(session, actor, booking, resource, system_memo("booking", title=resource.title))
    booking.status = BookingStatus.COMPLETED
    booking.completed_at = now
    log.info("booking %s completed: %s paid to the owner", booking.id, booking.price)
    if resource.kind == ResourceKind.TOOL and booking.returned_at is not None:
        schedule_maintenance_if_due(session, resource, now)


def mark_no_show(session: so.Session, actor: Member, booking_id: int, now: Optional[dt.datetime] = None) -> Booking:
    """The booker never came: the slot was kept for them, so the price is due."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.CONFIRMED)
    if now < booking.start:
        raise DomainError(ErrorCode.INVALID_STATE, "This booking has not started yet.", "bookingId")
    _charge(session, actor, booking, resource, system_memo("no_show", title=resource.title))
    booking.status = BookingStatus.NO_SHOW
    booking.completed_at = now
    session.flush()
    log.info("booking %s marked as a no-show by member %s", booking.id, actor.id)
    return booking


def complete_due(session: so.Session, now: Optional[dt.datetime] = None) -> int:
    """Complete the workspace and skill bookings that have ended (run by `flask catalog
    complete-due`): tools wait for their return."""
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Booking.id)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Booking.status == BookingStatus.CONFIRMED, Booking.end <= now, Resource.kind != ResourceKind.TOOL)
        .order_by(Booking.id)
    ).all()
    for booking_id in ids:
        booking = get_booking(session, booking_id)
        resource = session.get(Resource, booking.resource_id)
        _complete(session, session.get(Member, booking.booker_id), booking, resource, now)
    session.flush()
    return len(ids)
