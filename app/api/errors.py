"""UserError, the ErrorCode enum and the wrapper that turns DomainError into payload errors."""
import functools
from decimal import Decimal
from typing import Optional

import strawberry
from flask_babel import format_decimal, gettext

from app.errors import DomainError, ErrorCode, ValidationFailed

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
            message=gettext(str(e.message), **{k: _localized(v) for k, v in e.params.items()}),
        )
        for e in errors
    ]


def _localized(value):
    """Amounts in messages read as the member writes them: 1 234,50 in French."""
    return format_decimal(value, format="#,##0.00") if isinstance(value, Decimal) else value


def mutation_payload(payload_cls):
    """Run a mutation resolver in a savepoint: a DomainError rolls back everything the
    mutation wrote and comes back as `errors` in its payload. The request commits once, at the
    end (app.api.execution.UnitOfWork)."""

    def decorate(resolver):
        @functools.wraps(resolver)
        def wrapper(*args, **kwargs):
            session = kwargs["info"].context.session
            savepoint = session.begin_nested()
            try:
                result = resolver(*args, **kwargs)
            except DomainError as exc:
                savepoint.rollback()
                return payload_cls(errors=to_user_errors(exc))
            savepoint.commit()
            return result

        return wrapper

    return decorate
