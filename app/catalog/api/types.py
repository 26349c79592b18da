"""GraphQL types of the catalogue: resources and what they show (photos, closures, the
calendar), bookings, waitlist entries, notices and series. Related rows come from the
per-page loaders (`loaders`), never one by one."""
import datetime as dt
import operator
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from flask import url_for

from app.api.context import Info
from app.api.errors import UserError, to_user_errors
from app.api.relay import Node, QueryError, provided, to_global_id
from app.api.scalars import Money, money
from app.auth.api import MemberType, OrganizationType, RatingSummary
from app.catalog import booking_rules, calendar
from app.catalog.api.loaders import BookingBatch, ResourceBatch, ResourcesOf
from app.catalog.api.photo_types import DamagePhotoType, PhotoType
from app.catalog.fields import FIELDS, Kind, ResourceField
from app.hub import cancel_grace, hub_zone
from models import (
    Booking,
    BookingStatus,
    ClosureKind,
    PriceUnit,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourceStatus,
    SkillDelivery,
    SkillPricing,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)

if TYPE_CHECKING:
    from app.payments.api.types import PaymentType

ResourceKindEnum = strawberry.enum(ResourceKind, name="ResourceKind")
PriceUnitEnum = strawberry.enum(PriceUnit, name="PriceUnit")
ResourceStatusEnum = strawberry.enum(ResourceStatus, name="ResourceStatus")
BookingStatusEnum = strawberry.enum(BookingStatus, name="BookingStatus")
ClosureKindEnum = strawberry.enum(ClosureKind, name="ClosureKind")
PeriodStateEnum = strawberry.enum(calendar.PeriodState, name="AvailabilityState")
WaitlistStatusEnum = strawberry.enum(WaitlistStatus, name="WaitlistStatus")
SkillPricingEnum = strawberry.enum(SkillPricing, name="SkillPricing", description="How a skill offer is priced.")
SkillDeliveryEnum = strawberry.enum(SkillDelivery, name="SkillDelivery", description="Where a skill offer is delivered.")

MAX_AVAILABILITY_WINDOW = dt.timedelta(days=93)


def feed_url(token: str) -> str:
    """The private iCalendar URL of a feed."""
    return url_for("catalog.ical_feed", token=token, _external=True)


@strawberry.type
class TimeSlot:
    start: dt.datetime
    end: dt.datetime


@strawberry.type
class AvailabilityPeriod:
    start: dt.datetime
    end: dt.datetime
    state: PeriodStateEnum
    free_capacity: int = strawberry.field(description="Units still free over the whole period.")


@strawberry.type
class OpeningSpan:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday")
    opens: str
    closes: str


@strawberry.type(name="ResourceClosure")
class ClosureType(Node):
    kind: ClosureKindEnum
    start: dt.datetime
    end: dt.datetime
    reason: str

    @classmethod
    def from_model(cls, closure: ResourceClosure) -> "ClosureType":
        return cls(id=to_global_id("ResourceClosure", closure.id), kind=closure.kind, start=closure.start,
                   end=closure.end, reason=closure.reason)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_window(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise QueryError("Dates and times must include their offset from UTC.")
    if end <= start:
        raise QueryError("The end of the window must be after its start.")
    if end - start > MAX_AVAILABILITY_WINDOW:
        raise QueryError("The window is at most 93 days long.")


def _slot_start(after: Optional[dt.datetime]) -> dt.datetime:
    """Where nextFreeSlot looks from: `after` (default: the next full hour, nobody books "from
    06:28"), never in the past, rounded up to the minute so that a page shares one computation."""
    if after is None:
        after = utcnow().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    after = max(after, utcnow())
    if after.second or after.microsecond:
        after = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return after


_OUTPUT_TYPE = {Kind.TEXT: str, Kind.COUNT: int, Kind.HOURS: int, Kind.FLAG: bool, Kind.UNIT: PriceUnitEnum}
_PLAIN = [spec for spec in FIELDS if spec.kind in _OUTPUT_TYPE]


def _money_field(spec: ResourceField):
    def resolve(self) -> Money:
        value = getattr(self.model, spec.name)
        return None if value is None else money(value, spec.currency)

    resolve.__annotations__["return"] = Optional[Money] if spec.clearable else Money
    return strawberry.field(resolver=resolve, description=spec.shown_as)


def _editable_fields():
    """A resource's editable fields as the Resource type shows them (opening hours aside)."""
    namespace = {spec.name: _money_field(spec) for spec in FIELDS if spec.kind is Kind.MONEY}
    namespace["__annotations__"] = {
        spec.name: Optional[_OUTPUT_TYPE[spec.kind]] if spec.clearable else _OUTPUT_TYPE[spec.kind] for spec in _PLAIN
    }
    return strawberry.type(type("ResourceFields", (Node,), namespace))


@strawberry.type(name="Resource")
class ResourceType(_editable_fields()):
    kind: ResourceKindEnum
    status: ResourceStatusEnum
    model: strawberry.Private[Resource]
    batch: strawberry.Private[ResourceBatch]

    @classmethod
    def from_model(cls, resource: Resource, batch: Optional[ResourceBatch] = None) -> "ResourceType":
        # Not through the dataclass's __init__: the model's columns are read when asked (below).
        node = cls.__new__(cls)
        node.id, node.model, node.batch = to_global_id("Resource", resource.id), resource, batch or ResourceBatch([resource])
        return node

    @staticmethod
    def page(rows: list[Resource]) -> list["ResourceType"]:
        batch = ResourceBatch(rows)
        return [ResourceType.from_model(r, batch) for r in rows]

    @staticmethod
    def columns_read_by(fields: Optional[set[str]]) -> Optional[tuple[str, ...]]:
        """The columns of the model that these fields read, or None for the whole model: a
        field not in COLUMNS_OF_FIELDS, or no list of fields (a fragment)."""
        if fields is None or not fields <= COLUMNS_OF_FIELDS.keys():
            return None
        return tuple(sorted({c for f in fields for c in COLUMNS_OF_FIELDS[f]}))

    @staticmethod
    def search_page(rows: list, models: bool) -> list["ResourceType"]:
        """A page of app.catalog.queries.search's rows: (model, owner's name), or (without
        `models`) rows of the asked columns, which the nodes read as they would the model."""
        resources = [row[0] for row in rows] if models else rows
        batch = ResourceBatch(resources, {r.owner_organization_id: row.owner_name for r, row in zip(resources, rows, strict=True)})
        return [ResourceType.from_model(r, batch) for r in resources]

    @strawberry.field(description="The owning organisation; null for the hub's shared pool.")
    def owner(self, info: Info) -> Optional[OrganizationType]:
        org = self.batch.owner(info.context.session, self.model)
        return OrganizationType.from_model(org) if org else None

    owner_name: str = strawberry.field(description="The owner's name, or the hub's pool.")  # a property (below)

    @strawberry.field
    def hub_pool(self) -> bool:
        return self.model.owner_organization_id is None

    @strawberry.field(description="Opening hours (hub time); empty when bookable at any hour.")
    def opening_hours(self) -> list[OpeningSpan]:
        hours = calendar.parse_opening_hours(self.model.opening_hours) or {}
        return [
            OpeningSpan(weekday=day + 1, opens=_hhmm(a), closes=_hhmm(b))
            for day in sorted(hours) for a, b in hours[day]
        ]

    @strawberry.field(description="The calendar over [from, to) (at most 93 days) as consecutive periods.")
    def availability(
        self, info: Info, from_: Annotated[dt.datetime, strawberry.argument(name="from")], to: dt.datetime
    ) -> list[AvailabilityPeriod]:
        _check_window(from_, to)
        start, end = from_.astimezone(dt.timezone.utc), to.astimezone(dt.timezone.utc)
        usages, closures = self.batch.calendar(info.context.session, start, end)
        periods = calendar.availability_periods(
            usages[self.model.id], closures[self.model.id], self.model.capacity, self.model.opening_hours,
            hub_zone(), start, end, bookable=self.model.status == ResourceStatus.AVAILABLE,
        )
        return [
            AvailabilityPeriod(start=p.start, end=p.end, state=p.state, free_capacity=p.free_capacity)
            for p in periods
        ]

    @strawberry.field(description="The first free slot at or after `after` (default now) lasting `durationMinutes` (default one price unit), within 60 days.")
    def next_free_slot(self, info: Info, after: Optional[dt.datetime] = None,
                       duration_minutes: Optional[int] = None) -> Optional[TimeSlot]:
        if duration_minutes is not None and not 1 <= duration_minutes <= 60 * 24 * 31:
            raise QueryError("`durationMinutes` must be between 1 and 44640.")
        duration = dt.timedelta(minutes=duration_minutes) if duration_minutes else None
        slot = self.batch.next_free(info.context.session, _slot_start(after), duration).get(self.model.id)
        return TimeSlot(start=slot.start, end=slot.end) if slot else None

    @strawberry.field(description="Photos, first one first.")
    def photos(self, info: Info) -> list[PhotoType]:
        return [PhotoType.of(*row) for row in self.batch.photos(info.context.session, self.model.id)]

    @strawberry.field(description="Whether the viewer may edit this resource and manage its bookings.")
    def can_manage(self, info: Info) -> bool:
        return self.batch.can_manage(info.context.session, info.context.viewer, self.model)

    @strawberry.field(description="The private iCalendar URL of this resource, for the manager who made one.")
    def calendar_feed_url(self, info: Info) -> Optional[str]:
        viewer = info.context.viewer
        if not self.batch.can_manage(info.context.session, viewer, self.model):
            return None
        token = self.batch.feed_tokens(info.context.session, viewer.id).get(self.model.id)
        return feed_url(token) if token else None

    @strawberry.field(description="How a skill offer is priced (by the hour, per job, on quote); null for tools and workspaces.")
    def pricing(self, info: Info) -> Optional[SkillPricingEnum]:
        if self.model.kind != ResourceKind.SKILL:
            return None
        offer = self.batch.skill_offer(info.context.session, self.model.id)
        return offer.pricing if offer else SkillPricing.HOURLY

    @strawberry.field(description="Where a skill offer is delivered; null for tools and workspaces.")
    def delivery(self, info: Info) -> Optional[SkillDeliveryEnum]:
        if self.model.kind != ResourceKind.SKILL:
            return None
        offer = self.batch.skill_offer(info.context.session, self.model.id)
        return offer.delivery if offer else SkillDelivery.ON_SITE

    @strawberry.field(description="A skill offer that is a training, booked by the seats of its sessions.")
    def is_training(self, info: Info) -> bool:
        offer = self.batch.skill_offer(info.context.session, self.model.id) if self.model.kind == ResourceKind.SKILL else None
        return bool(offer and offer.is_training)

    @strawberry.field(description="The clients' ratings of a skill offer (none for tools and workspaces).")
    def rating(self, info: Info) -> RatingSummary:
        return RatingSummary.of(self.batch.rating(info.context.session, self.model.id))

    @strawberry.field(description="Closures from now on (owners and members alike see them).")
    def closures(self, info: Info) -> list[ClosureType]:
        return [ClosureType.from_model(c) for c in self.batch.closures(info.context.session, self.model.id)]


# A Resource's plain fields read its model when a query asks for them, rather than being copied
# from it whenever a node is built: pages build nodes by the dozen, and queries ask for a few
# fields (so that a page may load only the columns it is asked for).
for _name in ("kind", "status", *(spec.name for spec in _PLAIN)):
    setattr(ResourceType, _name, property(operator.attrgetter(f"model.{_name}")))


# The model's columns that each of these fields of a Resource reads: a page asked for these
# fields only reads those columns, as rows, not models (ResourceType.search_page). Any other
# field needs the model. A column missed here fails loudly: the row has no such attribute.
COLUMNS_OF_FIELDS: dict[str, tuple[str, ...]] = {
    "__typename": (), "id": (), "ownerName": (), "hubPool": (), "kind": ("kind",), "status": ("status",),
    **{spec.api_name: (spec.name,) for spec in FIELDS if spec.kind in _OUTPUT_TYPE or spec.kind is Kind.MONEY},
}


def _owner_name(node: ResourceType) -> str:
    # A property read as a plain field, not a resolver: strawberry's call of a resolver cost
    # several times the lookup, on each resource of a page.
    return node.batch.owner_name(node.model)


ResourceType.owner_name = property(_owner_name)


def _resource_of(info: Info, batch: ResourcesOf, resource_id: int) -> ResourceType:
    resource = batch.resource(info.context.session, resource_id)
    return ResourceType.from_model(resource, batch.batch)


@strawberry.type(name="Booking")
class BookingType(Node):
    start: dt.datetime
    end: dt.datetime
    quantity: int
    status: BookingStatusEnum
    note: str
    decision_reason: str
    checkout_note: str
    return_note: str
    damage_reported: bool
    created_at: dt.datetime
    checked_out_at: Optional[dt.datetime]
    returned_at: Optional[dt.datetime]
    model: strawberry.Private[Booking]
    batch: strawberry.Private[BookingBatch]

    @strawberry.field(description="Left on account: invoiced to the booker when due, no credit held.")
    def on_account(self) -> bool:
        return self.model.on_account

    @classmethod
    def from_model(cls, booking: Booking, batch: Optional[BookingBatch] = None) -> "BookingType":
        return cls(
            id=to_global_id("Booking", booking.id), start=booking.start, end=booking.end,
            quantity=booking.quantity, status=booking.status, note=booking.note,
            decision_reason=booking.decision_reason, checkout_note=booking.checkout_note,
            return_note=booking.return_note, damage_reported=booking.damage_reported,
            created_at=booking.created_at, checked_out_at=booking.checked_out_at,
            returned_at=booking.returned_at, model=booking,
            batch=batch or BookingBatch([booking]),
        )

    @staticmethod
    def page(rows: list[Booking]) -> list["BookingType"]:
        batch = BookingBatch(rows)
        return [BookingType.from_model(b, batch) for b in rows]

    @strawberry.field(description="Fixed at booking time.")
    def price(self) -> Money:
        return money(self.model.price)

    @strawberry.field(description="Whether this booking is one date of a weekly series.")
    def in_series(self) -> bool:
        return self.model.series_id is not None

    @strawberry.field
    def cancellation_fee(self) -> Money:
        return money(self.model.cancellation_fee)

    @strawberry.field
    def late_fee(self) -> Money:
        return money(self.model.late_fee)

    @strawberry.field
    def resource(self, info: Info) -> ResourceType:
        return _resource_of(info, self.batch, self.model.resource_id)

    @strawberry.field
    def booker(self, info: Info) -> MemberType:
        return MemberType.from_model(self.batch.member(info.context.session, self.model.booker_id))

    @strawberry.field(description="The euro deposit secured for this booking (the latest attempt), if any.")
    def deposit(self, info: Info) -> Optional[Annotated["PaymentType", strawberry.lazy("app.payments.api.types")]]:
        return provided("Booking.deposit", info, self.model, self.batch.rows)

    @strawberry.field(description="What cancelling now would cost the booker.")
    def cancellation_fee_if_cancelled_now(self, info: Info) -> Money:
        resource = self.batch.resource(info.context.session, self.model.resource_id)
        return money(booking_rules.cancellation_fee(self.model, resource, utcnow(), cancel_grace()))

    @strawberry.field(description="The free cancellation deadline: the resource's notice before the start, "
                      "or the grace period after the booking was confirmed, whichever is later.")
    def free_cancellation_until(self, info: Info) -> dt.datetime:
        resource = self.batch.resource(info.context.session, self.model.resource_id)
        return booking_rules.free_cancellation_until(
            resource, self.model.start, booking_rules.confirmed_at(self.model), cancel_grace()
        )

    @strawberry.field(description="A loan still out after its end.")
    def overdue(self) -> bool:
        return booking_rules.is_overdue(self.model, utcnow())

    @strawberry.field(description="For an overdue loan: the late fee if it came back now (it grows each day started).")
    def late_fee_if_returned_now(self, info: Info) -> Money:
        resource = self.batch.resource(info.context.session, self.model.resource_id)
        return money(booking_rules.late_fee_so_far(self.model, resource, utcnow()))

    @strawberry.field(description="Photos of the damage found at the return.")
    def damage_photos(self, info: Info) -> list[DamagePhotoType]:
        return [DamagePhotoType.of(*row) for row in self.batch.damage_photos(info.context.session, self.model.id)]


@strawberry.type(name="WaitlistEntry")
class WaitlistEntryType(Node):
    start: dt.datetime
    end: dt.datetime
    quantity: int
    status: WaitlistStatusEnum
    created_at: dt.datetime
    model: strawberry.Private[WaitlistEntry]
    batch: strawberry.Private[ResourcesOf]

    @classmethod
    def page(cls, rows: list[WaitlistEntry]) -> list["WaitlistEntryType"]:
        batch = ResourcesOf(rows)
        return [
            cls(id=to_global_id("WaitlistEntry", e.id), start=e.start, end=e.end, quantity=e.quantity,
                status=e.status, created_at=e.created_at, model=e, batch=batch)
            for e in rows
        ]

    @strawberry.field
    def resource(self, info: Info) -> ResourceType:
        return _resource_of(info, self.batch, self.model.resource_id)


@strawberry.type
class SeriesOccurrence:
    start: dt.datetime
    end: dt.datetime
    available: bool
    problem: Optional[UserError] = strawberry.field(description="Why this date cannot be booked.")

    @classmethod
    def of(cls, occurrence) -> "SeriesOccurrence":
        problem = occurrence.problem
        return cls(start=occurrence.start, end=occurrence.end, available=problem is None,
                   problem=to_user_errors(problem)[0] if problem is not None else None)


@strawberry.type
class SeriesPreview:
    occurrences: list[SeriesOccurrence]
    errors: list[UserError]


@strawberry.type
class Facets:
    categories: list[str]
    towns: list[str]
