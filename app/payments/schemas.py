"""Input schemas of the payments."""
from marshmallow import Schema, fields, validate

from app.api.validation import MinorUnits, TrimmedString
from app.errors import N_
from app.hub import KEY_LENGTH, MEMO_LENGTH

AT_MOST_500 = N_("At most 500 characters.")
PAYMENT_METHOD = dict(validate=validate.Length(min=1, max=255), load_default=None)


class StartSettlementSchema(Schema):
    amount = MinorUnits(required=True)
    payment_method_id = TrimmedString(**PAYMENT_METHOD)
    idempotency_key = TrimmedString(validate=validate.Length(min=1, max=KEY_LENGTH), load_default=None)


class RecordBankTransferSchema(Schema):
    account_id = fields.String(required=True)
    amount = MinorUnits(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(["IN", "OUT"]))
    reference = TrimmedString(required=True, validate=validate.Length(max=MEMO_LENGTH, error=AT_MOST_500))


class AuthorizeDepositSchema(Schema):
    booking_id = fields.String(required=True)
    payment_method_id = TrimmedString(**PAYMENT_METHOD)


class ClaimDepositSchema(Schema):
    booking_id = fields.String(required=True)
    amount = MinorUnits(required=True)
    reason = TrimmedString(required=True, validate=validate.Length(max=MEMO_LENGTH, error=AT_MOST_500))


class CaptureDepositSchema(Schema):
    booking_id = fields.String(required=True)
    amount = MinorUnits(load_default=None)


class PayMembershipFeeSchema(Schema):
    organization_id = fields.String(required=True)
    payment_method_id = TrimmedString(**PAYMENT_METHOD)
    idempotency_key = TrimmedString(validate=validate.Length(min=1, max=KEY_LENGTH), load_default=None)


class SetMembershipFeeSchema(Schema):
    organization_id = fields.String(required=True)
    amount = MinorUnits(required=True, positive=False)


class RecordMembershipFeeSchema(Schema):
    organization_id = fields.String(required=True)
    reference = TrimmedString(required=True, validate=validate.Length(max=MEMO_LENGTH, error=AT_MOST_500))


class PaymentSettingsSchema(Schema):
    fee_overdue_blocks_bookings = fields.Boolean(load_default=None)
    fee_grace_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=365, error=N_("Between 0 and 365 days.")))


class ConfirmPaymentSchema(Schema):
    payment_id = fields.String(required=True)
    payment_method_id = TrimmedString(**PAYMENT_METHOD)
