"""Recurring bookings: every N weeks at the same local time until a date. Each occurrence is
an ordinary booking checked by the same rules; the member sees which dates clash before
confirming, and chooses to skip them or to book nothing."""
import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.catalog import bookings as booking_services
from app.catalog import calendar
from app.catalog.booking_rules import check_rules
from app.catalog.calendar_data import buffer_of, load_closures, load_usages
from app.catalog.resources import get_resource
from app.errors import N_, DomainError, ErrorCode
from app.hub import hub_zone
from models import Booking, BookingSeries, BookingStatus, Member, ResourceKind, utcnow

MAX_OCCURRENCES = 60


@dataclass
class Occurrence:
    start: dt.datetime
    end: dt.datetime
    problem: Optional[DomainError] = None  # why it cannot be booked, if it cannot


def occurrences(start: dt.datetime, end: dt.datetime, until: dt.date, every_weeks: int, zone: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """Same local wall-clock time every `every_weeks` weeks (so 8:00 stays 8:00 across the
    change to summer time), from `start` to `until` included."""
    if every_weeks < 1 or every_weeks > 8:
        raise DomainError(ErrorCode.INVALID, "Repeat every 1 to 8 weeks.", "everyWeeks")
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if until < local_start.date():
        raise DomainError(ErrorCode.INVALID, "The last date is before the first one.", "until")
    result = []
    week = 0
    while True:
        shift = dt.timedelta(weeks=week * every_weeks)
        s = (local_start.replace(tzinfo=None) + shift).replace(tzinfo=zone)
        if s.date() > until:
            break
        e = (local_end.replace(tzinfo=None) + shift).replace(tzinfo=zone)
        result.append((s.astimezone(dt.timezone.utc), e.astimezone(dt.timezone.utc)))
        if len(result) > MAX_OCCURRENCES:
            raise DomainError(
                ErrorCode.INVALID, "A series has at most %(count)s dates.", "until", count=MAX_OCCURRENCES
            )
        week += 1
    return result


def preview(session: so.Session, actor: Member, resource_id: int, start: dt.datetime, end: dt.datetime,
            until: dt.date, every_weeks: int = 1, quantity: int = 1,
            now: Optional[dt.datetime] = None) -> list[Occurrence]:
    """Every date of the series, each with what would stop it from being booked (nothing written)."""
    now = now or utcnow()
    zone = hub_zone()
    resource = get_resource(session, resource_id)
    dates = occurrences(start, end, until, every_weeks, zone)
    buffer = buffer_of(resource)
    first, last = dates[0][0], dates[-1][1] + buffer
    usages = load_usages(session, [resource.id], first, last)[resource.id]
    closures = load_closures(session, [resource.id], first, last)[resource.id]
    result = []
    for s, e in dates:
        problem = None
        try:
            check_rules(resource, s, e, quantity, now, zone)
            if not calendar.fits(usages, closures, resource.capacity, quantity, s, e, buffer):
                problem = DomainError(ErrorCode.CONFLICT, N_("This slot is no longer free."), "start")
        except DomainError as exc:
            problem = exc
        result.append(Occurrence(s, e, problem))
    return result


def book_series(session: so.Session, actor: Member, resource_id: int, start: dt.datetime, end: dt.datetime,
                until: dt.date, every_weeks: int = 1, quantity: int = 1, skip_conflicts: bool = False,
                note: str = "", on_account: bool = False) -> tuple[BookingSeries, list[Booking], list[Occurrence]]:
    """Book every date, each paid like a single booking (a hold, or left `on_account`). A
    clash (or a broken rule) on any date refuses the whole series unless the member chose to
    skip those dates. Returns the series, its bookings and the skipped dates."""
    resource = get_resource(session, resource_id, lock=True)
    if resource.kind == ResourceKind.TOOL:
        raise DomainError(ErrorCode.INVALID, "Only spaces and skills can be booked as a series.", "resourceId")
    planned = preview(session, actor, resource_id, start, end, until, every_weeks, quantity)
    skipped = [o for o in planned if o.problem is not None]
    if skipped and not skip_conflicts:
        raise DomainError(
            ErrorCode.CONFLICT,
            "%(count)s date(s) of the series cannot be booked: skip them or change the series.",
            "start",
            count=len(skipped),
        )
    if len(skipped) == len(planned):
        raise DomainError(ErrorCode.CONFLICT, "None of these dates can be booked.", "start")
    series = BookingSeries(resource_id=resource.id, booker_id=actor.id, every_weeks=every_weeks, until=until)
    session.add(series)
    session.flush()
    made = []
    for occurrence in planned:
        if occurrence.problem is None:
            booking = booking_services.book_resource(
                session, actor, resource.id, occurrence.start, occurrence.end, quantity, note=note,
                on_account=on_account,
            )
            booking.series_id = series.id
            made.append(booking)
    session.flush()
    return series, made, skipped


def cancel_rest_of_series(session: so.Session, actor: Member, booking_id: int) -> list[Booking]:
    """Cancel this occurrence and every later one of its series that can still be cancelled
    (each with the usual cancellation policy)."""
    booking = booking_services.get_booking(session, booking_id)
    if not permissions.is_booker(actor, booking):  # first: a stranger learns nothing about the booking
        raise DomainError(ErrorCode.FORBIDDEN, booking_services.CANNOT_CANCEL)
    if booking.series_id is None:
        raise DomainError(ErrorCode.INVALID, "This booking is not part of a series.", "bookingId")
    later = session.scalars(
        sa.select(Booking.id)
        .where(Booking.series_id == booking.series_id, Booking.start >= booking.start,
               Booking.status.in_((BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value)))
        .order_by(Booking.start)
    ).all()
    return [booking_services.cancel_booking(session, actor, pk) for pk in later]
