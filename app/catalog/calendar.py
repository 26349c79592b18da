"""Calendar arithmetic on plain values: opening hours, usage peaks, free slots, availability
periods. No database here: the services load the rows and call these functions, so the
booking rules and the search share one definition of "free".

Every booking occupies [start, blocked_until) (its end plus the resource's buffer); a new
booking of [start, end) would occupy [start, end + buffer). It fits while the sum of the
quantities at every instant of that interval stays within the capacity.
"""
import collections
import datetime as dt
import enum
import functools
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

MAX_SPANS_PER_DAY = 4  # what a manager may save (app.catalog.schemas)
MIN_SPAN_MINUTES = 15
# What is read of a day saved before those rules: overlapping and adjacent spans merged, then
# at most this many, so that no stored value can make a page slow.
MAX_STORED_SPANS = 12


def parse_opening_hours(value: Optional[dict]) -> Optional[dict[int, list[tuple[int, int]]]]:
    """{weekday: [(from_minute, to_minute), ...]} from the stored JSON, or None (always open).
    Spans come sorted, merged where they overlap or touch, and bounded."""
    if value is None:
        return None
    hours = {}
    for day, spans in value.items():
        merged: list[tuple[int, int]] = []
        for a, b in sorted((int(a), int(b)) for a, b in spans):
            if b <= a:
                continue
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        if merged:
            hours[int(day)] = merged[:MAX_STORED_SPANS]
    return hours


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
        for w_start, w_end in _day_windows(day, tuple(hours.get(day.weekday(), ())), zone):
            if windows and windows[-1].end >= w_start:
                windows[-1] = Interval(windows[-1].start, max(windows[-1].end, w_end))
            else:
                windows.append(Interval(w_start, w_end))
        day += dt.timedelta(days=1)
    return [w for w in windows if w.end > start and w.start < end]


@functools.lru_cache(maxsize=8192)
def _day_windows(day: dt.date, spans: tuple[tuple[int, int], ...], zone: ZoneInfo) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """One day's spans in UTC: the same few opening hours serve every resource and request."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return tuple((_local(midnight, a, zone), _local(midnight, b, zone)) for a, b in spans)


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
    """[start, end) cut into consecutive periods, each FREE, PARTLY_BOOKED, BOOKED or CLOSED.
    One sweep over the sorted boundaries: O(n log n) in windows, closures and bookings."""
    if not bookable:
        return [Period(start, end, PeriodState.CLOSED, 0)]
    # (instant, opening windows, closures, units in use) changes at that instant.
    events = [e for w in opening_windows(opening_hours, start, end, zone) for e in ((w.start, 1, 0, 0), (w.end, -1, 0, 0))]
    events += [e for c in closures for e in ((c.start, 0, 1, 0), (c.end, 0, -1, 0))]
    events += [e for u in usages for e in ((u.start, 0, 0, u.quantity), (u.until, 0, 0, -u.quantity))]
    events.sort(key=lambda e: e[0])
    points = sorted({start, end, *(e[0] for e in events if start < e[0] < end)})
    periods: list[Period] = []
    is_open = closed = used = 0
    i = 0
    for a, b in itertools.pairwise(points):
        while i < len(events) and events[i][0] <= a:
            is_open, closed, used = is_open + events[i][1], closed + events[i][2], used + events[i][3]
            i += 1
        if closed > 0 or is_open <= 0:
            state, free = PeriodState.CLOSED, 0
        else:
            free = max(capacity - used, 0)
            state = PeriodState.FREE if used == 0 else PeriodState.BOOKED if free == 0 else PeriodState.PARTLY_BOOKED
        if periods and periods[-1].state == state and periods[-1].free_capacity == free:
            periods[-1] = Period(periods[-1].start, b, state, free)
        else:
            periods.append(Period(a, b, state, free))
    return periods


# --- Free slots ----------------------------------------------------------------------------

# A search tries at most this many starts: whatever is stored, a page's work stays bounded.
MAX_CANDIDATE_STARTS = 5000


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping or touching intervals joined."""
    result: list[Interval] = []
    for item in sorted(intervals, key=lambda i: i.start):
        if result and item.start <= result[-1].end:
            result[-1] = Interval(result[-1].start, max(result[-1].end, item.end))
        else:
            result.append(item)
    return result


class _Cursor:
    """The first of sorted, disjoint intervals that ends after (or at, `closed`) an instant that
    only moves forward: each lookup is amortised O(1)."""

    def __init__(self, intervals: list[Interval], closed: bool = False):
        self.items, self.closed, self.i = intervals, closed, 0

    def at(self, when: dt.datetime) -> Optional[Interval]:
        items = self.items
        while self.i < len(items) and (items[self.i].end < when if self.closed else items[self.i].end <= when):
            self.i += 1
        return items[self.i] if self.i < len(items) else None


class _SlidingPeak:
    """The peak of the units in use over a window [a, e) that only moves forward: the level is
    a step function built once, its maximum kept in a monotonic deque (amortised O(1))."""

    def __init__(self, usages: Sequence[Usage]):
        changes: dict[dt.datetime, int] = {}
        for u in usages:
            changes[u.start] = changes.get(u.start, 0) + u.quantity
            changes[u.until] = changes.get(u.until, 0) - u.quantity
        self.steps: list[tuple[dt.datetime, dt.datetime, int]] = []  # (from, to, level), level > 0
        level = 0
        times = sorted(changes)
        for a, b in itertools.pairwise(times):
            level += changes[a]
            if level > 0:
                self.steps.append((a, b, level))
        self.next = 0
        self.window: collections.deque[int] = collections.deque()

    def peak(self, a: dt.datetime, e: dt.datetime) -> int:
        steps, window = self.steps, self.window
        while self.next < len(steps) and steps[self.next][0] < e:
            while window and steps[window[-1]][2] <= steps[self.next][2]:
                window.pop()
            window.append(self.next)
            self.next += 1
        while window and steps[window[0]][1] <= a:
            window.popleft()
        return steps[window[0]][2] if window else 0


def _opening_allows(windows: Optional[tuple[_Cursor, _Cursor]], start: dt.datetime, end: dt.datetime,
                    handover_only: bool) -> bool:
    """within_opening_hours for starts that only move forward, against windows computed once."""
    if windows is None:
        return True
    at_start, at_end = windows
    w = at_start.at(start)
    if w is None or w.start > start:
        return False
    if handover_only:
        back = at_end.at(end)  # brought back at closing time counts
        return back is not None and back.start <= end
    return end <= w.end


def free_slots(usages: Sequence[Usage], closures: Sequence[Interval], capacity: int, quantity: int,
               opening_hours: Optional[dict], zone: ZoneInfo, handover_only: bool,
               buffer: dt.timedelta, duration: dt.timedelta, earliest: dt.datetime,
               latest_start: dt.datetime, count: int = 3) -> list[Interval]:
    """The first `count` slots of `duration` starting at or after `earliest` (and by
    `latest_start`) where the booking would fit. A slot can only begin at `earliest`, when
    something ends (a booking with its buffer, a closure) or when the resource opens, so only
    those instants are tried (at most MAX_CANDIDATE_STARTS of them), in one forward sweep over
    the windows, closures and bookings sorted once: O(n log n), not O(n²)."""
    candidates = {earliest}
    candidates.update(u.until for u in usages)
    candidates.update(c.end for c in closures)
    windows = None
    if opening_hours is not None:
        opening = _merged(opening_windows(opening_hours, earliest, latest_start + duration + dt.timedelta(microseconds=1), zone))
        candidates.update(w.start for w in opening)
        windows = (_Cursor(opening), _Cursor(opening, closed=True))
    starts = sorted(c for c in candidates if earliest <= c <= latest_start)[:MAX_CANDIDATE_STARTS]
    closed = _Cursor(_merged(closures))
    in_use = _SlidingPeak(usages)
    found: list[Interval] = []
    for t in starts:
        slot_end = t + duration
        if not _opening_allows(windows, t, slot_end, handover_only):
            continue
        closure = closed.at(t)
        if closure is not None and closure.start < slot_end:
            continue
        if in_use.peak(t, slot_end + buffer) + quantity <= capacity:
            found.append(Interval(t, slot_end))
            if len(found) == count:
                break
    return found
