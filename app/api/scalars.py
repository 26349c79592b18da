"""The API's scalars: Money out, and dates and times bounded to the years the hub accepts."""
import datetime as dt
from decimal import Decimal

import dateutil.parser
import strawberry
from flask import current_app
from strawberry.schema.types.base_scalars import isoformat, wrap_parser
from strawberry.types.scalar import ScalarDefinition

from app.hub import FIRST_YEAR, LAST_YEAR


@strawberry.type(description="An amount of money; credits use the hub's currency code.")
class Money:
    amount: Decimal
    currency: str


def money(minor_units: int, currency: str | None = None) -> Money:
    return Money(
        amount=(Decimal(minor_units) / 100).quantize(Decimal("0.01")),
        currency=currency or current_app.config["CURRENCY_CODE"],
    )


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
