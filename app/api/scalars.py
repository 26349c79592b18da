"""Money and the helpers that convert between Decimal strings and integer minor units."""
from decimal import Decimal, InvalidOperation

import strawberry
from flask import current_app

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
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(N_("An amount has at most two decimals."))
    cents = int(amount * 100)
    if abs(cents) >= MAX_AMOUNT:
        raise ValueError(N_("This amount is too large."))
    return cents
