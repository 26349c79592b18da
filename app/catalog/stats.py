"""What the bookings say about sharing, for the treasurer's dashboard and the impact report:
hours of equipment, space and skills used over a period, and how busy each resource was.

A booking counts once it took (or holds) its slot: confirmed, handed over, returned or
completed. Hours are clipped to the period, so a loan across two months counts in each for
the part that fell in it."""
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog.calendar import Interval, opening_windows
from app.hub import hub_zone
from models import (
    Booking,
    BookingStatus,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourceStatus,
)

TOOK_PLACE = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_OUT, BookingStatus.RETURNED, BookingStatus.COMPLETED)
HOUR = dt.timedelta(hours=1)


def _clipped_hours(start: dt.datetime, end: dt.datetime, lo: dt.datetime, hi: dt.datetime) -> float:
    return max((min(end, hi) - max(start, lo)) / HOUR, 0.0)


@dataclass
class KindFigures:
    bookings: int = 0
    hours: float = 0.0
    members: set = field(default_factory=set)


@dataclass
class SharingFigures:
    by_kind: dict[ResourceKind, KindFigures]


def sharing_figures(session: so.Session, lo: dt.datetime, hi: dt.datetime) -> SharingFigures:
    """Bookings, hours and distinct members per kind of resource over [lo, hi)."""
    rows = session.execute(
        sa.select(Resource.kind, Booking.booker_id, Booking.start, Booking.end, Booking.quantity)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Booking.status.in_(TOOK_PLACE), Booking.start < hi, Booking.end > lo)
    )
    by_kind = {kind: KindFigures() for kind in ResourceKind}
    for kind, booker_id, start, end, quantity in rows:
        hours = _clipped_hours(start, end, lo, hi) * quantity
        figures = by_kind[kind]
        figures.bookings += 1
        figures.hours += hours
        figures.members.add(booker_id)
    return SharingFigures(by_kind)


@dataclass
class MonthUse:
    start: dt.date
    booked_hours: float
    open_hours: float

    @property
    def percent(self) -> int | None:
        return round(100 * self.booked_hours / self.open_hours) if self.open_hours else None


@dataclass
class ResourceUse:
    resource: Resource
    months: list[MonthUse]


def utilisation(session: so.Session, months: list[tuple[dt.date, dt.date]]) -> list[ResourceUse]:
    """Booked hours / open hours of every tool and space, month by month. Open hours are the
    opening hours (a tool without any is open round the clock), less closures and maintenance;
    a space with a capacity of N offers N places for each open hour."""
    zone = hub_zone()
    lo = dt.datetime.combine(months[0][0], dt.time(), tzinfo=zone)
    hi = dt.datetime.combine(months[-1][1], dt.time(), tzinfo=zone)
    resources = session.scalars(
        sa.select(Resource)
        .where(Resource.kind.in_((ResourceKind.TOOL, ResourceKind.WORKSPACE)), Resource.status != ResourceStatus.RETIRED)
        .order_by(Resource.kind, Resource.title)
    ).all()
    bookings: dict[int, list[tuple]] = {r.id: [] for r in resources}
    for resource_id, start, end, quantity in session.execute(
        sa.select(Booking.resource_id, Booking.start, Booking.end, Booking.quantity).where(
            Booking.resource_id.in_(bookings), Booking.status.in_(TOOK_PLACE), Booking.start < hi, Booking.end > lo
        )
    ):
        bookings[resource_id].append((start, end, quantity))
    closures: dict[int, list[Interval]] = {r.id: [] for r in resources}
    for resource_id, start, end in session.execute(
        sa.select(ResourceClosure.resource_id, ResourceClosure.start, ResourceClosure.end).where(
            ResourceClosure.resource_id.in_(closures), ResourceClosure.start < hi, ResourceClosure.end > lo
        )
    ):
        closures[resource_id].append(Interval(start, end))
    result = []
    for resource in resources:
        uses = []
        for first_day, next_first_day in months:
            m_lo = dt.datetime.combine(first_day, dt.time(), tzinfo=zone)
            m_hi = dt.datetime.combine(next_first_day, dt.time(), tzinfo=zone)
            windows = opening_windows(resource.opening_hours, m_lo, m_hi, zone)
            open_hours = _open_hours(windows, closures[resource.id], m_lo, m_hi) * resource.capacity
            booked = sum(
                _clipped_hours(s, e, m_lo, m_hi) * q for s, e, q in bookings[resource.id]
            )
            uses.append(MonthUse(first_day, booked, open_hours))
        result.append(ResourceUse(resource, uses))
    return result


def _merged(intervals: list[Interval]) -> list[Interval]:
    """Overlapping closures (a maintenance block inside a closed week) count once."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged


def _open_hours(windows: Iterable[Interval], closures: list[Interval], lo: dt.datetime, hi: dt.datetime) -> float:
    closures = _merged(closures)
    total = 0.0
    for window in windows:
        start, end = max(window.start, lo), min(window.end, hi)
        if end <= start:
            continue
        hours = (end - start) / HOUR
        for closure in closures:
            hours -= _clipped_hours(closure.start, closure.end, start, end)
        total += max(hours, 0.0)
    return total
