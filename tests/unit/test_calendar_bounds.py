"""Issue 10, finding 1: slot search and availability are linear in spans plus bookings, and
bounded whatever a manager saved. The reference functions below are the former quadratic
ones (every window re-read for every candidate start): the fast ones must agree with them."""
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog import calendar
from app.catalog.calendar import Interval, Period, PeriodState, Usage
from tests.conftest import python_calls

PARIS = ZoneInfo("Europe/Paris")
T0 = dt.datetime(2026, 3, 23, 0, 0, tzinfo=dt.timezone.utc)  # a Monday, a week before DST


# --- The former implementations, kept as the specification ---------------------------------


def reference_within(opening_hours, start, end, zone, handover_only):
    if opening_hours is None:
        return True
    windows = calendar.opening_windows(opening_hours, start, end + dt.timedelta(microseconds=1), zone)
    if handover_only:
        return any(w.start <= start < w.end for w in windows) and any(w.start <= end <= w.end for w in windows)
    return any(w.start <= start and end <= w.end for w in windows)


def reference_free_slots(usages, closures, capacity, quantity, opening_hours, zone, handover_only,
                         buffer, duration, earliest, latest_start, count=3):
    candidates = {earliest}
    candidates.update(u.until for u in usages)
    candidates.update(c.end for c in closures)
    if opening_hours is not None:
        candidates.update(w.start for w in calendar.opening_windows(opening_hours, earliest, latest_start + duration, zone))
    found = []
    for t in sorted(c for c in candidates if earliest <= c <= latest_start):
        slot_end = t + duration
        if not reference_within(opening_hours, t, slot_end, zone, handover_only):
            continue
        if calendar.fits(usages, closures, capacity, quantity, t, slot_end, buffer):
            found.append(Interval(t, slot_end))
            if len(found) == count:
                break
    return found


def reference_periods(usages, closures, capacity, opening_hours, zone, start, end, bookable=True):
    if not bookable:
        return [Period(start, end, PeriodState.CLOSED, 0)]
    windows = calendar.opening_windows(opening_hours, start, end, zone)
    cuts = {start, end}
    for item in [*usages, *closures, *windows]:
        item_end = item.until if isinstance(item, Usage) else item.end
        for t in (item.start, item_end):
            if start < t < end:
                cuts.add(t)
    periods = []
    for a, b in itertools.pairwise(sorted(cuts)):
        if any(calendar.overlaps(c.start, c.end, a, b) for c in closures) or not any(
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


# --- Strategies: times on a quarter-hour grid over three weeks, valid opening hours ---------

quarter = st.integers(min_value=0, max_value=21 * 96).map(lambda q: T0 + dt.timedelta(minutes=15 * q))
length = st.integers(min_value=1, max_value=4 * 96).map(lambda q: dt.timedelta(minutes=15 * q))


@st.composite
def usages(draw):
    return [Usage(s, s + draw(length), draw(st.integers(1, 3))) for s in draw(st.lists(quarter, max_size=12))]


@st.composite
def closures(draw):
    return [Interval(s, s + draw(length)) for s in draw(st.lists(quarter, max_size=3))]


@st.composite
def day_spans(draw):
    """At most four spans of at least 15 minutes, not overlapping (as the input rules allow)."""
    marks = sorted(draw(st.sets(st.integers(0, 96), max_size=8)))
    spans = [[a * 15, b * 15] for a, b in zip(marks[::2], marks[1::2], strict=False) if b > a]
    return spans[:4]


opening_hours = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from([str(d) for d in range(7)]), day_spans(), min_size=1).map(
        lambda hours: {day: spans for day, spans in hours.items() if spans} or None
    ),
)


@settings(max_examples=300, deadline=None)
@given(usages(), closures(), st.integers(1, 3), st.integers(1, 2), opening_hours, st.booleans(),
       st.integers(0, 8).map(lambda q: dt.timedelta(minutes=15 * q)), length, quarter,
       st.integers(0, 14 * 96).map(lambda q: dt.timedelta(minutes=15 * q)))
def test_free_slots_agree_with_the_reference(usages, closures, capacity, quantity, hours, handover, buffer,
                                             duration, earliest, horizon):
    args = (usages, closures, capacity, quantity, hours, PARIS, handover, buffer, duration, earliest, earliest + horizon)
    assert calendar.free_slots(*args, count=3) == reference_free_slots(*args, count=3)


@settings(max_examples=300, deadline=None)
@given(usages(), closures(), st.integers(1, 3), opening_hours, quarter, length, st.booleans())
def test_availability_periods_agree_with_the_reference(usages, closures, capacity, hours, start, span, bookable):
    args = (usages, closures, capacity, hours, PARIS, start, start + span * 4, bookable)
    assert calendar.availability_periods(*args) == reference_periods(*args)


def _hostile_hours():
    """What a manager saved before the bound: 1,442 one-minute windows a day, none adjacent."""
    return {str(d): [[m, m + 1] for m in range(0, 1440, 2)] + [[0, 1]] * 722 for d in range(7)}


def test_slot_search_stays_linear_on_hostile_opening_hours_and_many_bookings():
    usages = [Usage(T0 + dt.timedelta(minutes=7 * i), T0 + dt.timedelta(minutes=7 * i + 5), 1) for i in range(3000)]
    calls, slots = python_calls(lambda: calendar.free_slots(
        usages, [], 1, 1, _hostile_hours(), PARIS, False, dt.timedelta(0), dt.timedelta(hours=2), T0,
        T0 + dt.timedelta(days=60), 1))
    assert slots == []  # no two-hour window in one-minute openings
    assert calls < 200_000  # ~62,000 today; the unbounded search took minutes


def test_availability_stays_linear_on_hostile_opening_hours():
    def periods(days):
        return python_calls(lambda: calendar.availability_periods(
            [], [], 1, _hostile_hours(), PARIS, T0, T0 + dt.timedelta(days=days)))

    calls, found = periods(93)
    twice_as_long, _ = periods(186)
    assert {p.state for p in found} == {PeriodState.FREE, PeriodState.CLOSED}
    assert calls < 150_000  # ~39,000 today
    assert twice_as_long < 2.5 * calls


def test_stored_spans_are_read_merged_and_bounded():
    hours = calendar.parse_opening_hours({"0": [[480, 600], [600, 720], [700, 800]], "1": [[m, m + 1] for m in range(0, 1440, 2)]})
    assert hours[0] == [(480, 800)]
    assert len(hours[1]) == calendar.MAX_STORED_SPANS
