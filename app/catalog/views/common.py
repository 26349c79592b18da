"""The catalogue's blueprint, the labels its pages share, and the reading of the dates and
times a form sends."""
import datetime as dt

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.hub import hub_zone

bp = Blueprint("catalog", __name__)


@bp.app_context_processor
def labels():
    """The catalogue's enum labels, translated, for its pages and the home page."""
    return {
        "kind_labels": {"TOOL": _l("Tool"), "WORKSPACE": _l("Workspace"), "SKILL": _l("Skill")},
        "unit_labels": {"HOUR": _l("per hour"), "HALF_DAY": _l("per half-day"), "DAY": _l("per day")},
        "status_labels": {"AVAILABLE": _l("Available"), "MAINTENANCE": _l("In maintenance"), "RETIRED": _l("Retired")},
        "booking_labels": {
            "REQUESTED": _l("Awaiting approval"), "CONFIRMED": _l("Confirmed"), "CHECKED_OUT": _l("Handed over"),
            "RETURNED": _l("Returned"), "COMPLETED": _l("Completed"), "CANCELLED": _l("Cancelled"),
            "REJECTED": _l("Turned down"), "NO_SHOW": _l("No-show"),
            "EXPIRED": _l("Expired"),
        },
        "booking_badges": {
            "REQUESTED": "warn", "CONFIRMED": "ok", "CHECKED_OUT": "ok", "RETURNED": "warn", "COMPLETED": "",
            "CANCELLED": "bad", "REJECTED": "bad", "NO_SHOW": "bad", "EXPIRED": "bad",
        },
        "state_labels": {"FREE": _l("Free"), "PARTLY_BOOKED": _l("Partly booked"), "BOOKED": _l("Booked"), "CLOSED": _l("Closed"), "PAST": _l("Past")},
        "weekday_labels": {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"),
                           5: _l("Friday"), 6: _l("Saturday"), 7: _l("Sunday")},
        "preset_labels": {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "day": _l("Whole day")},
        "now_iso": dt.datetime.now(dt.timezone.utc).isoformat(),
    }


def to_iso(local_value: str | None) -> str | None:
    """A datetime-local form value ("2026-12-07T08:00"), read in the hub's time zone, as ISO
    8601 with its offset; None when empty, the raw text when unreadable (the API explains)."""
    if not local_value:
        return None
    try:
        naive = dt.datetime.fromisoformat(local_value)
    except ValueError:
        return local_value
    if naive.tzinfo is not None:
        return naive.isoformat()
    return naive.replace(tzinfo=hub_zone()).isoformat()


def to_local_input(iso_value: str | None) -> str:
    """An ISO datetime from the API as a datetime-local value in the hub's time zone."""
    if not iso_value:
        return ""
    return dt.datetime.fromisoformat(iso_value).astimezone(hub_zone()).strftime("%Y-%m-%dT%H:%M")
