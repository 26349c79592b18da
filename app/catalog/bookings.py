"""Bookings: the rules of bookResource and the lifecycle that follows, paid in credit.

No double booking, ever: bookResource locks the resource row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE already runs one writer at a time) before it reads the
calendar, so two requests for the same resource check and insert one after the other. On
PostgreSQL an exclusion constraint also refuses overlapping bookings of capacity-1 resources.

Money: a booking places a hold on the booker's paying account for its price (fixed at booking
time); completing it captures the hold to the owner's account; a cancellation or rejection
releases it (a late cancellation captures the fee and releases the rest).
"""
import datetime as dt
import math
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.catalog import calendar
from app.catalog.calendar import Interval, Usage
from app.catalog.services import get_resource, owner_account_id
from app.errors import N_, DomainError, ErrorCode
from app.hub import hub_zone
from app.ledger import services as ledger
from app.permissions import can_manage_resource
from models import (
    PRICE_UNIT_SECONDS,
    Account,
    Booking,
    BookingStatus,
    ClosureKind,
    Member,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourceStatus,
    TransferKind,
    utcnow,
)
from models.catalog import ACTIVE_STATUS_VALUES

SUGGESTION_HORIZON = dt.timedelta(days=60)


SLOT_TAKEN = N_("This slot is no longer free. Next free slots: %(slots)s.")
SLOT_TAKEN_NO_SUGGESTION = N_("This slot is no longer free.")


class SlotTaken(DomainError):
    """CONFLICT, with the next free slots of the same length."""

    def __init__(self, suggestions: list[Interval], zone: ZoneInfo):
        shown = ", ".join(
            s.start.astimezone(zone).strftime("%d/%m/%Y %H:%M") for s in suggestions
        ) or "—"
        super().__init__(
            ErrorCode.CONFLICT,
            SLOT_TAKEN if suggestions else SLOT_TAKEN_NO_SUGGESTION,
            "start",
            slots=shown,
        )
        self.suggestions = suggestions


def price_of(resource: Resource, start: dt.datetime, end: dt.datetime, quantity: int) -> int:
    """price × duration in the price unit, rounded up to whole units, × quantity."""
    units = math.ceil((end - start).total_seconds() / PRICE_UNIT_SECONDS[resource.price_unit])
    return resource.price * units * quantity


# --- Loading the calendar ------------------------------------------------------------------


def load_usages(session: so.Session, resource_ids: Iterable[int], start: dt.datetime,
                end: Optional[dt.datetime], exclude_booking_id: Optional[int] = None) -> dict[int, list[Usage]]:
    """Active bookings whose occupied interval touches [start, end), by resource, in one query."""
    ids = list(resource_ids)
    if not ids:
        return {}
    stmt = sa.select(Booking.resource_id, Booking.start, Booking.blocked_until, Booking.quantity).where(
        Booking.resource_id.in_(ids),
        Booking.status.in_(ACTIVE_STATUS_VALUES),
        Booking.blocked_until > start,
    )
    if end is not None:
        stmt = stmt.where(Booking.start < end)
    if exclude_booking_id is not None:
        stmt = stmt.where(Booking.id != exclude_booking_id)
    result: dict[int, list[Usage]] = {i: [] for i in ids}
    for resource_id, b_start, until, quantity in session.execute(stmt):
        result[resource_id].append(Usage(b_start, until, quantity))
    return result


def load_closures(session: so.Session, resource_ids: Iterable[int], start: dt.datetime,
                  end: Optional[dt.datetime]) -> dict[int, list[Interval]]:
    ids = list(resource_ids)
    if not ids:
        return {}
    stmt = sa.select(ResourceClosure.resource_id, ResourceClosure.start, ResourceClosure.end).where(
        ResourceClosure.resource_id.in_(ids), ResourceClosure.end > start
    )
    if end is not None:
        stmt = stmt.where(ResourceClosure.start < end)
    result: dict[int, list[Interval]] = {i: [] for i in ids}
    for resource_id, c_start, c_end in session.execute(stmt):
        result[resource_id].append(Interval(c_start, c_end))
    return result


def suggestions_for(session: so.Session, resource: Resource, start: dt.datetime, end: dt.datetime,
                    quantity: int, now: dt.datetime, zone: ZoneInfo, count: int = 3) -> list[Interval]:
    """The next free slots of the same length, from the requested start (or now) onwards."""
    earliest = max(start, now)
    latest = min(earliest + SUGGESTION_HORIZON, now + dt.timedelta(days=resource.max_advance_days))
    duration = end - start
    usages = load_usages(session, [resource.id], earliest, latest + duration + _buffer(resource))[resource.id]
    closures = load_closures(session, [resource.id], earliest, latest + duration)[resource.id]
    return calendar.free_slots(
        usages, closures, resource.capacity, quantity, resource.opening_hours, zone,
        resource.kind == ResourceKind.TOOL, _buffer(resource), duration, earliest, latest, count,
    )


def next_free_slots(session: so.Session, resources: list[Resource], after: dt.datetime,
                    duration: Optional[dt.timedelta], zone: ZoneInfo) -> dict[int, Optional[Interval]]:
    """The first free slot of each resource after `after` (two queries for the whole list).
    Without a duration, one price unit (or the resource's minimum duration if longer)."""
    bookable = [r for r in resources if r.status == ResourceStatus.AVAILABLE]
    horizon = after + SUGGESTION_HORIZON
    usages = load_usages(session, [r.id for r in bookable], after, horizon + dt.timedelta(days=2))
    closures = load_closures(session, [r.id for r in bookable], after, horizon + dt.timedelta(days=2))
    result: dict[int, Optional[Interval]] = {r.id: None for r in resources}
    for r in bookable:
        length = duration or _default_length(r)
        latest = min(horizon, after + dt.timedelta(days=r.max_advance_days))
        slots = calendar.free_slots(
            usages[r.id], closures[r.id], r.capacity, 1, r.opening_hours, zone,
            r.kind == ResourceKind.TOOL, _buffer(r), length, after, latest, 1,
        )
        result[r.id] = slots[0] if slots else None
    return result


def _default_length(resource: Resource) -> dt.timedelta:
    """One price unit (or the minimum duration if longer); for a space or a service booked
    within its opening hours, no longer than its longest opening window: a "day" in a hall
    open 8:00-18:00 is those ten hours."""
    length = max(
        dt.timedelta(seconds=PRICE_UNIT_SECONDS[resource.price_unit]),
        dt.timedelta(minutes=resource.min_duration_minutes or 0),
    )
    hours = calendar.parse_opening_hours(resource.opening_hours)
    if resource.kind != ResourceKind.TOOL and hours:
        longest = max(b - a for spans in hours.values() for a, b in spans)
        length = min(length, dt.timedelta(minutes=longest))
    return length


def _buffer(resource: Resource) -> dt.timedelta:
    return dt.timedelta(minutes=resource.buffer_minutes or 0)


# --- Rules ---------------------------------------------------------------------------------


def check_rules(resource: Resource, start: dt.datetime, end: dt.datetime, quantity: int,
                now: dt.datetime, zone: ZoneInfo) -> None:
    """The resource's own rules, one DomainError per broken rule (the calendar comes after)."""
    if resource.status == ResourceStatus.MAINTENANCE:
        raise DomainError(ErrorCode.INVALID_STATE, "This resource is in maintenance.", "resourceId")
    if resource.status == ResourceStatus.RETIRED:
        raise DomainError(ErrorCode.INVALID_STATE, "This resource is retired.", "resourceId")
    if end <= start:
        raise DomainError(ErrorCode.INVALID, "The end must be after the start.", "end")
    if start < now:
        raise DomainError(ErrorCode.INVALID, "The start is in the past.", "start")
    if quantity < 1:
        raise DomainError(ErrorCode.INVALID, "The quantity must be at least 1.", "quantity")
    if quantity > resource.capacity:
        raise DomainError(
            ErrorCode.INVALID, "At most %(capacity)s can be booked at once.", "quantity",
            capacity=resource.capacity,
        )
    minutes = (end - start).total_seconds() / 60
    if resource.min_duration_minutes and minutes < resource.min_duration_minutes:
        raise DomainError(
            ErrorCode.INVALID, "A booking lasts at least %(duration)s.", "end",
            duration=format_minutes(resource.min_duration_minutes),
        )
    if resource.max_duration_minutes and minutes > resource.max_duration_minutes:
        raise DomainError(
            ErrorCode.INVALID, "A booking lasts at most %(duration)s.", "end",
            duration=format_minutes(resource.max_duration_minutes),
        )
    if start > now + dt.timedelta(days=resource.max_advance_days):
        raise DomainError(
            ErrorCode.INVALID, "This resource can be booked at most %(days)s days ahead.", "start",
            days=resource.max_advance_days,
        )
    if not calendar.within_opening_hours(
        resource.opening_hours, start, end, zone, handover_only=resource.kind == ResourceKind.TOOL
    ):
        message = (
            N_("Pick-up and return must be during opening hours.")
            if resource.kind == ResourceKind.TOOL
            else N_("The booking must be within the opening hours.")
        )
        raise DomainError(ErrorCode.INVALID, message, "start")


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest:02d}"
    return f"{hours} h" if hours else f"{rest} min"


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
    check_rules(resource, start, end, quantity, now, zone)
    buffer = _buffer(resource)
    closures = load_closures(session, [resource.id], start, end)[resource.id]
    usages = load_usages(session, [resource.id], start, end + buffer)[resource.id]
    if not calendar.fits(usages, closures, resource.capacity, quantity, start, end, buffer):
        raise SlotTaken(suggestions_for(session, resource, start, end, quantity, now, zone), zone)

    account = ledger.paying_account(session, actor)
    if account is None:
        raise DomainError(ErrorCode.INVALID_STATE, "You have no account to pay from.")
    to_account_id = owner_account_id(session, resource)
    # Booking one's own organisation's resource moves no credit.
    price = 0 if to_account_id == account.id else price_of(resource, start, end, quantity)
    if price >= ledger.MAX_AMOUNT:  # checked here too: a booking on account places no hold
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "end")
    hold = None
    if price > 0 and not on_account:
        hold = ledger.place_hold(
            session, actor, account, price, memo=f"Réservation : {resource.title}"[:500]
        )
    booking = Booking(
        resource_id=resource.id, booker_id=actor.id, account_id=account.id,
        start=start, end=end, blocked_from=start - buffer, blocked_until=end + buffer,
        quantity=quantity, exclusive=resource.capacity == 1,
        status=BookingStatus.REQUESTED if resource.approval_required else BookingStatus.CONFIRMED,
        price=price, hold_id=hold.id if hold else None, on_account=on_account and price > 0,
        idempotency_key=idempotency_key or None, note=(note or "").strip()[:500],
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except sa.exc.IntegrityError:
        # The exclusion constraint (PostgreSQL) or the idempotency key: the first one won.
        if idempotency_key and (earlier := _by_key(session, actor.id, idempotency_key)) is not None:
            return _same_request(earlier, resource_id, start, end, quantity)
        raise SlotTaken([], zone)
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
        raise DomainError(ErrorCode.NOT_FOUND, "This booking does not exist.", "bookingId")
    if lock:
        get_resource(session, booking.resource_id, lock=True)
        session.refresh(booking, with_for_update=True)
    return booking



def _require_owner(session: so.Session, actor: Member, booking: Booking) -> Resource:
    resource = session.get(Resource, booking.resource_id)
    if not can_manage_resource(session, actor, resource):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the owner of this resource can do this.")
    return resource


def _require_status(booking: Booking, *allowed: BookingStatus) -> None:
    if booking.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_STATE, "This cannot be done in the booking's current state (%(status)s).",
            "bookingId", status=booking.status.value,
        )


def cancellation_fee(booking: Booking, resource: Resource, now: dt.datetime) -> int:
    """Free until `free_cancellation_hours` before the start (and for requests not yet
    approved); later, the resource's percentage of the price, rounded up to the cent."""
    if booking.status != BookingStatus.CONFIRMED or booking.price == 0:
        return 0
    if now <= booking.start - dt.timedelta(hours=resource.free_cancellation_hours):
        return 0
    return -(-booking.price * resource.late_cancellation_fee_percent // 100)


def cancel_booking(session: so.Session, actor: Member, booking_id: int, reason: str = "",
                   now: Optional[dt.datetime] = None) -> Booking:
    """The booker cancels (a fee when late, see cancellation_fee); the owner may also cancel,
    free of charge for the booker."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = session.get(Resource, booking.resource_id)
    if booking.booker_id != actor.id:
        if can_manage_resource(session, actor, resource):
            return cancel_by_owner(session, actor, booking, reason, now)
        raise DomainError(ErrorCode.FORBIDDEN, "You cannot cancel this booking.")
    _require_status(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    fee = cancellation_fee(booking, resource, now)
    if booking.hold_id is not None:
        if fee > 0:
            transfer = ledger.capture_hold(
                session, actor, booking.hold_id, to_account_id=owner_account_id(session, resource),
                amount=fee, kind=TransferKind.FEE,
                memo=f"Frais d'annulation : {resource.title}"[:500],
            )
            booking.fee_transfer_id = transfer.id
        else:
            ledger.release_hold(session, booking.hold_id)
    elif booking.on_account and fee > 0:
        _invoice(session, actor, booking, resource, fee, f"Frais d'annulation : {resource.title}")
    booking.cancellation_fee = fee
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.decision_reason = (reason or "").strip()[:500]
    session.flush()
    _slot_freed(session, booking, now)
    return booking


def _slot_freed(session: so.Session, booking: Booking, now: Optional[dt.datetime] = None) -> None:
    from app.catalog import waitlist

    waitlist.slot_freed(session, booking, now)


def cancel_by_owner(session: so.Session, actor: Member, booking: Booking, reason: str = "",
                    now: Optional[dt.datetime] = None) -> Booking:
    _require_status(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    if booking.hold_id is not None:
        ledger.release_hold(session, booking.hold_id)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now or utcnow()
    booking.decision_reason = (reason or "").strip()[:500]
    session.flush()
    _slot_freed(session, booking, now)
    return booking


def approve_booking(session: so.Session, actor: Member, booking_id: int) -> Booking:
    booking = get_booking(session, booking_id)
    _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.REQUESTED)
    booking.status = BookingStatus.CONFIRMED
    booking.decided_at = utcnow()
    session.flush()
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
    booking.decision_reason = reason.strip()[:500]
    session.flush()
    _slot_freed(session, booking)
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
    booking.status = BookingStatus.CHECKED_OUT
    booking.checked_out_at = now
    booking.checkout_note = (condition_note or "").strip()[:500]
    session.flush()
    return booking


def late_days(booking: Booking, returned_at: dt.datetime) -> int:
    """Whole days (rounded up) past the booking's end; the first hour is a grace period."""
    late = returned_at - booking.end
    if late <= dt.timedelta(hours=1):
        return 0
    return math.ceil(late.total_seconds() / 86400)


def return_booking(session: so.Session, actor: Member, booking_id: int, condition_note: str = "",
                   damage_reported: bool = False, now: Optional[dt.datetime] = None) -> Booking:
    """The tool comes back. A late return costs the resource's late fee per day started. With
    no damage the booking completes (the hold is captured to the owner); with damage it stays
    RETURNED until the owner completes it."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.CHECKED_OUT)
    booking.returned_at = now
    booking.return_note = (condition_note or "").strip()[:500]
    booking.damage_reported = bool(damage_reported)
    booking.status = BookingStatus.RETURNED
    fee = late_days(booking, now) * resource.late_fee_per_day
    if fee > 0 and booking.account_id is not None:
        booking.late_fee = fee
        to_account_id = owner_account_id(session, resource)
        if booking.on_account:
            _invoice(session, actor, booking, resource, fee, f"Retard de retour : {resource.title}")
        elif to_account_id != booking.account_id:
            booker = session.get(Member, booking.booker_id)
            try:
                with session.begin_nested():
                    transfer = ledger.transfer(
                        session, booker, from_account=session.get(Account, booking.account_id),
                        to_account_id=to_account_id, amount=fee, kind=TransferKind.FEE,
                        memo=f"Retard de retour : {resource.title}"[:500], check_permission=False,
                    )
                booking.fee_transfer_id = transfer.id
            except DomainError:
                # Over the booker's limit: the return is still recorded; the fee stays due
                # (late_fee set, no fee transfer) for the owner to invoice.
                pass
    if not damage_reported:
        _complete(session, actor, booking, resource, now)
    session.flush()
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


def _invoice(session: so.Session, actor: Member, booking: Booking, resource: Resource, amount: int, memo: str) -> None:
    """Bill a booking left on account: from the owner's account to the booker's."""
    from app.treasury.invoices import invoice_booking

    invoice_booking(
        session, creditor_account_id=owner_account_id(session, resource), debtor_account_id=booking.account_id,
        amount=amount, memo=memo, booking_id=booking.id, issued_by=actor,
    )


def _charge(session: so.Session, actor: Member, booking: Booking, resource: Resource, memo: str) -> None:
    """The booking's price falls due: its hold is captured to the owner, or, left on account,
    it is invoiced."""
    if booking.hold_id is not None:
        transfer = ledger.capture_hold(
            session, actor, booking.hold_id, to_account_id=owner_account_id(session, resource),
            kind=TransferKind.BOOKING, memo=memo[:500],
        )
        booking.transfer_id = transfer.id
    elif booking.on_account:
        _invoice(session, actor, booking, resource, booking.price, memo)


def _complete(session: so.Session, actor: Member, booking: Booking, resource: Resource, now: dt.datetime) -> None:
    _charge(session, actor, booking, resource, f"Réservation : {resource.title}")
    booking.status = BookingStatus.COMPLETED
    booking.completed_at = now
    if resource.kind == ResourceKind.TOOL and booking.returned_at is not None:
        schedule_maintenance_if_due(session, resource, now)


MAINTENANCE_REASON = "Entretien après %(count)s prêts"


def schedule_maintenance_if_due(session: so.Session, resource: Resource, now: dt.datetime) -> Optional[ResourceClosure]:
    """After every N-th completed loan, close the calendar for the maintenance block at the
    first moment the whole resource is free (never over a booking already made)."""
    every = resource.maintenance_every_loans
    if not every:
        return None
    last = session.scalar(
        sa.select(sa.func.max(ResourceClosure.created_at)).where(
            ResourceClosure.resource_id == resource.id, ResourceClosure.kind == ClosureKind.MAINTENANCE
        )
    )
    loans = sa.select(sa.func.count(Booking.id)).where(
        Booking.resource_id == resource.id, Booking.status == BookingStatus.COMPLETED, Booking.returned_at.is_not(None)
    )
    if last is not None:
        loans = loans.where(Booking.completed_at > last)
    # The booking being completed is flushed with the caller's changes.
    session.flush()
    if session.scalar(loans) < every:
        return None
    duration = dt.timedelta(minutes=resource.maintenance_minutes)
    horizon = now + dt.timedelta(days=366)
    usages = load_usages(session, [resource.id], now, horizon)[resource.id]
    closures = load_closures(session, [resource.id], now, horizon)[resource.id]
    slots = calendar.free_slots(
        usages, closures, resource.capacity, resource.capacity, None, hub_zone(), False,
        dt.timedelta(0), duration, now, horizon, 1,
    )
    if not slots:
        return None
    closure = ResourceClosure(
        resource_id=resource.id, kind=ClosureKind.MAINTENANCE, start=slots[0].start, end=slots[0].end,
        reason=MAINTENANCE_REASON % {"count": every}, created_at=now,
    )
    session.add(closure)
    session.flush()
    return closure


def mark_no_show(session: so.Session, actor: Member, booking_id: int, now: Optional[dt.datetime] = None) -> Booking:
    """The booker never came: the slot was kept for them, so the price is due."""
    now = now or utcnow()
    booking = get_booking(session, booking_id)
    resource = _require_owner(session, actor, booking)
    _require_status(booking, BookingStatus.CONFIRMED)
    if now < booking.start:
        raise DomainError(ErrorCode.INVALID_STATE, "This booking has not started yet.", "bookingId")
    _charge(session, actor, booking, resource, f"Absence : {resource.title}")
    booking.status = BookingStatus.NO_SHOW
    booking.completed_at = now
    session.flush()
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
