"""A resource's calendar read from the database: the bookings and closures over a period, in
one query for a whole list of resources, and the free slots found in them. The arithmetic
itself is `calendar` (plain values); bookings, the waitlist, series, the editing rules and the
API's loaders all read the calendar through here."""
import datetime as dt
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import calendar
from app.catalog.calendar import Interval, Usage
from app.catalog.fields import BY_NAME
from models import PRICE_UNIT_SECONDS, Booking, Resource, ResourceClosure, ResourceKind, ResourceStatus, utcnow
from models.catalog import ACTIVE_STATUS_VALUES

SUGGESTION_HORIZON = dt.timedelta(days=60)
LONGEST_ADVANCE_DAYS = BY_NAME["max_advance_days"].high  # the most any resource may be booked ahead


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


def buffer_of(resource: Resource) -> dt.timedelta:
    """The time kept free after each booking (cleaning, a tool's check)."""
    return dt.timedelta(minutes=resource.buffer_minutes or 0)


def notice_of(resource: Resource) -> dt.timedelta:
    """How long before its start a booking must be made (the resource's minimum notice)."""
    return dt.timedelta(hours=resource.min_notice_hours or 0)


def slot_fits(session: so.Session, resource: Resource, start: dt.datetime, end: dt.datetime, quantity: int) -> bool:
    """Whether `quantity` units are free over [start, end), its buffer included."""
    buffer = buffer_of(resource)
    usages = load_usages(session, [resource.id], start, end + buffer)[resource.id]
    closures = load_closures(session, [resource.id], start, end)[resource.id]
    return calendar.fits(usages, closures, resource.capacity, quantity, start, end, buffer)


def suggestions_for(session: so.Session, resource: Resource, start: dt.datetime, end: dt.datetime,
                    quantity: int, now: dt.datetime, zone: ZoneInfo, count: int = 3) -> list[Interval]:
    """The next free slots of the same length, from the requested start (or now) onwards."""
    earliest = max(start, now + notice_of(resource))
    latest = min(earliest + SUGGESTION_HORIZON, now + dt.timedelta(days=resource.max_advance_days))
    duration = end - start
    usages = load_usages(session, [resource.id], earliest, latest + duration + buffer_of(resource))[resource.id]
    closures = load_closures(session, [resource.id], earliest, latest + duration)[resource.id]
    return calendar.free_slots(
        usages, closures, resource.capacity, quantity, resource.opening_hours, zone,
        resource.kind == ResourceKind.TOOL, buffer_of(resource), duration, earliest, latest, count,
    )


def next_free_slots(session: so.Session, resources: list[Resource], after: dt.datetime,
                    duration: Optional[dt.timedelta], zone: ZoneInfo) -> dict[int, Optional[Interval]]:
    """The first free slot of each resource after `after` (two queries for the whole list).
    Without a duration, one price unit (or the resource's minimum duration if longer)."""
    result: dict[int, Optional[Interval]] = {r.id: None for r in resources}
    now = utcnow()
    if after > now + dt.timedelta(days=LONGEST_ADVANCE_DAYS):
        return result  # beyond what any resource may be booked: nothing to compute (nor to overflow)
    bookable = [r for r in resources if r.status == ResourceStatus.AVAILABLE]
    notice = max((notice_of(r) for r in bookable), default=dt.timedelta(0))
    horizon = after + SUGGESTION_HORIZON
    end = horizon + notice + dt.timedelta(days=2)
    usages = load_usages(session, [r.id for r in bookable], after, end)
    closures = load_closures(session, [r.id for r in bookable], after, end)
    for r in bookable:
        length = duration or default_length(r)
        earliest = max(after, now + notice_of(r))  # no sooner than the resource's minimum notice
        latest = min(horizon + notice_of(r), now + dt.timedelta(days=r.max_advance_days))
        if latest < earliest:
            continue
        slots = calendar.free_slots(
            usages[r.id], closures[r.id], r.capacity, 1, r.opening_hours, zone,
            r.kind == ResourceKind.TOOL, buffer_of(r), length, earliest, latest, 1,
        )
        result[r.id] = slots[0] if slots else None
    return result


def default_length(resource: Resource) -> dt.timedelta:
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
