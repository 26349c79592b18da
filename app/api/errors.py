"""UserError, the ErrorCode enum, and DomainError turned into a payload's errors."""
from decimal import Decimal
from typing import Optional

import strawberry
from flask_babel import format_decimal, gettext

from app.errors import Credits, DomainError, ErrorCode, ValidationFailed
from app.extensions import french_elision
from app.hub import minor_units_text

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode")


@strawberry.type(description="An expected failure, in the member's language.")
class UserError:
    code: ErrorCodeEnum
    field: Optional[list[str]]
    message: str


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def to_user_errors(exc: DomainError) -> list[UserError]:
    errors = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    return [
        UserError(
            code=e.code,
            field=[camel(part) for part in e.field] if e.field else None,
            message=french_elision(gettext(str(e.message), **{k: _localized(v) for k, v in e.params.items()})),
        )
        for e in errors
    ]


def _localized(value):
    """Credits read as money, 1 234,50 ALV in French; other amounts (euros, whose messages
    carry their unit) as the member writes them: 1 234,50."""
    if isinstance(value, Credits):
        return minor_units_text(value.minor_units)
    return format_decimal(value, format="#,##0.00") if isinstance(value, Decimal) else value
