"""Input validation of the catalogue and bookings (marshmallow)."""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.validation import AwareDateTime, MinorUnits, TrimmedString
from app.errors import N_

KINDS = ("TOOL", "WORKSPACE", "SKILL")
UNITS = ("HOUR", "HALF_DAY", "DAY")
TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

REQUIRED_TITLE = N_("Give the resource a title.")
TOO_LONG = N_("This text is too long.")
OUT_OF_RANGE = N_("This number is outside the allowed range.")
BAD_TIME = N_("Enter a time such as 08:30.")
CLOSES_BEFORE_OPENS = N_("The closing time must be after the opening time.")
BAD_WEEKDAY = N_("A weekday is a number from 1 (Monday) to 7 (Sunday).")
END_BEFORE_START = N_("The end must be after the start.")


def _minutes(value: str) -> int:
    match = TIME.match(value or "")
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValidationError(BAD_TIME)
    return int(match.group(1)) * 60 + int(match.group(2))


class OpeningSpanSchema(Schema):
    weekday = fields.Integer(required=True, validate=validate.Range(1, 7, error=BAD_WEEKDAY))
    opens = fields.String(required=True)
    closes = fields.String(required=True)

    @validates_schema
    def check(self, data, **kwargs):
        opens, closes = _minutes(data["opens"]), _minutes(data["closes"])
        if closes <= opens:
            raise ValidationError(CLOSES_BEFORE_OPENS, "closes")


def opening_hours_json(spans: list[dict] | None):
    """The stored form: {"0": [[480, 1080]]} with 0 = Monday; None (always open) when empty."""
    if not spans:
        return None
    result: dict[str, list[list[int]]] = {}
    for span in spans:
        result.setdefault(str(span["weekday"] - 1), []).append([_minutes(span["opens"]), _minutes(span["closes"])])
    return {day: sorted(v) for day, v in sorted(result.items())}


def _range(low, high):
    return validate.Range(low, high, error=OUT_OF_RANGE)


class ResourceFieldsSchema(Schema):
    description = TrimmedString(validate=validate.Length(max=5000, error=TOO_LONG))
    category = TrimmedString(validate=validate.Length(max=80, error=TOO_LONG))
    address = TrimmedString(validate=validate.Length(max=200, error=TOO_LONG))
    town = TrimmedString(validate=validate.Length(max=120, error=TOO_LONG))
    condition = TrimmedString(validate=validate.Length(max=500, error=TOO_LONG))
    price = MinorUnits(positive=False)
    price_unit = fields.String(validate=validate.OneOf(UNITS))
    capacity = fields.Integer(validate=_range(1, 1000))
    deposit = MinorUnits(positive=False)
    # 0 means "no limit" (it clears the rule when editing).
    min_duration_minutes = fields.Integer(validate=_range(0, 525600))
    max_duration_minutes = fields.Integer(validate=_range(0, 525600))
    max_advance_days = fields.Integer(validate=_range(0, 3650))
    buffer_minutes = fields.Integer(validate=_range(0, 10080))
    opening_hours = fields.List(fields.Nested(OpeningSpanSchema))
    approval_required = fields.Boolean()
    free_cancellation_hours = fields.Integer(validate=_range(0, 8760))
    late_cancellation_fee_percent = fields.Integer(validate=_range(0, 100))
    late_fee_per_day = MinorUnits(positive=False)
    maintenance_every_loans = fields.Integer(validate=_range(0, 1000))  # 0: no automatic maintenance
    maintenance_minutes = fields.Integer(validate=_range(15, 43200))

    @validates_schema
    def check_durations(self, data, **kwargs):
        low, high = data.get("min_duration_minutes"), data.get("max_duration_minutes")
        if low and high and low > high:
            raise ValidationError(N_("The minimum duration is longer than the maximum."), "min_duration_minutes")


class CreateResourceSchema(ResourceFieldsSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = TrimmedString(required=True, validate=validate.Length(min=1, max=160, error=REQUIRED_TITLE))
    owner_id = fields.String()
    hub_pool = fields.Boolean()


class UpdateResourceSchema(ResourceFieldsSchema):
    resource_id = fields.String(required=True)
    title = TrimmedString(validate=validate.Length(min=1, max=160, error=REQUIRED_TITLE))


class BookResourceSchema(Schema):
    resource_id = fields.String(required=True)
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    quantity = fields.Integer(load_default=1, validate=_range(1, 1000))
    idempotency_key = TrimmedString(validate=validate.Length(max=100, error=TOO_LONG))
    note = TrimmedString(validate=validate.Length(max=500, error=TOO_LONG))
    pay_on_account = fields.Boolean(load_default=False)

    @validates_schema
    def check_order(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError(END_BEFORE_START, "end")


class ClosureSchema(Schema):
    resource_id = fields.String(required=True)
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    kind = fields.String(load_default="CLOSED", validate=validate.OneOf(("CLOSED", "MAINTENANCE")))
    reason = TrimmedString(load_default="", validate=validate.Length(max=300, error=TOO_LONG))

    @validates_schema
    def check_order(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError(END_BEFORE_START, "end")


class SeriesSchema(BookResourceSchema):
    until = fields.Date(required=True)
    every_weeks = fields.Integer(load_default=1, validate=_range(1, 8))
    skip_conflicts = fields.Boolean()
