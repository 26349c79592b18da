"""GraphQL types and operations of the catalogue and bookings.

Lists never load related rows one by one: every ResourceType/BookingType of a page shares a
batch object that loads owners, calendars and next free slots for the whole page at once, so
the number of SQL statements does not grow with the page size."""
import datetime as dt
import enum
from typing import Annotated, Optional

import sqlalchemy as sa
import strawberry

from app import permissions
from app.api.context import Info
from app.api.errors import UserError, to_user_errors
from app.api.mutations import mutation_payload
from app.api.permissions import require, require_for_query
from app.api.relay import Connection, Node, QueryError, decode_id, paginate, preload, to_global_id
from app.api.scalars import Money, money
from app.api.validation import load
from app.auth.api import MemberType, OrganizationType
from app.catalog import bookings as booking_services
from app.catalog import calendar, schemas, services
from app.errors import N_, DomainError, ErrorCode
from app.hub import hub_zone, to_minor_units
from models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    ClosureKind,
    Member,
    Notification,
    Organization,
    PriceUnit,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourcePhoto,
    ResourceStatus,
    Role,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)
from models.catalog import ACTIVE_STATUS_VALUES

ResourceKindEnum = strawberry.enum(ResourceKind, name="ResourceKind")
PriceUnitEnum = strawberry.enum(PriceUnit, name="PriceUnit")
ResourceStatusEnum = strawberry.enum(ResourceStatus, name="ResourceStatus")
BookingStatusEnum = strawberry.enum(BookingStatus, name="BookingStatus")
ClosureKindEnum = strawberry.enum(ClosureKind, name="ClosureKind")
PeriodStateEnum = strawberry.enum(calendar.PeriodState, name="AvailabilityState")

MAX_AVAILABILITY_WINDOW = dt.timedelta(days=93)


@strawberry.enum
class FutureBookingsChoice(enum.Enum):
    KEEP = "KEEP"
    CANCEL = "CANCEL"


@strawberry.enum
class BookingScope(enum.Enum):
    UPCOMING = "UPCOMING"
    PAST = "PAST"
    ALL = "ALL"


@strawberry.enum
class OwnerBookingView(enum.Enum):
    REQUESTS = "REQUESTS"
    CHECK_OUTS_TODAY = "CHECK_OUTS_TODAY"
    RETURNS_DUE = "RETURNS_DUE"
    TO_COMPLETE = "TO_COMPLETE"
    UPCOMING = "UPCOMING"
    PAST = "PAST"


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


@strawberry.type(name="ResourcePhoto")
class PhotoType(Node):
    url: str
    thumbnail_url: str
    width: int
    height: int

    @classmethod
    def of(cls, pk: int, width: int, height: int) -> "PhotoType":
        from flask import url_for

        gid = to_global_id("ResourcePhoto", pk)
        return cls(id=gid, url=url_for("catalog.photo", photo_id=gid), width=width, height=height,
                   thumbnail_url=url_for("catalog.photo", photo_id=gid, size="thumb"))


@strawberry.type(name="ResourceClosure")
class ClosureType(Node):
    kind: ClosureKindEnum
    start: dt.datetime
    end: dt.datetime
    reason: str


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_window(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise QueryError("Dates and times must include their offset from UTC.")
    if end <= start:
        raise QueryError("The end of the window must be after its start.")
    if end - start > MAX_AVAILABILITY_WINDOW:
        raise QueryError("The window is at most 93 days long.")


class ResourceBatch:
    """The resources of one page, and what their fields need, loaded once for all of them."""

    def __init__(self, resources: list[Resource]):
        self.resources = resources
        self.ids = [r.id for r in resources]
        self._owners: Optional[dict[int, Organization]] = None
        self._calendars: dict = {}
        self._next: dict = {}
        self._managed: Optional[set[int]] = None
        self._photos: Optional[dict[int, list]] = None
        self._closures: Optional[dict[int, list]] = None
        self._feeds: Optional[dict[int, str]] = None

    def closures(self, session, resource_id: int) -> list:
        """Closures from now on of every resource of the page, in one query."""
        if self._closures is None:
            self._closures = {i: [] for i in self.ids}
            rows = session.scalars(
                sa.select(ResourceClosure)
                .where(ResourceClosure.resource_id.in_(self.ids), ResourceClosure.end > utcnow())
                .order_by(ResourceClosure.start)
            ) if self.ids else []
            for closure in rows:
                self._closures[closure.resource_id].append(closure)
        return self._closures.get(resource_id, [])

    def feed_tokens(self, session, member_id: int) -> dict[int, str]:
        """The viewer's calendar-feed tokens for the resources of the page, in one query."""
        if self._feeds is None:
            self._feeds = dict(session.execute(
                sa.select(CalendarFeed.resource_id, CalendarFeed.token)
                .where(CalendarFeed.member_id == member_id, CalendarFeed.resource_id.in_(self.ids))
            ).all()) if self.ids else {}
        return self._feeds

    def photos(self, session, resource_id: int) -> list:
        if self._photos is None:
            self._photos = {i: [] for i in self.ids}
            rows = session.execute(
                sa.select(ResourcePhoto.id, ResourcePhoto.resource_id, ResourcePhoto.width, ResourcePhoto.height)
                .where(ResourcePhoto.resource_id.in_(self.ids)).order_by(ResourcePhoto.id)
            ) if self.ids else []
            for pk, rid, width, height in rows:
                self._photos[rid].append(PhotoType.of(pk, width, height))
        return self._photos.get(resource_id, [])

    def owner(self, session, resource: Resource) -> Optional[Organization]:
        if self._owners is None:
            org_ids = {r.owner_organization_id for r in self.resources if r.owner_organization_id}
            rows = session.scalars(sa.select(Organization).where(Organization.id.in_(org_ids))).all() if org_ids else []
            self._owners = {o.id: o for o in rows}
            preload(session, Member, (o.manager_id for o in rows))  # for `owner { manager }`
        return self._owners.get(resource.owner_organization_id)

    def calendar(self, session, start: dt.datetime, end: dt.datetime):
        key = (start, end)
        if key not in self._calendars:
            # Bookings up to a day before the window, so their buffer is seen.
            self._calendars[key] = (
                booking_services.load_usages(session, self.ids, start, end),
                booking_services.load_closures(session, self.ids, start, end),
            )
        return self._calendars[key]

    def next_free(self, session, after: dt.datetime, duration: Optional[dt.timedelta]):
        key = (after, duration)
        if key not in self._next:
            self._next[key] = booking_services.next_free_slots(session, self.resources, after, duration, hub_zone())
        return self._next[key]

    def can_manage(self, info: Info, resource: Resource) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False
        if viewer.role == Role.ADMIN:
            return True
        if self._managed is None:
            self._managed = set(
                info.context.session.scalars(sa.select(Organization.id).where(Organization.manager_id == viewer.id))
            )
        return resource.owner_organization_id in self._managed


@strawberry.type(name="Resource")
class ResourceType(Node):
    kind: ResourceKindEnum
    title: str
    description: str
    category: str
    address: str
    town: str
    condition: str
    status: ResourceStatusEnum
    capacity: int
    price_unit: PriceUnitEnum
    approval_required: bool
    min_duration_minutes: Optional[int]
    max_duration_minutes: Optional[int]
    max_advance_days: int
    buffer_minutes: int
    free_cancellation_hours: int
    late_cancellation_fee_percent: int
    maintenance_every_loans: Optional[int]
    maintenance_minutes: int
    model: strawberry.Private[Resource]
    batch: strawberry.Private[ResourceBatch]

    @classmethod
    def from_model(cls, resource: Resource, batch: Optional[ResourceBatch] = None) -> "ResourceType":
        return cls(
            id=to_global_id("Resource", resource.id),
            kind=resource.kind, title=resource.title, description=resource.description,
            category=resource.category, address=resource.address, town=resource.town,
            condition=resource.condition, status=resource.status, capacity=resource.capacity,
            price_unit=resource.price_unit, approval_required=resource.approval_required,
            min_duration_minutes=resource.min_duration_minutes,
            max_duration_minutes=resource.max_duration_minutes,
            max_advance_days=resource.max_advance_days, buffer_minutes=resource.buffer_minutes,
            free_cancellation_hours=resource.free_cancellation_hours,
            late_cancellation_fee_percent=resource.late_cancellation_fee_percent,
            maintenance_every_loans=resource.maintenance_every_loans,
            maintenance_minutes=resource.maintenance_minutes,
            model=resource, batch=batch or ResourceBatch([resource]),
        )

    @staticmethod
    def page(rows: list[Resource]) -> list["ResourceType"]:
        batch = ResourceBatch(rows)
        return [ResourceType.from_model(r, batch) for r in rows]

    @strawberry.field(description="Price per price unit, in credits.")
    def price(self) -> Money:
        return money(self.model.price)

    @strawberry.field(description="Euro deposit asked on equipment, if any.")
    def deposit(self) -> Optional[Money]:
        return None if self.model.deposit is None else money(self.model.deposit, "EUR")

    @strawberry.field
    def late_fee_per_day(self) -> Money:
        return money(self.model.late_fee_per_day)

    @strawberry.field(description="The owning organisation; null for the hub's shared pool.")
    def owner(self, info: Info) -> Optional[OrganizationType]:
        org = self.batch.owner(info.context.session, self.model)
        return OrganizationType.from_model(org) if org else None

    @strawberry.field(description="The owner's name, or the hub's pool.")
    def owner_name(self, info: Info) -> str:
        org = self.batch.owner(info.context.session, self.model)
        return org.name if org else "Alvéole"

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
        if after is None:  # from the next full hour: nobody books "from 06:28"
            after = utcnow().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        after = max(after, utcnow())
        if duration_minutes is not None and not 1 <= duration_minutes <= 60 * 24 * 31:
            raise QueryError("`durationMinutes` must be between 1 and 44640.")
        duration = dt.timedelta(minutes=duration_minutes) if duration_minutes else None
        # Rounded up to the minute, so that the resources of one page share one computation.
        if after.second or after.microsecond:
            after = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        slot = self.batch.next_free(info.context.session, after, duration).get(self.model.id)
        return TimeSlot(start=slot.start, end=slot.end) if slot else None

    @strawberry.field(description="Photos, first one first.")
    def photos(self, info: Info) -> list[PhotoType]:
        return self.batch.photos(info.context.session, self.model.id)

    @strawberry.field(description="Whether the viewer may edit this resource and manage its bookings.")
    def can_manage(self, info: Info) -> bool:
        return self.batch.can_manage(info, self.model)

    @strawberry.field(description="The private iCalendar URL of this resource, for the manager who made one.")
    def calendar_feed_url(self, info: Info) -> Optional[str]:
        viewer = info.context.viewer
        if viewer is None or not self.batch.can_manage(info, self.model):
            return None
        token = self.batch.feed_tokens(info.context.session, viewer.id).get(self.model.id)
        return feed_url(token) if token else None

    @strawberry.field(description="Closures from now on (owners and members alike see them).")
    def closures(self, info: Info) -> list[ClosureType]:
        rows = self.batch.closures(info.context.session, self.model.id)
        return [
            ClosureType(id=to_global_id("ResourceClosure", c.id), kind=c.kind, start=c.start, end=c.end, reason=c.reason)
            for c in rows
        ]


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
    batch: strawberry.Private["BookingBatch"]

    @strawberry.field(description="Left on account: invoiced to the booker when due, no credit held.")
    def on_account(self) -> bool:
        return self.model.on_account

    @classmethod
    def from_model(cls, booking: Booking, batch: Optional["BookingBatch"] = None) -> "BookingType":
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
        return self.batch.resource(info.context.session, self.model.resource_id)

    @strawberry.field
    def booker(self, info: Info) -> MemberType:
        return MemberType.from_model(self.batch.member(info.context.session, self.model.booker_id))

    @strawberry.field(description="What cancelling now would cost the booker.")
    def cancellation_fee_if_cancelled_now(self, info: Info) -> Money:
        resource = self.batch.resource(info.context.session, self.model.resource_id).model
        return money(booking_services.cancellation_fee(self.model, resource, utcnow()))

    @strawberry.field(description="The free cancellation deadline.")
    def free_cancellation_until(self, info: Info) -> dt.datetime:
        resource = self.batch.resource(info.context.session, self.model.resource_id).model
        return self.model.start - dt.timedelta(hours=resource.free_cancellation_hours)


class BookingBatch:
    def __init__(self, bookings: list[Booking]):
        self.bookings = bookings
        self._resources: Optional[dict[int, ResourceType]] = None
        self._members: Optional[dict[int, Member]] = None

    def resource(self, session, resource_id: int) -> ResourceType:
        if self._resources is None:
            ids = {b.resource_id for b in self.bookings}
            rows = list(session.scalars(sa.select(Resource).where(Resource.id.in_(ids))))
            self._resources = {t.model.id: t for t in ResourceType.page(rows)}
        return self._resources[resource_id]

    def member(self, session, member_id: int) -> Member:
        if self._members is None:
            ids = {b.booker_id for b in self.bookings}
            self._members = {m.id: m for m in session.scalars(sa.select(Member).where(Member.id.in_(ids)))}
            # Their organisations too, for `booker { organization }`.
            preload(session, Organization, (m.organization_id for m in self._members.values()))
        return self._members[member_id]


# --- Node resolvers ------------------------------------------------------------------------


def resolve_resource_node(info: Info, pk: int) -> Optional[ResourceType]:
    resource = info.context.session.get(Resource, pk)
    return ResourceType.from_model(resource) if resource else None


def resolve_booking_node(info: Info, pk: int) -> Optional[BookingType]:
    session, viewer = info.context.session, info.context.viewer
    booking = session.get(Booking, pk) if viewer else None
    if booking is None:
        return None
    resource = session.get(Resource, booking.resource_id)
    if not permissions.can_see_booking(session, viewer, booking, resource):
        return None
    return BookingType.from_model(booking)


# --- Queries -------------------------------------------------------------------------------


@strawberry.type
class Facets:
    categories: list[str]
    towns: list[str]


def _wants_total(info: Info) -> bool:
    """Counting every match costs a second full query: only when the client asks for it."""
    for field in info.selected_fields:
        for selection in getattr(field, "selections", []):
            if getattr(selection, "name", None) == "totalCount":
                return True
            if not hasattr(selection, "name"):  # a fragment: look inside, or count to be safe
                return True
    return False


def _money_arg(value: Optional[str], name: str) -> Optional[int]:
    if value is None:
        return None
    try:
        return to_minor_units(value)
    except ValueError:
        raise QueryError(f"`{name}` must be an amount such as 12.50.")


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="The catalogue, by title. With availableFrom and availableTo: "
                      "only what is free over that whole window (for `quantity` units).")
    def resources(
        self, info: Info,
        kind: Optional[ResourceKindEnum] = None,
        search: Optional[str] = None,
        available_from: Optional[dt.datetime] = None,
        available_to: Optional[dt.datetime] = None,
        category: Optional[str] = None,
        town: Optional[str] = None,
        min_price: Optional[str] = None,
        max_price: Optional[str] = None,
        price_unit: Optional[PriceUnitEnum] = None,
        quantity: int = 1,
        hub_pool: Optional[bool] = None,
        owner_id: Optional[strawberry.ID] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[ResourceType]:
        if (available_from is None) != (available_to is None):
            raise QueryError("Give both `availableFrom` and `availableTo`, or neither.")
        if available_from is not None:
            if available_from.tzinfo is None or available_to.tzinfo is None:
                raise QueryError("Dates and times must include their offset from UTC.")
            if available_to <= available_from:
                raise QueryError("`availableTo` must be after `availableFrom`.")
        if not 1 <= quantity <= 1000:
            raise QueryError("`quantity` must be between 1 and 1000.")
        if search is not None and len(search) > 200:
            raise QueryError("`search` is at most 200 characters.")
        owner_pk = None
        if owner_id is not None:
            owner_pk = decode_id(owner_id, "Organization")
            if owner_pk is None:
                raise QueryError("`ownerId` is not an organisation id.")
        stmt = services.search_stmt(
            kind=kind, search=search, category=category, town=town,
            min_price=_money_arg(min_price, "minPrice"), max_price=_money_arg(max_price, "maxPrice"),
            price_unit=price_unit,
            available_from=available_from.astimezone(dt.timezone.utc) if available_from else None,
            available_to=available_to.astimezone(dt.timezone.utc) if available_to else None,
            quantity=quantity, owner_organization_id=owner_pk, hub_pool=hub_pool,
        )
        return paginate(info.context.session, stmt, first, after, ResourceType.page, with_count=_wants_total(info))

    @strawberry.field
    def resource(self, info: Info, id: strawberry.ID) -> Optional[ResourceType]:
        pk = decode_id(id, "Resource")
        return resolve_resource_node(info, pk) if pk is not None else None

    @strawberry.field(description="Categories and towns in use, for the catalogue's filters.")
    def catalogue_facets(self, info: Info) -> Facets:
        categories, towns = services.facets(info.context.session)
        return Facets(categories=categories, towns=towns)

    @strawberry.field(description="The resources the viewer manages (retired ones included).")
    def my_resources(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ResourceType]:
        viewer = require_for_query(info)
        session = info.context.session
        stmt = (
            sa.select(Resource)
            .where(permissions.managed_resource_filter(viewer))
            .order_by(Resource.status, Resource.title, Resource.id)
        )
        return paginate(session, stmt, first, after, ResourceType.page)

    @strawberry.field(description="The viewer's private iCalendar URL of their bookings, if they made one.")
    def my_calendar_feed_url(self, info: Info) -> Optional[str]:
        viewer = require_for_query(info)
        token = info.context.session.scalar(
            sa.select(CalendarFeed.token).where(CalendarFeed.member_id == viewer.id, CalendarFeed.resource_id.is_(None))
        )
        return feed_url(token) if token else None

    @strawberry.field(description="The viewer's bookings: upcoming ones soonest first, past ones latest first.")
    def my_bookings(self, info: Info, scope: BookingScope = BookingScope.UPCOMING,
                    first: Optional[int] = None, after: Optional[str] = None) -> Connection[BookingType]:
        viewer = require_for_query(info)
        now = utcnow()
        stmt = sa.select(Booking).where(Booking.booker_id == viewer.id)
        if scope == BookingScope.UPCOMING:
            stmt = stmt.where(Booking.end > now, Booking.status.in_(ACTIVE_STATUS_VALUES)).order_by(Booking.start, Booking.id)
        elif scope == BookingScope.PAST:
            stmt = stmt.where(sa.or_(Booking.end <= now, Booking.status.not_in(ACTIVE_STATUS_VALUES))).order_by(
                Booking.start.desc(), Booking.id.desc()
            )
        else:
            stmt = stmt.order_by(Booking.start.desc(), Booking.id.desc())
        return paginate(info.context.session, stmt, first, after, BookingType.page)

    @strawberry.field(description="Bookings of the resources the viewer manages, by what needs doing.")
    def managed_bookings(self, info: Info, view: OwnerBookingView = OwnerBookingView.UPCOMING,
                         resource_id: Optional[strawberry.ID] = None,
                         first: Optional[int] = None, after: Optional[str] = None) -> Connection[BookingType]:
        viewer = require_for_query(info)
        session = info.context.session
        now = utcnow()
        zone = hub_zone()
        today_end = dt.datetime.combine(now.astimezone(zone).date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        managed = sa.select(Resource.id).where(permissions.managed_resource_filter(viewer))
        stmt = sa.select(Booking).where(Booking.resource_id.in_(managed))
        if resource_id is not None:
            pk = decode_id(resource_id, "Resource")
            if pk is None:
                raise QueryError("`resourceId` is not a resource id.")
            stmt = stmt.where(Booking.resource_id == pk)
        order = (Booking.start, Booking.id)
        if view == OwnerBookingView.REQUESTS:
            stmt = stmt.where(Booking.status == BookingStatus.REQUESTED, Booking.end > now)
        elif view == OwnerBookingView.CHECK_OUTS_TODAY:
            stmt = stmt.join(Resource, Resource.id == Booking.resource_id).where(
                Resource.kind == ResourceKind.TOOL, Booking.status == BookingStatus.CONFIRMED,
                Booking.start < today_end, Booking.end > now,
            )
        elif view == OwnerBookingView.RETURNS_DUE:
            stmt = stmt.where(Booking.status == BookingStatus.CHECKED_OUT, Booking.end < today_end)
            order = (Booking.end, Booking.id)
        elif view == OwnerBookingView.TO_COMPLETE:
            stmt = stmt.where(
                sa.or_(Booking.status == BookingStatus.RETURNED,
                       sa.and_(Booking.status == BookingStatus.CONFIRMED, Booking.end <= now))
            )
        elif view == OwnerBookingView.UPCOMING:
            stmt = stmt.where(Booking.end > now, Booking.status.in_(ACTIVE_STATUS_VALUES))
        else:
            stmt = stmt.where(sa.or_(Booking.end <= now, Booking.status.not_in(ACTIVE_STATUS_VALUES)))
            order = (Booking.start.desc(), Booking.id.desc())
        return paginate(session, stmt.order_by(*order), first, after, BookingType.page)


# --- Mutations -----------------------------------------------------------------------------


@strawberry.input
class OpeningSpanInput:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday")
    opens: str = strawberry.field(description='"08:00"')
    closes: str = strawberry.field(description='"18:00" (24:00 for midnight)')


@strawberry.input
class CreateResourceInput:
    kind: ResourceKindEnum
    title: str
    description: Optional[str] = None
    price: Optional[str] = strawberry.field(default=None, description='Credits per price unit, e.g. "20.00".')
    price_unit: Optional[PriceUnitEnum] = None
    capacity: Optional[int] = None
    deposit: Optional[str] = strawberry.field(default=None, description='Euros, e.g. "300.00".')
    category: Optional[str] = None
    address: Optional[str] = None
    town: Optional[str] = None
    condition: Optional[str] = None
    min_duration_minutes: Optional[int] = None
    max_duration_minutes: Optional[int] = None
    max_advance_days: Optional[int] = None
    buffer_minutes: Optional[int] = None
    opening_hours: Optional[list[OpeningSpanInput]] = strawberry.field(
        default=None, description="Empty or null: bookable at any hour."
    )
    approval_required: Optional[bool] = None
    free_cancellation_hours: Optional[int] = None
    late_cancellation_fee_percent: Optional[int] = None
    late_fee_per_day: Optional[str] = None
    maintenance_every_loans: Optional[int] = strawberry.field(default=None, description="Close the calendar for maintenance after every N loans (0: never).")
    maintenance_minutes: Optional[int] = strawberry.field(default=None, description="Length of that maintenance block (default 24 h).")
    owner_id: Optional[strawberry.ID] = strawberry.field(default=None, description="An organisation the viewer manages (default: theirs).")
    hub_pool: Optional[bool] = strawberry.field(default=None, description="Owned by the hub's shared pool (admin).")


@strawberry.type
class CreateResourcePayload:
    resource: Optional[ResourceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateResourceInput:
    resource_id: strawberry.ID
    title: Optional[str] = None
    description: Optional[str] = None
    price: Optional[str] = None
    price_unit: Optional[PriceUnitEnum] = None
    capacity: Optional[int] = None
    deposit: Optional[str] = strawberry.field(default=None, description='Euros; "0" for none.')
    category: Optional[str] = None
    address: Optional[str] = None
    town: Optional[str] = None
    condition: Optional[str] = None
    min_duration_minutes: Optional[int] = strawberry.field(default=None, description="0 for no minimum.")
    max_duration_minutes: Optional[int] = strawberry.field(default=None, description="0 for no maximum.")
    max_advance_days: Optional[int] = None
    buffer_minutes: Optional[int] = None
    opening_hours: Optional[list[OpeningSpanInput]] = strawberry.field(
        default=None, description="Replaces the opening hours; an empty list means any hour."
    )
    approval_required: Optional[bool] = None
    free_cancellation_hours: Optional[int] = None
    late_cancellation_fee_percent: Optional[int] = None
    late_fee_per_day: Optional[str] = None
    maintenance_every_loans: Optional[int] = strawberry.field(default=None, description="0: never.")
    maintenance_minutes: Optional[int] = None


@strawberry.type
class UpdateResourcePayload:
    resource: Optional[ResourceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetResourceStatusInput:
    resource_id: strawberry.ID
    status: ResourceStatusEnum
    future_bookings: Optional[FutureBookingsChoice] = strawberry.field(
        default=None, description="Required when the resource still has future bookings."
    )
    reason: Optional[str] = None


@strawberry.type
class SetResourceStatusPayload:
    resource: Optional[ResourceType] = None
    cancelled_bookings: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddResourceClosureInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    kind: ClosureKindEnum = ClosureKind.CLOSED
    reason: Optional[str] = None


@strawberry.type
class AddResourceClosurePayload:
    closure: Optional[ClosureType] = None
    resource: Optional[ResourceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RemoveResourceClosureInput:
    closure_id: strawberry.ID


@strawberry.type
class RemoveResourceClosurePayload:
    resource: Optional[ResourceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class BookResourceInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    quantity: int = 1
    idempotency_key: Optional[str] = None
    note: Optional[str] = None
    pay_on_account: bool = strawberry.field(
        default=False, description="No hold: the price is invoiced to the booker when the booking completes."
    )


@strawberry.type
class BookResourcePayload:
    booking: Optional[BookingType] = None
    suggested_slots: list[TimeSlot] = strawberry.field(
        default_factory=list, description="On CONFLICT: the next free slots of the same length."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class BookingActionInput:
    booking_id: strawberry.ID
    reason: Optional[str] = None


@strawberry.input
class CheckOutBookingInput:
    booking_id: strawberry.ID
    condition_note: Optional[str] = None


@strawberry.input
class ReturnBookingInput:
    booking_id: strawberry.ID
    condition_note: Optional[str] = None
    damage_reported: bool = False


@strawberry.type
class BookingPayload:
    booking: Optional[BookingType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# Specific payload names, as the conventions ask, all of the same shape.
CancelBookingPayload = strawberry.type(type("CancelBookingPayload", (BookingPayload,), {}))
ApproveBookingPayload = strawberry.type(type("ApproveBookingPayload", (BookingPayload,), {}))
RejectBookingPayload = strawberry.type(type("RejectBookingPayload", (BookingPayload,), {}))
CheckOutBookingPayload = strawberry.type(type("CheckOutBookingPayload", (BookingPayload,), {}))
ReturnBookingPayload = strawberry.type(type("ReturnBookingPayload", (BookingPayload,), {}))
CompleteBookingPayload = strawberry.type(type("CompleteBookingPayload", (BookingPayload,), {}))
MarkNoShowPayload = strawberry.type(type("MarkNoShowPayload", (BookingPayload,), {}))


NOT_FOUND_MESSAGES = {
    "Resource": N_("This resource does not exist."),
    "Booking": N_("This booking does not exist."),
    "Organization": N_("This organisation does not exist."),
    "ResourceClosure": N_("This closure does not exist."),
    "WaitlistEntry": N_("This waitlist entry does not exist."),
    "ResourcePhoto": N_("This photo does not exist."),
}


def _pk(global_id: str, type_name: str, field: str) -> int:
    pk = decode_id(global_id, type_name)
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND_MESSAGES[type_name], field)
    return pk


def _resource_fields(data: dict) -> dict:
    """Schema output -> service keywords (opening hours to their stored form, 0 = no limit)."""
    fields = {k: v for k, v in data.items() if k in services.EDITABLE and k != "title"}
    if "opening_hours" in data:
        fields["opening_hours"] = schemas.opening_hours_json(data["opening_hours"])
    if "price_unit" in fields:
        fields["price_unit"] = PriceUnit(fields["price_unit"])
    if fields.get("deposit") == 0:
        fields["deposit"] = None
    for key in ("min_duration_minutes", "max_duration_minutes", "maintenance_every_loans"):
        if fields.get(key) == 0:
            fields[key] = None
    return fields


def _input_dict(obj) -> dict:
    return {k: v for k, v in strawberry.asdict(obj).items()}


@strawberry.input
class CreateCalendarFeedInput:
    resource_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="A resource the viewer manages; without it, the viewer's own bookings."
    )


@strawberry.type
class CreateCalendarFeedPayload:
    url: Optional[str] = strawberry.field(default=None, description="The private iCalendar URL (replaces the previous one).")
    errors: list[UserError] = strawberry.field(default_factory=list)


def feed_url(token: str) -> str:
    from flask import url_for

    return url_for("catalog.ical_feed", token=token, _external=True)


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="A private iCalendar URL of the viewer's bookings or of a resource they manage.")
    @mutation_payload(CreateCalendarFeedPayload)
    def create_calendar_feed(self, info: Info, input: CreateCalendarFeedInput) -> CreateCalendarFeedPayload:
        from app.catalog import ical

        viewer = require(info)
        resource_pk = _pk(input.resource_id, "Resource", "resourceId") if input.resource_id else None
        feed = ical.create_feed(info.context.session, viewer, resource_pk)
        return CreateCalendarFeedPayload(url=feed_url(feed.token))

    @strawberry.mutation(description="Offer a resource (organisation managers; the admin for the hub's pool).")
    @mutation_payload(CreateResourcePayload)
    def create_resource(self, info: Info, input: CreateResourceInput) -> CreateResourcePayload:
        viewer = require(info)
        data = load(schemas.CreateResourceSchema(), _input_dict(input))
        owner_pk = _pk(data["owner_id"], "Organization", "ownerId") if data.get("owner_id") else None
        resource = services.create_resource(
            info.context.session, viewer, kind=ResourceKind(data["kind"]), title=data["title"],
            hub_pool=bool(data.get("hub_pool")), owner_organization_id=owner_pk,
            **_resource_fields(data),
        )
        return CreateResourcePayload(resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Edit a resource (its owner).")
    @mutation_payload(UpdateResourcePayload)
    def update_resource(self, info: Info, input: UpdateResourceInput) -> UpdateResourcePayload:
        viewer = require(info)
        data = load(schemas.UpdateResourceSchema(), _input_dict(input))
        fields = _resource_fields(data)
        if "title" in data:
            fields["title"] = data["title"]
        resource = services.update_resource(
            info.context.session, viewer, _pk(data["resource_id"], "Resource", "resourceId"), **fields
        )
        return UpdateResourcePayload(resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Make available, put into maintenance, or retire a resource.")
    @mutation_payload(SetResourceStatusPayload)
    def set_resource_status(self, info: Info, input: SetResourceStatusInput) -> SetResourceStatusPayload:
        viewer = require(info)
        resource, cancelled = services.set_status(
            info.context.session, viewer, _pk(input.resource_id, "Resource", "resourceId"),
            ResourceStatus(input.status.value),
            input.future_bookings.value if input.future_bookings else None, (input.reason or "").strip()[:500],
        )
        return SetResourceStatusPayload(resource=ResourceType.from_model(resource), cancelled_bookings=cancelled)

    @strawberry.mutation(description="Close a resource's calendar for a period (holidays, maintenance).")
    @mutation_payload(AddResourceClosurePayload)
    def add_resource_closure(self, info: Info, input: AddResourceClosureInput) -> AddResourceClosurePayload:
        viewer = require(info)
        data = load(schemas.ClosureSchema(), _input_dict(input))
        closure = services.add_closure(
            info.context.session, viewer, _pk(data["resource_id"], "Resource", "resourceId"),
            data["start"], data["end"], ClosureKind(data["kind"]), data["reason"],
        )
        resource = info.context.session.get(Resource, closure.resource_id)
        return AddResourceClosurePayload(
            closure=ClosureType(id=to_global_id("ResourceClosure", closure.id), kind=closure.kind,
                                start=closure.start, end=closure.end, reason=closure.reason),
            resource=ResourceType.from_model(resource),
        )

    @strawberry.mutation(description="Reopen a closed period.")
    @mutation_payload(RemoveResourceClosurePayload)
    def remove_resource_closure(self, info: Info, input: RemoveResourceClosureInput) -> RemoveResourceClosurePayload:
        viewer = require(info)
        resource = services.remove_closure(
            info.context.session, viewer, _pk(input.closure_id, "ResourceClosure", "closureId")
        )
        return RemoveResourceClosurePayload(resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Book a resource over [start, end); paid with a hold on the viewer's account. "
                         "CONFLICT when the slot is taken, with suggestedSlots.")
    @mutation_payload(BookResourcePayload)
    def book_resource(self, info: Info, input: BookResourceInput) -> BookResourcePayload:
        viewer = require(info)
        data = load(schemas.BookResourceSchema(), _input_dict(input))
        session = info.context.session
        resource_pk = _pk(data["resource_id"], "Resource", "resourceId")
        try:
            with session.begin_nested():
                booking = booking_services.book_resource(
                    session, viewer, resource_pk, data["start"], data["end"], data["quantity"],
                    data.get("idempotency_key"), data.get("note", ""), on_account=data["pay_on_account"],
                )
        except booking_services.SlotTaken as exc:
            return BookResourcePayload(
                errors=to_user_errors(exc),
                suggested_slots=[TimeSlot(start=s.start, end=s.end) for s in exc.suggestions],
            )
        return BookResourcePayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Cancel a booking: free until the resource's notice, then a fee; "
                         "the owner may cancel free of charge.")
    @mutation_payload(CancelBookingPayload)
    def cancel_booking(self, info: Info, input: BookingActionInput) -> CancelBookingPayload:
        viewer = require(info)
        booking = booking_services.cancel_booking(
            info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"), input.reason or ""
        )
        return CancelBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Accept a booking request (owner).")
    @mutation_payload(ApproveBookingPayload)
    def approve_booking(self, info: Info, input: BookingActionInput) -> ApproveBookingPayload:
        viewer = require(info)
        booking = booking_services.approve_booking(info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"))
        return ApproveBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Turn down a booking request with a reason (owner); releases the hold.")
    @mutation_payload(RejectBookingPayload)
    def reject_booking(self, info: Info, input: BookingActionInput) -> RejectBookingPayload:
        viewer = require(info)
        booking = booking_services.reject_booking(
            info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"), input.reason or ""
        )
        return RejectBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Hand the resource over (owner), noting its condition.")
    @mutation_payload(CheckOutBookingPayload)
    def check_out_booking(self, info: Info, input: CheckOutBookingInput) -> CheckOutBookingPayload:
        viewer = require(info)
        booking = booking_services.check_out_booking(
            info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"),
            (input.condition_note or "")[:500],
        )
        return CheckOutBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Take the resource back (owner): condition, damage, late fee; "
                         "completes the booking unless damage is reported.")
    @mutation_payload(ReturnBookingPayload)
    def return_booking(self, info: Info, input: ReturnBookingInput) -> ReturnBookingPayload:
        viewer = require(info)
        booking = booking_services.return_booking(
            info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"),
            (input.condition_note or "")[:500], input.damage_reported,
        )
        return ReturnBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Close a returned booking, or an ended workspace/skill booking (owner): "
                         "the hold is paid to the owner.")
    @mutation_payload(CompleteBookingPayload)
    def complete_booking(self, info: Info, input: BookingActionInput) -> CompleteBookingPayload:
        viewer = require(info)
        booking = booking_services.complete_booking(info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"))
        return CompleteBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="The booker did not come (owner): the price is due.")
    @mutation_payload(MarkNoShowPayload)
    def mark_no_show(self, info: Info, input: BookingActionInput) -> MarkNoShowPayload:
        viewer = require(info)
        booking = booking_services.mark_no_show(info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"))
        return MarkNoShowPayload(booking=BookingType.from_model(booking))


# --- Series, waitlist, notices -------------------------------------------------------------

WaitlistStatusEnum = strawberry.enum(WaitlistStatus, name="WaitlistStatus")


@strawberry.type
class SeriesOccurrence:
    start: dt.datetime
    end: dt.datetime
    available: bool
    problem: Optional[UserError] = strawberry.field(description="Why this date cannot be booked.")


def _occurrence(o) -> SeriesOccurrence:
    return SeriesOccurrence(
        start=o.start, end=o.end, available=o.problem is None,
        problem=to_user_errors(o.problem)[0] if o.problem is not None else None,
    )


@strawberry.type
class SeriesPreview:
    occurrences: list[SeriesOccurrence]
    errors: list[UserError]


@strawberry.type(name="WaitlistEntry")
class WaitlistEntryType(Node):
    start: dt.datetime
    end: dt.datetime
    quantity: int
    status: WaitlistStatusEnum
    created_at: dt.datetime
    model: strawberry.Private[WaitlistEntry]
    batch: strawberry.Private[dict]

    @classmethod
    def page(cls, rows: list[WaitlistEntry]) -> list["WaitlistEntryType"]:
        batch: dict = {"rows": rows}
        return [
            cls(id=to_global_id("WaitlistEntry", e.id), start=e.start, end=e.end, quantity=e.quantity,
                status=e.status, created_at=e.created_at, model=e, batch=batch)
            for e in rows
        ]

    @strawberry.field
    def resource(self, info: Info) -> ResourceType:
        if "resources" not in self.batch:
            ids = {e.resource_id for e in self.batch["rows"]}
            rows = list(info.context.session.scalars(sa.select(Resource).where(Resource.id.in_(ids))))
            self.batch["resources"] = {t.model.id: t for t in ResourceType.page(rows)}
        return self.batch["resources"][self.model.resource_id]


@strawberry.type(name="Notification")
class NotificationType(Node):
    message: str
    link: str
    created_at: dt.datetime
    read: bool


@strawberry.type
class SeriesQuery:
    @strawberry.field(description="The dates of a weekly series and, for each, whether it can be booked.")
    def booking_series_preview(self, info: Info, resource_id: strawberry.ID, start: dt.datetime, end: dt.datetime,
                               until: dt.date, every_weeks: int = 1, quantity: int = 1) -> SeriesPreview:
        from app.catalog import series

        viewer = require_for_query(info)
        try:
            data = load(schemas.SeriesSchema(), {"resource_id": resource_id, "start": start.isoformat(),
                                                  "end": end.isoformat(), "until": until.isoformat(),
                                                  "every_weeks": every_weeks, "quantity": quantity})
            planned = series.preview(info.context.session, viewer, _pk(resource_id, "Resource", "resourceId"),
                                     data["start"], data["end"], data["until"], data["every_weeks"], data["quantity"])
        except DomainError as exc:
            return SeriesPreview(occurrences=[], errors=to_user_errors(exc))
        return SeriesPreview(occurrences=[_occurrence(o) for o in planned], errors=[])

    @strawberry.field(description="The viewer's places on waitlists (waiting, or told that the slot is free).")
    def my_waitlist(self, info: Info) -> list[WaitlistEntryType]:
        viewer = require_for_query(info)
        rows = list(info.context.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.member_id == viewer.id, WaitlistEntry.status != WaitlistStatus.LEFT,
                   WaitlistEntry.end > utcnow())
            .order_by(WaitlistEntry.start)
        ))
        return WaitlistEntryType.page(rows)

    @strawberry.field(description="The viewer's notices, newest first.")
    def notifications(self, info: Info, unread_only: bool = False, first: int = 20) -> list[NotificationType]:
        viewer = require_for_query(info)
        if not 0 <= first <= 100:
            raise QueryError("`first` must be between 0 and 100.")
        stmt = sa.select(Notification).where(Notification.member_id == viewer.id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        rows = info.context.session.scalars(stmt.order_by(Notification.id.desc()).limit(first))
        return [NotificationType(id=to_global_id("Notification", n.id), message=n.message, link=n.link,
                                 created_at=n.created_at, read=n.read_at is not None) for n in rows]


@strawberry.input
class BookResourceSeriesInput:
    resource_id: strawberry.ID
    start: dt.datetime = strawberry.field(description="The first occurrence.")
    end: dt.datetime
    until: dt.date = strawberry.field(description="The last date an occurrence may fall on.")
    every_weeks: int = 1
    quantity: int = 1
    skip_conflicts: bool = strawberry.field(default=False, description="Book the free dates and skip the others; "
                                            "otherwise any clash refuses the whole series.")
    note: Optional[str] = None


@strawberry.type
class BookResourceSeriesPayload:
    bookings: list[BookingType] = strawberry.field(default_factory=list)
    skipped: list[SeriesOccurrence] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelBookingSeriesPayload:
    bookings: list[BookingType] = strawberry.field(default_factory=list, description="The cancelled occurrences.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class JoinWaitlistInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    quantity: int = 1


@strawberry.type
class JoinWaitlistPayload:
    entry: Optional[WaitlistEntryType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class LeaveWaitlistInput:
    entry_id: strawberry.ID


@strawberry.type
class LeaveWaitlistPayload:
    entry: Optional[WaitlistEntryType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MarkNotificationsReadPayload:
    count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SeriesMutation:
    @strawberry.mutation(description="Book the same slot every N weeks until a date (spaces and skills).")
    @mutation_payload(BookResourceSeriesPayload)
    def book_resource_series(self, info: Info, input: BookResourceSeriesInput) -> BookResourceSeriesPayload:
        from app.catalog import series

        viewer = require(info)
        data = load(schemas.SeriesSchema(), {**_input_dict(input), "start": input.start.isoformat(),
                                             "end": input.end.isoformat(), "until": input.until.isoformat()})
        _series, made, skipped = series.book_series(
            info.context.session, viewer, _pk(data["resource_id"], "Resource", "resourceId"),
            data["start"], data["end"], data["until"], data["every_weeks"], data["quantity"],
            bool(input.skip_conflicts), data.get("note", ""),
        )
        return BookResourceSeriesPayload(bookings=BookingType.page(made), skipped=[_occurrence(o) for o in skipped])

    @strawberry.mutation(description="Cancel this occurrence and the rest of its series.")
    @mutation_payload(CancelBookingSeriesPayload)
    def cancel_booking_series(self, info: Info, input: BookingActionInput) -> CancelBookingSeriesPayload:
        from app.catalog import series

        viewer = require(info)
        cancelled = series.cancel_rest_of_series(info.context.session, viewer, _pk(input.booking_id, "Booking", "bookingId"))
        return CancelBookingSeriesPayload(bookings=BookingType.page(cancelled))

    @strawberry.mutation(description="Wait for a taken slot: the viewer is told when it frees up.")
    @mutation_payload(JoinWaitlistPayload)
    def join_waitlist(self, info: Info, input: JoinWaitlistInput) -> JoinWaitlistPayload:
        from app.catalog import waitlist

        viewer = require(info)
        data = load(schemas.BookResourceSchema(), {"resource_id": input.resource_id, "start": input.start.isoformat(),
                                                   "end": input.end.isoformat(), "quantity": input.quantity})
        entry = waitlist.join(info.context.session, viewer, _pk(data["resource_id"], "Resource", "resourceId"),
                              data["start"], data["end"], data["quantity"])
        return JoinWaitlistPayload(entry=WaitlistEntryType.page([entry])[0])

    @strawberry.mutation(description="Leave a waitlist.")
    @mutation_payload(LeaveWaitlistPayload)
    def leave_waitlist(self, info: Info, input: LeaveWaitlistInput) -> LeaveWaitlistPayload:
        from app.catalog import waitlist

        viewer = require(info)
        entry = waitlist.leave(info.context.session, viewer, _pk(input.entry_id, "WaitlistEntry", "entryId"))
        return LeaveWaitlistPayload(entry=WaitlistEntryType.page([entry])[0])

    @strawberry.mutation(description="Mark all the viewer's notices as read.")
    @mutation_payload(MarkNotificationsReadPayload)
    def mark_notifications_read(self, info: Info) -> MarkNotificationsReadPayload:
        viewer = require(info)
        result = info.context.session.execute(
            sa.update(Notification)
            .where(Notification.member_id == viewer.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return MarkNotificationsReadPayload(count=result.rowcount)


@strawberry.input
class AddResourcePhotoInput:
    resource_id: strawberry.ID
    data: str = strawberry.field(description="The image file, base64-encoded (JPEG, PNG or WebP, at most 5 MB).")


@strawberry.type
class AddResourcePhotoPayload:
    photo: Optional[PhotoType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RemoveResourcePhotoInput:
    photo_id: strawberry.ID


@strawberry.type
class RemoveResourcePhotoPayload:
    resource: Optional[ResourceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PhotoMutation:
    @strawberry.mutation(description="Add a photo to a resource (its owner); resized and re-encoded.")
    @mutation_payload(AddResourcePhotoPayload)
    def add_resource_photo(self, info: Info, input: AddResourcePhotoInput) -> AddResourcePhotoPayload:
        import base64
        import binascii

        from app.catalog import photos

        viewer = require(info)
        if len(input.data) > photos.MAX_UPLOAD_BYTES * 4 // 3 + 8:
            raise DomainError(ErrorCode.INVALID, "A photo is at most 5 MB.", "data")
        try:
            raw = base64.b64decode(input.data, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(ErrorCode.INVALID, "Send a JPEG, PNG or WebP photo.", "data")
        photo = photos.add_photo(info.context.session, viewer, _pk(input.resource_id, "Resource", "resourceId"), raw)
        return AddResourcePhotoPayload(photo=PhotoType.of(photo.id, photo.width, photo.height))

    @strawberry.mutation(description="Remove a photo (the resource's owner).")
    @mutation_payload(RemoveResourcePhotoPayload)
    def remove_resource_photo(self, info: Info, input: RemoveResourcePhotoInput) -> RemoveResourcePhotoPayload:
        from app.catalog import photos

        viewer = require(info)
        resource = photos.remove_photo(info.context.session, viewer, _pk(input.photo_id, "ResourcePhoto", "photoId"))
        return RemoveResourcePhotoPayload(resource=ResourceType.from_model(resource))
