"""Input schemas of the organisations slice."""
from marshmallow import Schema, fields, validate

from app.api.validation import MinorUnits, TrimmedString
from app.errors import N_
from models import OrganizationKind

NAME = validate.Length(min=1, max=160, error=N_("Enter a name."))


class OrganizationSchema(Schema):
    name = TrimmedString(required=True, validate=NAME)
    kind = fields.Enum(OrganizationKind, load_default=OrganizationKind.FIRM)
    siret = TrimmedString(validate=validate.Length(max=20))
    town = TrimmedString(validate=validate.Length(max=120))
    address = TrimmedString(validate=validate.Length(max=300))
    credit_limit = MinorUnits(positive=False, load_default=0)


class UpdateOrganizationSchema(Schema):
    name = TrimmedString(validate=NAME)
    kind = fields.Enum(OrganizationKind)
    siret = TrimmedString(validate=validate.Length(max=20))
    town = TrimmedString(validate=validate.Length(max=120))
    address = TrimmedString(validate=validate.Length(max=300))


class MemberRightsSchema(Schema):
    can_book = fields.Boolean(load_default=False)
    can_pay = fields.Boolean(load_default=False)
    can_handle_invoices = fields.Boolean(load_default=False)
    can_list_resources = fields.Boolean(load_default=False)
    can_provide_skills = fields.Boolean(load_default=False)
    # Absent (null): no cap. "0" is a cap of nothing.
    booking_cap = MinorUnits(positive=False, load_default=None)
    monthly_cap = MinorUnits(positive=False, load_default=None)
