"""Input schemas of the federation: amounts as Decimal strings, texts within their columns."""
from marshmallow import Schema, validate

from app.api.validation import MinorUnits, TrimmedString
from app.errors import N_
from app.invoices.schemas import DateField


class RegisterPeerSchema(Schema):
    hub_id = TrimmedString(required=True)
    name = TrimmedString(required=True)
    base_url = TrimmedString(required=True)
    public_key = TrimmedString(required=True)
    rate = TrimmedString(load_default="1")
    limit_granted = MinorUnits(load_default=0, positive=False)


class UpdatePeerSchema(Schema):
    rate = TrimmedString()
    limit_granted = MinorUnits(positive=False)
    base_url = TrimmedString()
    public_key = TrimmedString()


class PayMemberOfPeerSchema(Schema):
    to_account_ref = TrimmedString(required=True)
    amount = MinorUnits(required=True)
    memo = TrimmedString(load_default="", validate=validate.Length(max=500, error=N_("The memo is limited to 500 characters.")))
    idempotency_key = TrimmedString()


class IssuePeerInvoiceSchema(Schema):
    debtor_ref = TrimmedString(required=True)
    amount = MinorUnits(required=True)
    memo = TrimmedString(load_default="", validate=validate.Length(max=500, error=N_("The memo is limited to 500 characters.")))
    due_date = DateField(load_default=None)


class PayPeerInvoiceSchema(Schema):
    amount = MinorUnits(load_default=None)
    idempotency_key = TrimmedString(load_default=None)
