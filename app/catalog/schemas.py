"""Input validation of the catalogue and bookings (marshmallow)."""
import itertools
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.validation import AwareDateTime, MinorUnits, TrimmedString
from app.catalog.calendar import MAX_SPANS_PER_DAY, MIN_SPAN_MINUTES
from app.catalog.fields import BY_NAME, FIELDS, Kind, ResourceField
from app.errors import N_
from models import PriceUnit

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
TOO_MANY_SPANS = N_("A day has at most 4 opening spans.")
SPANS_OVERLAP = N_("Opening spans of the same day must not overlap.")
SPAN_TOO_SHORT = N_("An opening span lasts at least 15 minutes.")


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


def check_opening_spans(spans: list[dict]) -> None:
    """At most a few spans a day, each long enough, none overlapping another: what a hub
    opens, and what keeps every calendar computation small (app.catalog.calendar)."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for span in spans:
        by_day.setdefault(span["weekday"], []).append((_minutes(span["opens"]), _minutes(span["closes"])))
    for day_spans in by_day.values():
        if len(day_spans) > MAX_SPANS_PER_DAY:
            raise ValidationError(TOO_MANY_SPANS)
        if any(b - a < MIN_SPAN_MINUTES for a, b in day_spans):
            raise ValidationError(SPAN_TOO_SHORT)
        ordered = sorted(day_spans)
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered)):
            raise ValidationError(SPANS_OVERLAP)


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


def _schema_field(spec: ResourceField, required: bool = False) -> fields.Field:
    """The marshmallow field that validates one of a resource's editable fields."""
    if spec.kind is Kind.TEXT:
        if spec.required_on_create:  # the title: never empty
            return TrimmedString(required=required, validate=validate.Length(min=1, max=spec.max_length, error=REQUIRED_TITLE))
        return TrimmedString(validate=validate.Length(max=spec.max_length, error=TOO_LONG))
    if spec.kind is Kind.MONEY:
        return MinorUnits(positive=False)
    if spec.kind in (Kind.COUNT, Kind.HOURS):
        return fields.Integer(validate=_range(spec.low, spec.high))
    if spec.kind is Kind.FLAG:
        return fields.Boolean()
    if spec.kind is Kind.UNIT:
        return fields.String(validate=validate.OneOf(UNITS))
    return fields.List(fields.Nested(OpeningSpanSchema), validate=check_opening_spans)


class _DurationsSchema(Schema):
    @validates_schema
    def check_durations(self, data, **kwargs):
        low, high = data.get("min_duration_minutes"), data.get("max_duration_minutes")
        if low and high and low > high:
            raise ValidationError(N_("The minimum duration is longer than the maximum."), "min_duration_minutes")


ResourceFieldsSchema = type("ResourceFieldsSchema", (_DurationsSchema,), {
    spec.name: _schema_field(spec) for spec in FIELDS if not spec.required_on_create
})
CreateResourceSchema = type("CreateResourceSchema", (ResourceFieldsSchema,), {
    **{spec.name: _schema_field(spec, required=True) for spec in FIELDS if spec.required_on_create},
    "kind": fields.String(required=True, validate=validate.OneOf(KINDS)),
    "owner_id": fields.String(),
    "hub_pool": fields.Boolean(),
})
UpdateResourceSchema = type("UpdateResourceSchema", (ResourceFieldsSchema,), {
    **{spec.name: _schema_field(spec) for spec in FIELDS if spec.required_on_create},
    "resource_id": fields.String(required=True),
})


def resource_values(data: dict) -> dict:
    """A loaded schema's editable fields as the service's keywords: opening hours in their
    stored form, the price unit as its enum, 0 as "no rule" where a rule can be cleared."""
    values = {}
    for name, value in data.items():
        spec = BY_NAME.get(name)
        if spec is None:
            continue
        if spec.kind is Kind.OPENING_HOURS:
            value = opening_hours_json(value)
        elif spec.kind is Kind.UNIT:
            value = PriceUnit(value)
        elif spec.clearable and value == 0:
            value = None
        values[name] = value
    return values


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
