"""Input schemas of the auth slice."""
from marshmallow import Schema, fields, validate

from app.api.validation import MinorUnits, TrimmedString
from app.errors import N_
from models import OrganizationKind, Role

PASSWORD_MIN_LENGTH = 10


class LoginSchema(Schema):
    email = TrimmedString(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=1000))


def email_field() -> fields.Email:
    return fields.Email(
        required=True,
        validate=validate.Length(max=254),
        error_messages={"invalid": N_("Enter a valid email address.")},
    )


def password_field() -> fields.String:
    """A new password: long enough, and not absurdly long (Argon2 hashes all of it)."""
    return fields.String(
        required=True,
        validate=validate.Length(
            min=PASSWORD_MIN_LENGTH,
            max=1000,
            error=N_("The password must have at least 10 characters."),
        ),
    )


class CreateMemberSchema(Schema):
    email = email_field()
    name = TrimmedString(
        required=True, validate=validate.Length(min=1, max=160, error=N_("Enter a name."))
    )
    password = password_field()
    role = fields.Enum(Role, load_default=Role.MEMBER)
    language = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))
    organization_name = TrimmedString(validate=validate.Length(max=160))
    organization_kind = fields.Enum(OrganizationKind, load_default=OrganizationKind.FIRM)
    siret = TrimmedString(validate=validate.Length(max=20))
    credit_limit = MinorUnits(positive=False, load_default=0)


class CreateApiTokenSchema(Schema):
    name = TrimmedString(
        required=True, validate=validate.Length(min=1, max=100, error=N_("Give the token a name."))
    )


class UpdateProfileSchema(Schema):
    name = TrimmedString(validate=validate.Length(min=1, max=160, error=N_("Enter a name.")))
    language = fields.String(validate=validate.OneOf(["fr", "en"]))


class InviteMemberSchema(Schema):
    email = email_field()
    name = TrimmedString(
        required=True, validate=validate.Length(min=1, max=160, error=N_("Enter a name."))
    )
    role = fields.Enum(Role, load_default=Role.MEMBER)
    language = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class RequestPasswordResetSchema(Schema):
    email = TrimmedString(required=True, validate=validate.Length(min=1, max=254, error=N_("Enter your email address.")))


class SetPasswordSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(max=200))
    password = password_field()


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=1000))
    new_password = password_field()
