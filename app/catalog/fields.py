"""A resource's editable fields, declared once.

The fields of the Resource type, the GraphQL inputs (createResource, updateResource), the
marshmallow schema that validates them, the service's set of editable attributes and the web
form's mapping are all built from FIELDS. A new rule of a resource touches the model, its
migration, this tuple, the form's template and the page's operation (ResourceDetail.graphql)."""
import enum
from dataclasses import dataclass
from typing import Any, Optional


class Kind(enum.Enum):
    TEXT = "text"  # a trimmed string; a form sends it as typed
    MONEY = "money"  # a Decimal string in, integer cents stored
    COUNT = "count"  # an integer
    HOURS = "hours"  # minutes in the API, whole hours in the form
    FLAG = "flag"  # a boolean, a checkbox in the form
    UNIT = "unit"  # the price unit (PriceUnit)
    OPENING_HOURS = "opening_hours"  # weekly spans, one pair of time inputs per weekday


@dataclass(frozen=True)
class ResourceField:
    name: str  # the model's attribute and the schema's key (snake_case; camelCase in the API)
    kind: Kind
    low: Optional[int] = None  # COUNT, HOURS (in minutes): the allowed range
    high: Optional[int] = None
    max_length: Optional[int] = None  # TEXT
    clearable: bool = False  # 0 (or an empty list) clears the rule: stored as None, "no limit"
    blank: Any = None  # what the form sends for an empty field (None: leave the field out)
    form_name: Optional[str] = None  # the form input's name, when it is not `name`
    description: Optional[str] = None  # for the API's inputs
    shown_as: Optional[str] = None  # the description of the Resource type's field
    currency: Optional[str] = None  # MONEY: a currency other than the hub's credits
    required_on_create: bool = False  # asked by createResource, optional in updateResource

    @property
    def form(self) -> str:
        return self.form_name or self.name

    @property
    def api_name(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(word.capitalize() for word in rest)

    def none_value(self) -> Any:
        """What a None from a caller sets: "no rule" for what can be cleared, the empty text
        for texts, else the default is kept (the marker KEEP)."""
        if self.clearable or self.kind == Kind.OPENING_HOURS:
            return None
        if self.kind == Kind.TEXT and not self.required_on_create:
            return ""
        return KEEP


KEEP = object()

T, M, C, H = Kind.TEXT, Kind.MONEY, Kind.COUNT, Kind.HOURS

FIELDS: tuple[ResourceField, ...] = (
    ResourceField("title", T, max_length=160, required_on_create=True),
    ResourceField("description", T, max_length=5000),
    ResourceField("price", M, description='Credits per price unit, e.g. "20.00".', shown_as="Price per price unit, in credits."),
    ResourceField("price_unit", Kind.UNIT),
    ResourceField("capacity", C, 1, 1000),
    ResourceField("deposit", M, clearable=True, blank="0", currency="EUR", description='Euros, e.g. "300.00"; "0" for none.',
                  shown_as="Euro deposit asked on equipment, if any."),
    ResourceField("category", T, max_length=80),
    ResourceField("address", T, max_length=200),
    ResourceField("town", T, max_length=120),
    ResourceField("condition", T, max_length=500),
    ResourceField("min_duration_minutes", H, 0, 525600, clearable=True, blank=0, form_name="min_duration",
                  description="0 for no minimum."),
    ResourceField("max_duration_minutes", H, 0, 525600, clearable=True, blank=0, form_name="max_duration",
                  description="0 for no maximum."),
    ResourceField("max_advance_days", C, 0, 3650),
    ResourceField("min_notice_hours", C, 0, 8760, blank=0,
                  description="Book at least this many hours ahead (0: no notice).",
                  shown_as="Bookings start at least this many hours after they are made (0: no notice)."),
    ResourceField("buffer_minutes", C, 0, 10080),
    ResourceField("opening_hours", Kind.OPENING_HOURS,
                  description="Empty or null: bookable at any hour. When editing, replaces the opening hours."),
    ResourceField("approval_required", Kind.FLAG),
    ResourceField("free_cancellation_hours", C, 0, 8760),
    ResourceField("late_cancellation_fee_percent", C, 0, 100),
    ResourceField("late_fee_per_day", M, blank="0"),
    ResourceField("maintenance_every_loans", C, 0, 1000, clearable=True, blank=0,
                  description="Close the calendar for maintenance after every N loans (0: never)."),
    ResourceField("maintenance_minutes", H, 15, 43200, form_name="maintenance_hours",
                  description="Length of that maintenance block (default 24 h)."),
)

BY_NAME = {f.name: f for f in FIELDS}
EDITABLE = frozenset(BY_NAME)
