"""Expected failures of the domain. Services raise DomainError; the API turns it into a
UserError in the mutation's payload, its message translated into the member's language."""
import enum
from dataclasses import dataclass
from typing import Optional, Sequence


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated when shown."""
    return message


@dataclass(frozen=True)
class Credits:
    """A message's parameter that is an amount of the hub's credit, in minor units: shown as
    money with the hub's currency ('300,00 ALV'), like the pages show amounts."""

    minor_units: int


class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"
    BALANCE_CAP_EXCEEDED = "BALANCE_CAP_EXCEEDED"
    INVALID_STATE = "INVALID_STATE"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    RATE_LIMITED = "RATE_LIMITED"
    STALE = "STALE"
    SPENDING_CAP_EXCEEDED = "SPENDING_CAP_EXCEEDED"


class DomainError(Exception):
    """`message` is an English msgid (or lazy string) translated when shown; `params` fill it."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        field: Optional[str | Sequence[str]] = None,
        **params,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = [field] if isinstance(field, str) else (list(field) if field else None)
        self.params = params


class ValidationFailed(DomainError):
    """Several input errors at once (from a marshmallow schema)."""

    def __init__(self, errors: list[DomainError]):
        super().__init__(ErrorCode.INVALID, errors[0].message, errors[0].field)
        self.errors = errors
