"""A notice in words, in the current language (the reader's, at display time; the recipient's,
forced, when mailed): its kind's template filled with its parameters, formatted by Babel."""
import datetime as dt

from flask import current_app
from flask_babel import format_date, format_datetime, gettext

from app.extensions import french_elision
from app.hub import minor_units_text
from app.notices.kinds import DATE_PARAMS, DATETIME_PARAMS, KINDS, MONEY_PARAMS, Kind


class _Params(dict):
    """Parameters for a %-template: one missing (a kind's words changed since) shows empty."""

    def __missing__(self, key):
        return ""


def _format(name: str, value):
    try:
        if name in DATETIME_PARAMS and value:
            return format_datetime(dt.datetime.fromisoformat(value), "EEE d MMM y HH:mm")
        if name in DATE_PARAMS and value:
            return format_date(dt.date.fromisoformat(value), "medium")
        if name in MONEY_PARAMS and value is not None:
            return minor_units_text(int(value))
    except (TypeError, ValueError):
        pass
    return "" if value is None else str(value)


def _filled(template: str, params: dict) -> str:
    values = _Params({name: _format(name, value) for name, value in (params or {}).items()})
    try:
        return french_elision(template % values)
    except (TypeError, ValueError):  # a translation that broke its placeholders
        return template


def message(kind: str, params: dict, text: str = "") -> str:
    """The notice's sentence, with its note (a reason, a memo) after it."""
    if kind == Kind.MESSAGE.value or kind not in Kind.__members__:
        return text or (params or {}).get("text", "")
    sentence = _filled(gettext(KINDS[Kind(kind)].message), params)
    note = (params or {}).get("note")
    return f"{sentence} — {note}" if note else sentence


def subject(kind: str, params: dict, text: str = "") -> str:
    if kind == Kind.MESSAGE.value or kind not in Kind.__members__:
        words = text or (params or {}).get("text", "")
        return words if len(words) <= 80 else words[:79] + "…"
    return _filled(gettext(KINDS[Kind(kind)].subject), params)


def absolute(link: str) -> str:
    """A link of the app as an absolute URL (emails, API clients): ALVEOLE_BASE_URL + path."""
    if not link or link.startswith(("http://", "https://")):
        return link
    return current_app.config["BASE_URL"].rstrip("/") + "/" + link.lstrip("/")
