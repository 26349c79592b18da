"""What a booking must respect before the calendar is even read: the resource's own rules,
its price, and the refusal of a taken slot. Shared by bookings, series and the waitlist, which
all check a wish the same way."""
import datetime as dt
import math
from zoneinfo import ZoneInfo

from app.catalog import calendar
from app.catalog.calendar import Interval
from app.catalog.calendar_data import notice_of
from app.errors import N_, DomainError, ErrorCode
from models import PRICE_UNIT_SECONDS, Booking, BookingStatus, Resource, ResourceKind, ResourceStatus

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


def free_cancellation_until(resource: Resource, start: dt.datetime, confirmed_at: dt.datetime,
                            grace: dt.timedelta) -> dt.datetime:
    """Until when cancelling a booking is free: `free_cancellation_hours` before its start, or,
    for a booking confirmed inside that notice, the grace period after its confirmation (never
    past the start)."""
    notice_ends = start - dt.timedelta(hours=resource.free_cancellation_hours)
    return max(notice_ends, min(confirmed_at + grace, start))


def late_cancellation_fee(resource: Resource, price: int) -> int:
    """What a late cancellation costs: the resource's percentage of the price, rounded up to
    the cent."""
    return -(-price * resource.late_cancellation_fee_percent // 100)


def confirmed_at(booking: Booking) -> dt.datetime:
    """When the booking became firm: its approval, or its making when no approval was asked."""
    return booking.decided_at or booking.created_at


def cancellation_fee(booking: Booking, resource: Resource, now: dt.datetime, grace: dt.timedelta) -> int:
    """Free until free_cancellation_until (and for requests not yet approved); later, the
    late cancellation fee."""
    if booking.status != BookingStatus.CONFIRMED or booking.price == 0:
        return 0
    if now <= free_cancellation_until(resource, booking.start, confirmed_at(booking), grace):
        return 0
    return late_cancellation_fee(resource, booking.price)


LATE_RETURN_GRACE = dt.timedelta(hours=1)


def late_days(booking: Booking, returned_at: dt.datetime) -> int:
    """Whole days (rounded up) past the booking's end; the first hour is a grace period."""
    late = returned_at - booking.end
    if late <= LATE_RETURN_GRACE:
        return 0
    return math.ceil(late.total_seconds() / 86400)


def is_overdue(booking: Booking, now: dt.datetime) -> bool:
    """A loan still out after its end."""
    return booking.status == BookingStatus.CHECKED_OUT and now > booking.end


def late_fee_so_far(booking: Booking, resource: Resource, now: dt.datetime) -> int:
    """The late fee an overdue loan would cost if it came back now; it grows each day started."""
    if not is_overdue(booking, now):
        return 0
    return late_days(booking, now) * resource.late_fee_per_day


def _check_status(resource: Resource) -> None:
    if resource.status == ResourceStatus.MAINTENANCE:
        raise DomainError(ErrorCode.INVALID_STATE, "This resource is in maintenance.", "resourceId")
    if resource.status == ResourceStatus.RETIRED:
        raise DomainError(ErrorCode.INVALID_STATE, "This resource is retired.", "resourceId")


def _check_duration(resource: Resource, start: dt.datetime, end: dt.datetime) -> None:
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


def check_rules(resource: Resource, start: dt.datetime, end: dt.datetime, quantity: int,
                now: dt.datetime, zone: ZoneInfo) -> None:
    """The resource's own rules, one DomainError per broken rule (the calendar comes after)."""
    _check_status(resource)
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
    _check_duration(resource, start, end)
    if start < now + notice_of(resource):
        raise DomainError(
            ErrorCode.INVALID, "Book at least %(hours)s h ahead.", "start", hours=resource.min_notice_hours,
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
