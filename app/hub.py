"""The hub's shared notions, one definition each for every slice: its time zone and today's
date, amounts of money and their limits, the years a date may fall in, and the length of the
texts members write."""
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Optional
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context
from flask_babel import format_decimal, get_locale

from app.errors import N_

DEFAULT_ZONE = "Europe/Paris"
DEFAULT_CANCEL_GRACE_MINUTES = 60

# Any single amount, in minor units: far above a real figure, far below BigInteger's range, so
# that no sum of amounts, fees and balances can overflow the column.
MAX_AMOUNT = 10**15

# Dates and times outside these years are refused where a request is read: nothing in the hub
# spans centuries, and date arithmetic near year 1 or 9999 overflows.
FIRST_YEAR, LAST_YEAR = 1900, 9998

MEMO_LENGTH = 500  # memos, reasons and other short texts that travel with money
KEY_LENGTH = 100  # idempotency keys

# Amounts with their thousands separator (a narrow no-break space in French, a comma in
# English) and a real minus sign (U+2212), which CLDR leaves as a hyphen in both languages.
MONEY_FORMAT = "#,##0.00;\u2212#,##0.00"


def hub_zone() -> ZoneInfo:
    """The hub's time zone: from the app's configuration when there is one."""
    try:
        return ZoneInfo(current_app.config.get("TIMEZONE", DEFAULT_ZONE))
    except RuntimeError:  # outside an application context (benchmarks, scripts)
        return ZoneInfo(DEFAULT_ZONE)


def cancel_grace() -> dt.timedelta:
    """How long after booking cancelling stays free, even inside the resource's notice
    (ALVEOLE_CANCEL_GRACE_MINUTES, default one hour)."""
    try:
        minutes = current_app.config.get("CANCEL_GRACE_MINUTES", DEFAULT_CANCEL_GRACE_MINUTES)
    except RuntimeError:  # outside an application context
        minutes = DEFAULT_CANCEL_GRACE_MINUTES
    return dt.timedelta(minutes=max(int(minutes), 0))


def hub_today() -> dt.date:
    """Today in the valley: due dates and months turn at local midnight."""
    return dt.datetime.now(hub_zone()).date()


# Spaces a French member may type or paste between thousands: plain, no-break, narrow no-break.
_SPACES = str.maketrans("", "", " \u00a0\u202f")
# Thousands grouped by threes, then the decimal mark: "1,234.50" (English), "1.234,50".
_GROUPED = {",": re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?"), ".": re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")}


def _uses_decimal_point() -> bool:
    """The member's language writes "1,234.50" (English) rather than "1 234,50" (French)."""
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _plain_number(text: str) -> str:
    """The amount as Decimal reads it. Spaces between thousands go; with both marks, the last
    is the decimal one and the other must group thousands by threes ("1,234.50",
    "1.234,50"); a lone comma is a decimal comma, except in English where "1,234" groups
    thousands."""
    text = text.translate(_SPACES)
    if "," in text and "." in text:
        separator = "," if text.rindex(".") > text.rindex(",") else "."
        if not _GROUPED[separator].fullmatch(text):
            raise ValueError(N_("Enter an amount such as 12.50."))
        return text.replace(separator, "").replace(",", ".")
    if "," in text and _uses_decimal_point() and _GROUPED[","].fullmatch(text):
        return text.replace(",", "")
    return text.replace(",", ".")


def to_minor_units(value) -> int:
    """Parse an amount into cents: "12.50", or as a member writes it: "12,50" or "1 234,50" in
    French, "1,234.50" in English. ValueError with an English msgid when it is not a number
    with at most two decimals, or is beyond MAX_AMOUNT."""
    text = _plain_number(str(value).strip())
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(N_("Enter an amount such as 12.50.")) from None
    if not amount.is_finite():
        raise ValueError(N_("Enter an amount such as 12.50."))
    if abs(amount) >= Decimal(MAX_AMOUNT) / 100:  # before quantize, which fails on "1e400"
        raise ValueError(N_("This amount is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(N_("An amount has at most two decimals."))
    cents = int(amount * 100)
    if abs(cents) >= MAX_AMOUNT:
        raise ValueError(N_("This amount is too large."))
    return cents


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as '1 234,50 ALV' or '−1 234,50 ALV' in the member's locale (a no-break space
    before the currency: the amount and its unit stay on one line). Pages and messages alike."""
    return f"{format_decimal(amount, format=MONEY_FORMAT)}\u00a0{currency}"


def minor_units_text(minor_units: int, currency: Optional[str] = None) -> str:
    """A stored amount (hundredths) as money_text writes it; in the hub's currency by default."""
    return money_text(Decimal(minor_units) / 100, currency or current_app.config["CURRENCY_CODE"])
