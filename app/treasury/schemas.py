"""Input schemas of the treasury."""
from marshmallow import Schema, fields, validate

from app.errors import N_


class PeriodSchema(Schema):
    month = fields.String(
        required=True,
        validate=validate.Regexp(r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$", error=N_("Enter a month such as 2026-10.")),
    )
