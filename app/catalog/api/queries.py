"""The catalogue's queries and node resolvers: parse the arguments, check access, run the
read-side query (`app.catalog.queries`), wrap the rows."""
import datetime as dt
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.errors import to_user_errors
from app.api.permissions import require_for_query
from app.api.relay import Connection, QueryError, decode_id, paginate
from app.api.validation import load
from app.catalog import queries, schemas, series
from app.catalog.api.inputs import BookingScope, OwnerBookingView, resource_pk
from app.catalog.api.quotes import QuoteQuery
from app.catalog.api.types import (
    BookingType,
    Facets,
    PriceUnitEnum,
    ResourceKindEnum,
    ResourceType,
    SeriesOccurrence,
    SeriesPreview,
    WaitlistEntryType,
    feed_url,
)
from app.errors import DomainError
from app.hub import to_minor_units
from models import Booking, Resource


def resolve_resource_node(info: Info, pk: int) -> Optional[ResourceType]:
    resource = info.context.session.get(Resource, pk)
    return ResourceType.from_model(resource) if resource else None


def resolve_booking_node(info: Info, pk: int) -> Optional[BookingType]:
    """A booking reads null to whoever may not see it."""
    session, viewer = info.context.session, info.context.viewer
    booking = session.get(Booking, pk) if viewer else None
    if booking is None:
        return None
    resource = session.get(Resource, booking.resource_id)
    if not permissions.can_see_booking(session, viewer, booking, resource):
        return None
    return BookingType.from_model(booking)


def _wants_total(selected: list) -> bool:
    """Counting every match costs a second full query: only when the client asks for it."""
    for field in selected:
        for selection in getattr(field, "selections", []):
            if getattr(selection, "name", None) == "totalCount":
                return True
            if not hasattr(selection, "name"):  # a fragment: look inside, or count to be safe
                return True
    return False


def _page_fields(selected: list) -> Optional[set[str]]:
    """The fields asked of each resource of the page (under edges.node, or nodes), or None
    when a fragment stands on the way to them or among them."""
    resource_fields: list = []
    for field in selected:
        for selection in field.selections:
            name = getattr(selection, "name", None)
            if name == "nodes":
                resource_fields.extend(selection.selections)
            elif name == "edges":
                for edge_field in selection.selections:
                    edge_name = getattr(edge_field, "name", None)
                    if edge_name == "node":
                        resource_fields.extend(edge_field.selections)
                    elif edge_name is None:
                        return None
            elif name is None:
                return None
    names = {getattr(f, "name", None) for f in resource_fields}
    return None if None in names else names


def _money_arg(value: Optional[str], name: str) -> Optional[int]:
    if value is None:
        return None
    try:
        return to_minor_units(value)
    except ValueError:
        raise QueryError(f"`{name}` must be an amount such as 12.50.") from None


def _window(available_from: Optional[dt.datetime], available_to: Optional[dt.datetime]):
    """The free window of a search, in UTC, or (None, None)."""
    if (available_from is None) != (available_to is None):
        raise QueryError("Give both `availableFrom` and `availableTo`, or neither.")
    if available_from is None:
        return None, None
    if available_from.tzinfo is None or available_to.tzinfo is None:
        raise QueryError("Dates and times must include their offset from UTC.")
    if available_to <= available_from:
        raise QueryError("`availableTo` must be after `availableFrom`.")
    return available_from.astimezone(dt.timezone.utc), available_to.astimezone(dt.timezone.utc)


def _id_arg(global_id: Optional[strawberry.ID], type_name: str, message: str) -> Optional[int]:
    if global_id is None:
        return None
    pk = decode_id(global_id, type_name)
    if pk is None:
        raise QueryError(message)
    return pk


@strawberry.type
class CatalogQuery(QuoteQuery):
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
        start, end = _window(available_from, available_to)
        if not 1 <= quantity <= 1000:
            raise QueryError("`quantity` must be between 1 and 1000.")
        if search is not None and len(search) > 200:
            raise QueryError("`search` is at most 200 characters.")
        selected = info.selected_fields  # built on each read
        columns = ResourceType.columns_read_by(_page_fields(selected))
        stmt, params = queries.search(
            kind=kind, search=search, category=category, town=town,
            min_price=_money_arg(min_price, "minPrice"), max_price=_money_arg(max_price, "maxPrice"),
            price_unit=price_unit, available_from=start, available_to=end, quantity=quantity,
            owner_organization_id=_id_arg(owner_id, "Organization", "`ownerId` is not an organisation id."),
            hub_pool=hub_pool, columns=columns,
        )
        return paginate(info.context.session, stmt, first, after, lambda rows: ResourceType.search_page(rows, columns is None),
                        with_count=_wants_total(selected), params=params, whole_rows=True)

    @strawberry.field
    def resource(self, info: Info, id: strawberry.ID) -> Optional[ResourceType]:
        pk = decode_id(id, "Resource")
        return resolve_resource_node(info, pk) if pk is not None else None

    @strawberry.field(description="Categories and towns in use, for the catalogue's filters.")
    def catalogue_facets(self, info: Info) -> Facets:
        categories, towns = queries.facets(info.context.session)
        return Facets(categories=categories, towns=towns)

    @strawberry.field(description="The resources the viewer manages (retired ones included).")
    def my_resources(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ResourceType]:
        viewer = require_for_query(info)
        return paginate(info.context.session, queries.managed_resources(viewer), first, after, ResourceType.page)

    @strawberry.field(description="The viewer's private iCalendar URL of their bookings, if they made one.")
    def my_calendar_feed_url(self, info: Info) -> Optional[str]:
        viewer = require_for_query(info)
        token = queries.my_calendar_feed_token(info.context.session, viewer)
        return feed_url(token) if token else None

    @strawberry.field(description="The viewer's bookings: upcoming ones soonest first, past ones latest first.")
    def my_bookings(self, info: Info, scope: BookingScope = BookingScope.UPCOMING,
                    first: Optional[int] = None, after: Optional[str] = None) -> Connection[BookingType]:
        viewer = require_for_query(info)
        return paginate(info.context.session, queries.my_bookings(viewer, scope.value), first, after, BookingType.page)

    @strawberry.field(description="Bookings of the resources the viewer manages, by what needs doing.")
    def managed_bookings(self, info: Info, view: OwnerBookingView = OwnerBookingView.UPCOMING,
                         resource_id: Optional[strawberry.ID] = None,
                         first: Optional[int] = None, after: Optional[str] = None) -> Connection[BookingType]:
        viewer = require_for_query(info)
        resource_pk = _id_arg(resource_id, "Resource", "`resourceId` is not a resource id.")
        stmt = queries.managed_bookings(viewer, view.value, resource_pk)
        return paginate(info.context.session, stmt, first, after, BookingType.page)


@strawberry.type
class SeriesQuery:
    @strawberry.field(description="The dates of a weekly series and, for each, whether it can be booked.")
    def booking_series_preview(self, info: Info, resource_id: strawberry.ID, start: dt.datetime, end: dt.datetime,
                               until: dt.date, every_weeks: int = 1, quantity: int = 1) -> SeriesPreview:
        viewer = require_for_query(info)
        try:
            data = load(schemas.SeriesSchema(), {"resource_id": resource_id, "start": start.isoformat(),
                                                  "end": end.isoformat(), "until": until.isoformat(),
                                                  "every_weeks": every_weeks, "quantity": quantity})
            planned = series.preview(info.context.session, viewer, resource_pk(resource_id),
                                     data["start"], data["end"], data["until"], data["every_weeks"], data["quantity"])
        except DomainError as exc:
            return SeriesPreview(occurrences=[], errors=to_user_errors(exc))
        return SeriesPreview(occurrences=[SeriesOccurrence.of(o) for o in planned], errors=[])

    @strawberry.field(description="The viewer's places on waitlists (waiting, or told that the slot is free).")
    def my_waitlist(self, info: Info) -> list[WaitlistEntryType]:
        viewer = require_for_query(info)
        return WaitlistEntryType.page(queries.my_waitlist(info.context.session, viewer))
