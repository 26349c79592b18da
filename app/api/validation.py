"""Input validation with marshmallow: the schemas of every slice build on these fields, and
`load` turns marshmallow's errors into DomainErrors that the payload reports field by field."""
import datetime as dt
import enum

from marshmallow import Schema, ValidationError, fields

from app.errors import N_, DomainError, ErrorCode, ValidationFailed
from app.hub import FIRST_YEAR, LAST_YEAR, to_minor_units

# marshmallow's own messages, listed so that they are extracted and translated.
MARSHMALLOW_MESSAGES = [
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid email address."),
    N_("Must be one of: {choices}."),
    N_("Unknown field."),
    N_("Invalid input type."),
]


class MinorUnits(fields.Field):
    """A Decimal string ("12.50") in, integer cents out."""

    def __init__(self, *, positive: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.positive = positive

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            cents = to_minor_units(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if self.positive and cents <= 0:
            raise ValidationError("The amount must be greater than zero.")
        if cents < 0:
            raise ValidationError("The amount cannot be negative.")
        return cents


class AwareDateTime(fields.Field):
    """A datetime that must carry its offset; returned in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                raise ValidationError("Enter a date and time.") from None
        if not isinstance(value, dt.datetime):
            raise ValidationError("Enter a date and time.")
        if value.tzinfo is None:
            raise ValidationError("A date and time must include its offset from UTC.")
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError("Enter a date and time.")
        return value.astimezone(dt.timezone.utc)


class TrimmedString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def load(schema: Schema, data: dict) -> dict:
    """Validate `data` (snake_case keys); raise ValidationFailed listing every bad field."""
    try:
        return schema.load(
            {k: v.value if isinstance(v, enum.Enum) else v for k, v in data.items() if v is not None}
        )
    except ValidationError as exc:
        raise ValidationFailed(list(_errors(exc.messages))) from None


def _errors(messages, path=()):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _errors(value, path if key == "_schema" else (*path, str(key)))
    elif isinstance(messages, list):
        for message in messages:
            if isinstance(message, (dict, list)):
                yield from _errors(message, path)
            else:
                yield DomainError(ErrorCode.INVALID, message, list(path) or None)
