"""Read-side SQL of the catalogue: the search, the viewer's lists and the owner's desk. Plain
functions of a session and the viewer returning statements (ordered, for `paginate`) or rows,
so that the API, the pages and the tests share one definition of each list."""
import datetime as dt
import functools
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.catalog.resources import normalize
from app.hub import hub_zone
from models import (
    Booking,
    BookingPhoto,
    BookingStatus,
    CalendarFeed,
    JobRating,
    Member,
    Organization,
    PriceUnit,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourcePhoto,
    ResourceStatus,
    SkillOffer,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)
from models.catalog import ACTIVE_STATUS_VALUES


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Built once: an ORM alias adapts each of its columns on first use, which cost more than the
# query itself when done on every request.
_B1 = so.aliased(Booking, name="b1")
_B2 = so.aliased(Booking, name="b2")
# The active statuses written into the statement: constants, where an IN parameter is expanded
# into the SQL text again on every execution.
_ACTIVE = [sa.literal_column(f"'{status}'") for status in ACTIVE_STATUS_VALUES]


def _bound(value, type_):
    """A value as a bound parameter of `type_`; a bound parameter (of a statement built once) as is."""
    return value if isinstance(value, sa.BindParameter) else sa.literal(value, type_)


def free_in_window(available_from, available_to, quantity=1):
    """A WHERE clause: the resource has `quantity` units free over the whole [from, to) window
    (status available, no closure, capacity never exceeded; the buffer after the window
    counts, as it would for a booking). Takes values, or bound parameters.

    The peak use over the window is reached at its start or at the start of one of the
    bookings in it, so the resource is free unless, at one of those instants, the bookings
    covering it leave fewer than `quantity` units."""
    b1, b2 = _B1, _B2
    available_from = _bound(available_from, Booking.start.type)
    available_to = _bound(available_to, Booking.start.type)
    quantity = _bound(quantity, sa.Integer())
    instant = sa.case((b1.start > available_from, b1.start), else_=available_from)
    in_use_at_instant = (
        sa.select(sa.func.coalesce(sa.func.sum(b2.quantity), 0))
        .where(
            b2.resource_id == b1.resource_id,
            b2.status.in_(_ACTIVE),
            b2.start <= instant,
            b2.blocked_until > instant,
        )
        .scalar_subquery()
    )
    overlapping = (
        b1.resource_id == Resource.id,
        b1.status.in_(_ACTIVE),
        b1.blocked_from < available_to,
        b1.blocked_until > available_from,
    )
    # When `quantity` takes the whole capacity (a tool: 1 of 1), any booking in the window is
    # one too many: the same test as a plain NOT EXISTS, without the sum of the others.
    taken = sa.exists(sa.select(b1.id).where(*overlapping))
    full_somewhere = sa.exists(sa.select(b1.id).where(*overlapping, in_use_at_instant + quantity > Resource.capacity))
    closed = sa.exists(
        sa.select(ResourceClosure.id).where(
            ResourceClosure.resource_id == Resource.id,
            ResourceClosure.start < available_to,
            ResourceClosure.end > available_from,
        )
    )
    return sa.and_(
        Resource.status == ResourceStatus.AVAILABLE,
        Resource.capacity >= quantity,
        sa.or_(sa.and_(Resource.capacity <= quantity, ~taken), sa.and_(Resource.capacity > quantity, ~full_somewhere)),
        ~closed,
    )


# The catalogue's filters: bound parameter -> the condition it sets.
_FILTERS = {
    "kind": lambda p: Resource.kind == p,
    "category": lambda p: Resource.category == p,
    "town": lambda p: Resource.town == p,
    "min_price": lambda p: Resource.price >= p,
    "max_price": lambda p: Resource.price <= p,
    "price_unit": lambda p: Resource.price_unit == p,
    "owner_organization_id": lambda p: Resource.owner_organization_id == p,
}


# With the page's rows, rather than a query of its own: the catalogue shows every owner.
_OWNER_NAME = (
    sa.select(Organization.name).where(Organization.id == Resource.owner_organization_id).scalar_subquery().label("owner_name")
)


def search(*, kind: Optional[ResourceKind] = None, search: Optional[str] = None,
           category: Optional[str] = None, town: Optional[str] = None,
           min_price: Optional[int] = None, max_price: Optional[int] = None,
           price_unit: Optional[PriceUnit] = None,
           available_from: Optional[dt.datetime] = None, available_to: Optional[dt.datetime] = None,
           quantity: int = 1, owner_organization_id: Optional[int] = None,
           hub_pool: Optional[bool] = None, include_retired: bool = False,
           columns: Optional[tuple[str, ...]] = None) -> tuple[sa.Select, dict[str, Any]]:
    """The catalogue query, ordered by title, and the values of its bound parameters. Its rows
    hold the resource and its owner's name (`owner_name`, None for the hub's pool); with
    `columns`, the resource's id, owner's id and those columns instead of the model (a page
    that shows only those costs the rows, not the models). Retired resources are hidden
    unless asked."""
    values = {"kind": kind, "category": category or None, "town": town or None, "min_price": min_price,
              "max_price": max_price, "price_unit": price_unit, "owner_organization_id": owner_organization_id}
    params: dict[str, Any] = {name: value for name, value in values.items() if value is not None}
    for i, word in enumerate(normalize(search or "").split()):
        params[f"word_{i}"] = _like_pattern(word)
    if available_from is not None and available_to is not None:
        params.update(available_from=available_from, available_to=available_to, quantity=quantity)
    return _search_stmt(tuple(params), bool(hub_pool), include_retired, columns), params


@functools.lru_cache(maxsize=128)
def _search_stmt(names: tuple[str, ...], hub_pool: bool, include_retired: bool,
                 columns: Optional[tuple[str, ...]]) -> sa.Select:
    """The catalogue query for one set of filters (the names of its bound parameters) and
    columns, built once: building it, and SQLAlchemy's cache key of it, cost more than running it."""
    if columns is None:
        stmt = sa.select(Resource, _OWNER_NAME)
    else:
        read = dict.fromkeys(("id", "owner_organization_id", *columns))
        stmt = sa.select(*(getattr(Resource, name) for name in read), _OWNER_NAME)
    if not include_retired:
        stmt = stmt.where(Resource.status != ResourceStatus.RETIRED)
    for name in names:
        if name in _FILTERS:
            stmt = stmt.where(_FILTERS[name](sa.bindparam(name)))
        elif name.startswith("word_"):
            stmt = stmt.where(Resource.search_text.like(sa.bindparam(name), escape="\\"))
    if hub_pool:
        stmt = stmt.where(Resource.owner_organization_id.is_(None))
    if "available_from" in names:
        stmt = stmt.where(free_in_window(
            sa.bindparam("available_from", type_=Booking.start.type), sa.bindparam("available_to", type_=Booking.start.type),
            sa.bindparam("quantity", type_=sa.Integer()),
        ))
    return stmt.order_by(Resource.title, Resource.id)


def facets(session: so.Session) -> tuple[list[str], list[str]]:
    """The categories and towns in use, for the catalogue's filters."""
    visible = Resource.status != ResourceStatus.RETIRED
    categories = session.scalars(
        sa.select(Resource.category).where(visible, Resource.category != "").distinct().order_by(Resource.category)
    ).all()
    towns = session.scalars(
        sa.select(Resource.town).where(visible, Resource.town != "").distinct().order_by(Resource.town)
    ).all()
    return list(categories), list(towns)


# --- The viewer's lists ----------------------------------------------------------------------


def managed_resources(viewer: Member) -> sa.Select:
    """The resources the viewer manages, retired ones included."""
    return (
        sa.select(Resource)
        .where(permissions.managed_resource_filter(viewer))
        .order_by(Resource.status, Resource.title, Resource.id)
    )


def _unanswered_too_late(now: dt.datetime):
    """A request whose start passed without an answer: expired, even before the housekeeping
    command marks it so."""
    return sa.and_(Booking.status == BookingStatus.REQUESTED, Booking.start <= now)


def _active(now: dt.datetime):
    return sa.and_(Booking.end > now, Booking.status.in_(ACTIVE_STATUS_VALUES), sa.not_(_unanswered_too_late(now)))


def _upcoming(now: dt.datetime):
    """Still to come, or still in the booker's hands (an overdue loan stays until returned)."""
    return sa.or_(_active(now), Booking.status == BookingStatus.CHECKED_OUT)


LATEST_FIRST = (Booking.start.desc(), Booking.id.desc())


def my_bookings(viewer: Member, scope: str = "UPCOMING") -> sa.Select:
    """UPCOMING soonest first (overdue loans included), PAST (ended or no longer active)
    latest first, or ALL."""
    now = utcnow()
    stmt = sa.select(Booking).where(Booking.booker_id == viewer.id)
    if scope == "UPCOMING":
        return stmt.where(_upcoming(now)).order_by(Booking.start, Booking.id)
    if scope == "PAST":
        return stmt.where(sa.not_(_upcoming(now))).order_by(*LATEST_FIRST)
    return stmt.order_by(*LATEST_FIRST)


def managed_bookings(viewer: Member, view: str = "UPCOMING", resource_id: Optional[int] = None) -> sa.Select:
    """The owner's desk: bookings of the resources the viewer manages, by what needs doing
    (REQUESTS, CHECK_OUTS_TODAY, RETURNS_DUE, OVERDUE, TO_COMPLETE, UPCOMING but for the requests, PAST)."""
    now = utcnow()
    zone = hub_zone()
    today_end = dt.datetime.combine(now.astimezone(zone).date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    managed = sa.select(Resource.id).where(permissions.managed_resource_filter(viewer))
    stmt = sa.select(Booking).where(Booking.resource_id.in_(managed))
    if resource_id is not None:
        stmt = stmt.where(Booking.resource_id == resource_id)
    order = (Booking.start, Booking.id)
    if view == "REQUESTS":
        stmt = stmt.where(Booking.status == BookingStatus.REQUESTED, Booking.start > now)
    elif view == "CHECK_OUTS_TODAY":
        stmt = stmt.join(Resource, Resource.id == Booking.resource_id).where(
            Resource.kind == ResourceKind.TOOL, Booking.status == BookingStatus.CONFIRMED,
            Booking.start < today_end, Booking.end > now,
        )
    elif view == "RETURNS_DUE":
        stmt = stmt.where(Booking.status == BookingStatus.CHECKED_OUT, Booking.end < today_end)
        order = (Booking.end, Booking.id)
    elif view == "OVERDUE":
        stmt = stmt.where(Booking.status == BookingStatus.CHECKED_OUT, Booking.end < now)
        order = (Booking.end, Booking.id)
    elif view == "TO_COMPLETE":
        stmt = stmt.where(
            sa.or_(Booking.status == BookingStatus.RETURNED,
                   sa.and_(Booking.status == BookingStatus.CONFIRMED, Booking.end <= now))
        )
    elif view == "UPCOMING":  # the requests are listed once, under REQUESTS
        stmt = stmt.where(_active(now), Booking.status != BookingStatus.REQUESTED)
    else:
        stmt = stmt.where(sa.not_(_upcoming(now)))
        order = LATEST_FIRST
    return stmt.order_by(*order)


def my_calendar_feed_token(session: so.Session, viewer: Member) -> Optional[str]:
    """The token of the viewer's own bookings' feed, if they made one."""
    return session.scalar(
        sa.select(CalendarFeed.token).where(CalendarFeed.member_id == viewer.id, CalendarFeed.resource_id.is_(None))
    )


def my_waitlist(session: so.Session, viewer: Member) -> list[WaitlistEntry]:
    """The viewer's places on waitlists that still matter: waiting or told, not yet past."""
    return list(session.scalars(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.member_id == viewer.id, WaitlistEntry.status != WaitlistStatus.LEFT,
               WaitlistEntry.end > utcnow())
        .order_by(WaitlistEntry.start)
    ))

def photo_bytes(session: so.Session, photo_id: int, thumbnail: bool = False) -> Optional[bytes]:
    """A photo's JPEG bytes (or its thumbnail's), None when there is no such photo."""
    column = ResourcePhoto.thumbnail if thumbnail else ResourcePhoto.data
    return session.scalar(sa.select(column).where(ResourcePhoto.id == photo_id))


def booking_photo_bytes(session: so.Session, viewer: Member, photo_id: int, thumbnail: bool = False) -> Optional[bytes]:
    """A damage photo's JPEG bytes (or its thumbnail's), None when there is no such photo or
    the viewer may not see its booking."""
    photo = session.get(BookingPhoto, photo_id)
    if photo is None:
        return None
    booking = session.get(Booking, photo.booking_id)
    if not permissions.can_see_booking(session, viewer, booking, session.get(Resource, booking.resource_id)):
        return None
    return photo.thumbnail if thumbnail else photo.data


# --- Skill offers, as the Resource type shows them ----------------------------------------------


def skill_offers(session: so.Session, resource_ids) -> dict[int, SkillOffer]:
    """How each skill resource is sold (the skills slice writes these rows; none: defaults)."""
    ids = set(resource_ids)
    if not ids:
        return {}
    return {o.resource_id: o for o in session.scalars(sa.select(SkillOffer).where(SkillOffer.resource_id.in_(ids)))}


def resource_ratings(session: so.Session, resource_ids) -> dict[int, tuple[float, int]]:
    """(average stars, count) of the clients' ratings of each offer that may be shown now."""
    ids = set(resource_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(JobRating.resource_id, sa.func.avg(JobRating.stars), sa.func.count())
        .where(JobRating.resource_id.in_(ids), JobRating.shown(utcnow()))
        .group_by(JobRating.resource_id)
    )
    return {rid: (float(average), count) for rid, average, count in rows}
