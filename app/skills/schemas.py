"""Input schemas of the skills slice. Hours come as Decimal strings ("7.5", "7,50"), at most
two decimals, and are kept in hundredths of an hour; amounts as everywhere else."""
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from app.api.validation import AwareDateTime, MinorUnits, TrimmedString
from app.errors import N_
from app.hub import KEY_LENGTH, MEMO_LENGTH
from app.skills.jobs import DESCRIPTION_LENGTH, MAX_HUNDREDTHS

LONG_TEXT = validate.Length(max=DESCRIPTION_LENGTH, error=N_("At most 5000 characters."))
SHORT_TEXT = validate.Length(max=MEMO_LENGTH, error=N_("At most 500 characters."))


class Hours(fields.Field):
    """A Decimal string of hours in, hundredths of an hour out (positive unless `zero_ok`)."""

    def __init__(self, *, zero_ok: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.zero_ok = zero_ok

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().replace(",", ".").replace(" ", "")
        try:
            hours = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValidationError(N_("Enter a number of hours such as 7.5.")) from None
        if not hours.is_finite():
            raise ValidationError(N_("Enter a number of hours such as 7.5."))
        if hours < 0 or (hours == 0 and not self.zero_ok):
            raise ValidationError(N_("The number of hours must be greater than zero."))
        if hours * 100 > MAX_HUNDREDTHS:
            raise ValidationError(N_("At most 10000 hours."))
        if hours != hours.quantize(Decimal("0.01")):
            raise ValidationError(N_("Hours have at most two decimals."))
        return int(hours * 100)


class RequestSkillSchema(Schema):
    resource_id = fields.String(required=True)
    description = TrimmedString(required=True, validate=[
        validate.Length(min=1, error=N_("Say what you need.")), LONG_TEXT,
    ])
    preferred_start = AwareDateTime(load_default=None)
    preferred_end = AwareDateTime(load_default=None)
    estimated_hours = Hours(load_default=None)
    pay_on_account = fields.Boolean(load_default=False)


class QuoteJobSchema(Schema):
    job_id = fields.String(required=True)
    hours = Hours(required=True)
    price = MinorUnits(load_default=None)
    start = AwareDateTime(load_default=None)
    end = AwareDateTime(load_default=None)
    conditions = TrimmedString(load_default="", validate=LONG_TEXT)


class ReasonSchema(Schema):
    job_id = fields.String(required=True)
    reason = TrimmedString(load_default="", validate=SHORT_TEXT)


class AcceptQuoteSchema(Schema):
    job_id = fields.String(required=True)
    idempotency_key = TrimmedString(validate=validate.Length(min=1, max=KEY_LENGTH), load_default=None)
    pay_on_account = fields.Boolean(load_default=None)


class DeliverJobSchema(Schema):
    job_id = fields.String(required=True)
    hours_worked = Hours(required=True)
    insertion_hours = Hours(zero_ok=True, load_default=0)
    training_hours = Hours(zero_ok=True, load_default=0)


class SettleDisputeSchema(Schema):
    job_id = fields.String(required=True)
    amount = MinorUnits(positive=False, required=True)
    decision = TrimmedString(required=True, validate=validate.Length(max=2000, error=N_("At most 2000 characters.")))


class JobMessageSchema(Schema):
    job_id = fields.String(required=True)
    body = TrimmedString(required=True, validate=validate.Length(max=2000, error=N_("At most 2000 characters.")))


class RateJobSchema(Schema):
    job_id = fields.String(required=True)
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5, error=N_("Give from 1 to 5 stars.")))
    comment = TrimmedString(load_default="", validate=validate.Length(max=2000, error=N_("At most 2000 characters.")))


class AddTrainingSessionSchema(Schema):
    resource_id = fields.String(required=True)
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    seats = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000, error=N_("From 1 to 1000 seats.")))
