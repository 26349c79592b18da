"""Opening hours: a tool may come back when the depot opens; a "day" of a hall is its opening day."""
import datetime as dt
from zoneinfo import ZoneInfo

from app.catalog import calendar
from app.catalog.calendar_data import default_length
from models import PriceUnit, Resource, ResourceKind

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS_8_18 = {str(d): [[480, 1080]] for d in range(5)}


def at(day, hour):
    return dt.datetime(2026, 12, day, hour, tzinfo=PARIS).astimezone(dt.timezone.utc)


def test_a_tool_comes_back_at_opening_time():
    # Tuesday 8:00 -> Wednesday 8:00, depot open 8:00-18:00 on weekdays.
    assert calendar.within_opening_hours(WEEKDAYS_8_18, at(1, 8), at(2, 8), PARIS, handover_only=True)
    assert calendar.within_opening_hours(WEEKDAYS_8_18, at(1, 8), at(2, 18), PARIS, handover_only=True)
    assert not calendar.within_opening_hours(WEEKDAYS_8_18, at(1, 8), at(2, 19), PARIS, handover_only=True)
    assert not calendar.within_opening_hours(WEEKDAYS_8_18, at(1, 18), at(2, 9), PARIS, handover_only=True)


def test_the_default_slot_of_a_space_fits_its_opening_hours():
    hall = Resource(kind=ResourceKind.WORKSPACE, price_unit=PriceUnit.DAY, opening_hours=WEEKDAYS_8_18)
    tool = Resource(kind=ResourceKind.TOOL, price_unit=PriceUnit.DAY, opening_hours=WEEKDAYS_8_18)
    assert default_length(hall) == dt.timedelta(hours=10)
    assert default_length(tool) == dt.timedelta(hours=24)
    slots = calendar.free_slots([], [], 1, 1, WEEKDAYS_8_18, PARIS, False, dt.timedelta(0),
                                default_length(hall), at(1, 6), at(10, 0), count=1)
    assert slots == [calendar.Interval(at(1, 8), at(1, 18))]
