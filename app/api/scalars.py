"""Money and the helpers that convert between Decimal strings and integer minor units."""
import datetime as dt
from decimal import Decimal, InvalidOperation

import dateutil.parser
import strawberry
from flask import current_app
from strawberry.schema.types.base_scalars import isoformat, wrap_parser
from strawberry.types.scalar import ScalarDefinition

from app.errors import N_


MAX_AMOUNT = 10**15  # minor units: far above any real figure, far below BigInteger's range


@strawberry.type(description="An amount of money; credits use the hub's currency code.")
class Money:
    amount: Decimal
    currency: str


def money(minor_units: int, currency: str | None = None) -> Money:
    return Money(
        amount=(Decimal(minor_units) / 100).quantize(Decimal("0.01")),
        currency=currency or current_app.config["CURRENCY_CODE"],
    )


# Spaces a French member may type or paste between thousands: plain, no-break, narrow no-break.
_SPACES = str.maketrans("", "", " \u00a0\u202f")


def to_minor_units(value) -> int:
    """Parse an amount into cents: "12.50", or as a French member writes it, "12,50" or
    "1 234,50". ValueError with an English msgid when it is not a number with at most two
    decimals, or is beyond MAX_AMOUNT."""
    text = str(value).strip().translate(_SPACES)
    if "," in text:
        if "." in text:  # "1.234,50" or "1,234.50": ambiguous, so refused rather than guessed
            raise ValueError(N_("Enter an amount such as 12.50."))
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(N_("Enter an amount such as 12.50."))
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


# Dates and times outside these years are refused where the request is read: nothing in the
# hub spans centuries, and date arithmetic near year 1 or 9999 overflows.
FIRST_YEAR, LAST_YEAR = 1900, 9998


def _bounded(parse):
    def parse_bounded(text: str):
        value = parse(text)
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"years run from {FIRST_YEAR} to {LAST_YEAR}")
        return value

    return parse_bounded


BoundedDate = ScalarDefinition(
    name="Date", description="Date (isoformat)", specified_by_url=None, serialize=isoformat,
    parse_value=wrap_parser(_bounded(dt.date.fromisoformat), "Date"), parse_literal=None, origin=dt.date,
)
BoundedDateTime = ScalarDefinition(
    name="DateTime", description="Date with time (isoformat)", specified_by_url=None, serialize=isoformat,
    parse_value=wrap_parser(_bounded(dateutil.parser.isoparse), "DateTime"), parse_literal=None, origin=dt.datetime,
)
SCALAR_OVERRIDES = {dt.date: BoundedDate, dt.datetime: BoundedDateTime}
