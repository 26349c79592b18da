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


def to_minor_units(value) -> int:
    """Parse a Decimal string ("12.50") into cents. ValueError with an English msgid when it
    is not a number with at most two decimals, or is beyond MAX_AMOUNT."""
    try:
        amount = Decimal(str(value).strip())
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
