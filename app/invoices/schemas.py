"""Input schemas of the invoices."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate

from app.api.validation import MinorUnits, TrimmedString
from app.errors import N_
from app.hub import KEY_LENGTH, MEMO_LENGTH


class DateField(fields.Field):
    """A date from the GraphQL Date scalar (already a date) or an ISO string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(N_("Enter a date such as 2026-12-31.")) from None


class IssueInvoiceSchema(Schema):
    # An empty id is a choice not made yet, not an account that does not exist.
    debtor_account_id = fields.String(
        required=True, validate=validate.Length(min=1, error=N_("Choose the member or organisation to bill.")),
    )
    amount = MinorUnits(required=True)
    memo = TrimmedString(load_default="", validate=validate.Length(max=MEMO_LENGTH, error=N_("At most 500 characters.")))
    due_date = DateField(load_default=None)


class PayInvoiceSchema(Schema):
    invoice_id = fields.String(required=True)
    amount = MinorUnits(load_default=None)
    idempotency_key = TrimmedString(validate=validate.Length(min=1, max=KEY_LENGTH), load_default=None)


class CancelInvoiceSchema(Schema):
    invoice_id = fields.String(required=True)
    reason = TrimmedString(load_default="", validate=validate.Length(max=MEMO_LENGTH, error=N_("At most 500 characters.")))


class CorrectInvoiceSchema(Schema):
    invoice_id = fields.String(required=True)
    reason = TrimmedString(required=True, validate=validate.Length(max=MEMO_LENGTH, error=N_("At most 500 characters.")))
    amount = MinorUnits(load_default=None)
    due_date = DateField(load_default=None)
    memo = TrimmedString(load_default=None, validate=validate.Length(max=MEMO_LENGTH, error=N_("At most 500 characters.")))
