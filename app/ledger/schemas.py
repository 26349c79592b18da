"""Input schemas of the ledger: amounts as Decimal strings, memos and keys within their columns."""
from marshmallow import Schema, fields, validate

from app.api.validation import MinorUnits, TrimmedString
from app.errors import N_

MEMO_TOO_LONG = N_("The memo is limited to 500 characters.")


class TransferSchema(Schema):
    amount = MinorUnits(required=True)
    memo = TrimmedString(load_default="", validate=validate.Length(max=500, error=MEMO_TOO_LONG))
    idempotency_key = TrimmedString(
        validate=validate.Length(min=1, max=100, error=N_("An idempotency key has 1 to 100 characters."))
    )


class SetCreditLimitSchema(Schema):
    credit_limit = MinorUnits(required=True, positive=False)
    balance_cap = MinorUnits()  # only when a cap is given: None (no cap) never reaches the schema
    reason = TrimmedString(
        load_default="", validate=validate.Length(max=500, error=N_("The reason is limited to 500 characters."))
    )


class ReverseTransferSchema(Schema):
    memo = TrimmedString(load_default="", validate=validate.Length(max=500, error=MEMO_TOO_LONG))


class LedgerSettingsSchema(Schema):
    # A percentage with two decimals is a whole number of basis points: "1.50" -> 150.
    transfer_fee_percent = MinorUnits(positive=False)
    transfer_fee_minimum = MinorUnits(positive=False)
    warning_level_percent = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=100, error=N_("The warning level is between 1 and 100 %."))
    )
