"""Calendar arithmetic on plain values: opening hours, usage peaks, free slots, availability
periods. No database here: the services load the rows and call these functions, so the
booking rules and the search share one definition of "free".

Every booking occupies [start, blocked_until) (its end plus the resource's buffer); a new
booking of [start, end) would occupy [start, end + buffer). It fits while the sum of the
quantities at every instant of that interval stays within the capacity.
"""
import datetime as dt
import enum
import itertools
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Usage:
    """What an existing booking takes from the calendar."""

    start: dt.datetime
    until: dt.datetime  # end + buffer
    quantity: int


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open intervals: [8, 10) and [10, 12) do not overlap."""
    return a_start < b_end and b_start < a_end


def peak_usage(usages: Iterable[Usage], start: dt.datetime, end: dt.datetime) -> int:
    """The largest total quantity in use at any instant of [start, end)."""
    events = []
    for u in usages:
        if overlaps(u.start, u.until, start, end):
            events.append((max(u.start, start), 1, u.quantity))
            events.append((u.until, 0, -u.quantity))  # ends sort before starts at the same instant
    peak = level = 0
    for _when, _order, delta in sorted(events, key=lambda e: (e[0], e[1])):
        level += delta
        peak = max(peak, level)
    return peak


def fits(usages: Sequence[Usage], closures: Sequence[Interval], capacity: int, quantity: int,
         start: dt.datetime, end: dt.datetime, buffer: dt.timedelta) -> bool:
    """True when `quantity` more units fit over [start, end) with no closure in the way."""
    if any(overlaps(c.start, c.end, start, end) for c in closures):
        return False
    return peak_usage(usages, start, end + buffer) + quantity <= capacity


# --- Opening hours -------------------------------------------------------------------------


def parse_opening_hours(value: Optional[dict]) -> Optional[dict[int, list[tuple[int, int]]]]:
    """{weekday: [(from_minute, to_minute), ...]} from the stored JSON, or None (always open)."""
    if value is None:
        return None
    return {int(day): sorted((int(a), int(b)) for a, b in spans) for day, spans in value.items() if spans}


def opening_windows(opening_hours: Optional[dict], start: dt.datetime, end: dt.datetime,
                    zone: ZoneInfo) -> list[Interval]:
    """The opening windows (UTC, adjacent ones merged) that touch [start, end)."""
    hours = parse_opening_hours(opening_hours)
    if hours is None:
        return [Interval(start, end)]
    first = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    windows: list[Interval] = []
    day = first
    while day <= last:
        for a, b in hours.get(day.weekday(), []):
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            w_start = _local(midnight, a, zone)
            w_end = _local(midnight, b, zone)
            if windows and windows[-1].end >= w_start:
                windows[-1] = Interval(windows[-1].start, max(windows[-1].end, w_end))
            else:
                windows.append(Interval(w_start, w_end))
        day += dt.timedelta(days=1)
    return [w for w in windows if w.end > start and w.start < end]


def _local(midnight: dt.datetime, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """Wall-clock time `minutes` after local midnight, in UTC (24:00 is the next midnight)."""
    naive = midnight.replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    return naive.replace(tzinfo=zone).astimezone(dt.timezone.utc)


def within_opening_hours(opening_hours: Optional[dict], start: dt.datetime, end: dt.datetime,
                         zone: ZoneInfo, handover_only: bool) -> bool:
    """Spaces and services must be booked inside one opening window; a tool only has to be
    picked up and brought back while its depot is open (`handover_only`)."""
    if opening_hours is None:
        return True
    # Up to just past `end`: a window that opens exactly at `end` counts for a return.
    windows = opening_windows(opening_hours, start, end + dt.timedelta(microseconds=1), zone)
    if handover_only:
        # Brought back at opening time or at closing time: both while someone is there.
        return any(w.start <= start < w.end for w in windows) and any(w.start <= end <= w.end for w in windows)
    return any(w.start <= start and end <= w.end for w in windows)


# --- Availability periods ------------------------------------------------------------------


class PeriodState(enum.Enum):
    FREE = "FREE"
    PARTLY_BOOKED = "PARTLY_BOOKED"
    BOOKED = "BOOKED"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime
    state: PeriodState
    free_capacity: int


def availability_periods(usages: Sequence[Usage], closures: Sequence[Interval], capacity: int,
                         opening_hours: Optional[dict], zone: ZoneInfo, start: dt.datetime,
                         end: dt.datetime, bookable: bool = True) -> list[Period]:
    """[start, end) cut into consecutive periods, each FREE, PARTLY_BOOKED, BOOKED or CLOSED."""
    if not bookable:
        return [Period(start, end, PeriodState.CLOSED, 0)]
    windows = opening_windows(opening_hours, start, end, zone)
    cuts = {start, end}
    for item in [*usages, *closures, *windows]:
        item_end = item.until if isinstance(item, Usage) else item.end
        for t in (item.start, item_end):
            if start < t < end:
                cuts.add(t)
    points = sorted(cuts)
    periods: list[Period] = []
    for a, b in itertools.pairwise(points):
        if any(overlaps(c.start, c.end, a, b) for c in closures) or not any(
            w.start <= a and b <= w.end for w in windows
        ):
            state, free = PeriodState.CLOSED, 0
        else:
            used = sum(u.quantity for u in usages if u.start <= a and b <= u.until)
            free = max(capacity - used, 0)
            state = PeriodState.FREE if used == 0 else PeriodState.BOOKED if free == 0 else PeriodState.PARTLY_BOOKED
        if periods and periods[-1].state == state and periods[-1].free_capacity == free:
            periods[-1] = Period(periods[-1].start, b, state, free)
        else:
            periods.append(Period(a, b, state, free))
    return periods


# --- Free slots ----------------------------------------------------------------------------


def free_slots(usages: Sequence[Usage], closures: Sequence[Interval], capacity: int, quantity: int,
               opening_hours: Optional[dict], zone: ZoneInfo, handover_only: bool,
               buffer: dt.timedelta, duration: dt.timedelta, earliest: dt.datetime,
               latest_start: dt.datetime, count: int = 3) -> list[Interval]:
    """The first `count` slots of `duration` starting at or after `earliest` (and by
    `latest_start`) where the booking would fit. A slot can only begin at `earliest`, when
    something ends (a booking with its buffer, a closure) or when the resource opens, so only
    those instants are tried."""
    candidates = {earliest}
    candidates.update(u.until for u in usages)
    candidates.update(c.end for c in closures)
    if opening_hours is not None:
        candidates.update(w.start for w in opening_windows(opening_hours, earliest, latest_start + duration, zone))
    found: list[Interval] = []
    for t in sorted(c for c in candidates if earliest <= c <= latest_start):
        slot_end = t + duration
        if not within_opening_hours(opening_hours, t, slot_end, zone, handover_only):
            continue
        if fits(usages, closures, capacity, quantity, t, slot_end, buffer):
            found.append(Interval(t, slot_end))
            if len(found) == count:
                break
    return found
