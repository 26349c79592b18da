"""The catalogue's rules: who owns and manages a resource, creating and editing resources,
their status and closures, and the search (text, filters and a free time window)."""
import datetime as dt
import re
import unicodedata
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.ledger.services import system_account
from app.permissions import can_manage_resource, is_admin
from models import (
    COMMONS,
    Account,
    Booking,
    ClosureKind,
    Member,
    Organization,
    PriceUnit,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourceStatus,
    utcnow,
)
from models.catalog import ACTIVE_STATUS_VALUES

# --- Text search ---------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'"})


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced: "Scie à ruban" -> "scie a ruban"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip()


def search_text_of(resource: Resource) -> str:
    return normalize(" ".join([resource.title, resource.description or "", resource.category or "", resource.town or ""]))


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- Ownership -----------------------------------------------------------------------------


def managed_organization(session: so.Session, member: Member) -> Optional[Organization]:
    return session.scalar(sa.select(Organization).where(Organization.manager_id == member.id))




def owner_account_id(session: so.Session, resource: Resource) -> int:
    """The account a booking pays: the owning organisation's, or the commons for the hub pool."""
    if resource.owner_organization_id is None:
        return system_account(session, COMMONS).id
    account_id = session.scalar(
        sa.select(Account.id).where(Account.organization_id == resource.owner_organization_id)
    )
    if account_id is None:
        raise DomainError(ErrorCode.INVALID_STATE, "The owner of this resource has no account.")
    return account_id


def get_resource(session: so.Session, resource_id: int, lock: bool = False) -> Resource:
    resource = session.get(Resource, resource_id, with_for_update=lock or None, populate_existing=lock)
    if resource is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This resource does not exist.", "resourceId")
    return resource


def _require_manager(session: so.Session, actor: Member, resource: Resource) -> None:
    if not can_manage_resource(session, actor, resource):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the owner of this resource can do this.")


# --- Creating and editing ------------------------------------------------------------------

EDITABLE = (
    "title", "description", "category", "address", "town", "condition", "price", "price_unit",
    "capacity", "deposit", "min_duration_minutes", "max_duration_minutes", "max_advance_days",
    "buffer_minutes", "opening_hours", "approval_required", "free_cancellation_hours",
    "late_cancellation_fee_percent", "late_fee_per_day", "maintenance_every_loans", "maintenance_minutes",
)


def create_resource(session: so.Session, actor: Member, *, kind: ResourceKind, title: str,
                    hub_pool: bool = False, owner_organization_id: Optional[int] = None,
                    **fields) -> Resource:
    """A new resource owned by the actor's organisation (they must manage it), or by the hub's
    pool (admin only). Unset rules take the hub's defaults."""
    if hub_pool:
        if not is_admin(actor):
            raise DomainError(ErrorCode.FORBIDDEN, "Only the administrator adds resources to the hub's pool.")
        owner_id = None
    elif owner_organization_id is not None:
        organization = session.get(Organization, owner_organization_id)
        if organization is None:
            raise DomainError(ErrorCode.NOT_FOUND, "This organisation does not exist.", "ownerId")
        if not is_admin(actor) and organization.manager_id != actor.id:
            raise DomainError(ErrorCode.FORBIDDEN, "You do not manage this organisation.", "ownerId")
        owner_id = organization.id
    else:
        organization = managed_organization(session, actor)
        if organization is None:
            if not is_admin(actor):
                raise DomainError(
                    ErrorCode.FORBIDDEN, "Only the manager of an organisation can offer resources."
                )
            owner_id = None  # the admin's resources go to the hub's pool
        else:
            owner_id = organization.id
    resource = Resource(kind=kind, title=title, owner_organization_id=owner_id, created_by_id=actor.id)
    _apply(resource, {k: v for k, v in fields.items() if k in EDITABLE})
    session.add(resource)
    session.flush()
    return resource


def update_resource(session: so.Session, actor: Member, resource_id: int, **fields) -> Resource:
    """Edit a resource. Prices of existing bookings do not change: they were fixed at booking."""
    resource = get_resource(session, resource_id, lock=True)
    _require_manager(session, actor, resource)
    if "capacity" in fields and fields["capacity"] is not None and fields["capacity"] < resource.capacity:
        _check_capacity_reduction(session, resource, fields["capacity"])
    _apply(resource, {k: v for k, v in fields.items() if k in EDITABLE})
    session.flush()
    return resource


def _check_capacity_reduction(session: so.Session, resource: Resource, capacity: int) -> None:
    from app.catalog.bookings import load_usages
    from app.catalog.calendar import peak_usage

    usages = load_usages(session, [resource.id], utcnow(), None).get(resource.id, [])
    if usages and peak_usage(usages, min(u.start for u in usages), max(u.until for u in usages)) > capacity:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Future bookings already use more than this capacity.",
            "capacity",
        )


def _apply(resource: Resource, fields: dict) -> None:
    defaults = {"description": "", "category": "", "address": "", "town": "", "condition": ""}
    for key, value in fields.items():
        if value is None and key in defaults:
            value = defaults[key]
        if value is None and key in ("min_duration_minutes", "max_duration_minutes", "maintenance_every_loans"):
            setattr(resource, key, None)  # no limit
            continue
        if value is None and key in ("price", "capacity", "max_advance_days", "buffer_minutes",
                                     "approval_required", "free_cancellation_hours",
                                     "late_cancellation_fee_percent", "late_fee_per_day", "price_unit",
                                     "maintenance_minutes"):
            continue  # keep the default
        setattr(resource, key, value)
    if resource.min_duration_minutes and resource.max_duration_minutes and \
            resource.min_duration_minutes > resource.max_duration_minutes:
        raise DomainError(
            ErrorCode.INVALID, "The minimum duration is longer than the maximum.", "minDurationMinutes"
        )
    resource.search_text = search_text_of(resource)
    resource.updated_at = utcnow()


def set_status(session: so.Session, actor: Member, resource_id: int, status: ResourceStatus,
               future_bookings: Optional[str] = None, reason: str = "") -> tuple[Resource, int]:
    """Put a resource in maintenance, retire it, or make it available again. When it still has
    future bookings the owner must say what happens to them: KEEP them or CANCEL them (free of
    charge for the bookers). Returns the resource and how many bookings were cancelled."""
    from app.catalog import bookings as booking_services

    resource = get_resource(session, resource_id, lock=True)
    _require_manager(session, actor, resource)
    cancelled = 0
    if status != ResourceStatus.AVAILABLE:
        future = session.scalars(
            sa.select(Booking)
            .where(Booking.resource_id == resource.id, Booking.status.in_(ACTIVE_STATUS_VALUES),
                   Booking.end > utcnow())
            .order_by(Booking.start)
        ).all()
        if future and future_bookings not in ("KEEP", "CANCEL"):
            raise DomainError(
                ErrorCode.INVALID_STATE,
                "This resource has %(count)s future booking(s): choose whether to keep or cancel them.",
                "futureBookings",
                count=len(future),
            )
        if future_bookings == "CANCEL":
            for booking in future:
                if booking.status.value != "CHECKED_OUT":
                    booking_services.cancel_by_owner(session, actor, booking, reason or "Resource withdrawn")
                    cancelled += 1
    resource.status = status
    resource.updated_at = utcnow()
    session.flush()
    return resource, cancelled


def add_closure(session: so.Session, actor: Member, resource_id: int, start: dt.datetime,
                end: dt.datetime, kind: ClosureKind = ClosureKind.CLOSED, reason: str = "") -> ResourceClosure:
    """Close the calendar (holidays, a maintenance block). Refused over active bookings."""
    resource = get_resource(session, resource_id, lock=True)
    _require_manager(session, actor, resource)
    if end <= start:
        raise DomainError(ErrorCode.INVALID, "The end must be after the start.", "end")
    clash = session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.resource_id == resource.id, Booking.status.in_(ACTIVE_STATUS_VALUES),
            Booking.start < end, Booking.end > start,
        )
    )
    if clash:
        raise DomainError(
            ErrorCode.CONFLICT,
            "%(count)s booking(s) fall in this period: cancel them first.",
            "start",
            count=clash,
        )
    closure = ResourceClosure(resource_id=resource.id, start=start, end=end, kind=kind, reason=reason)
    session.add(closure)
    session.flush()
    return closure


def remove_closure(session: so.Session, actor: Member, closure_id: int) -> Resource:
    closure = session.get(ResourceClosure, closure_id)
    if closure is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This closure does not exist.", "closureId")
    resource = get_resource(session, closure.resource_id, lock=True)
    _require_manager(session, actor, resource)
    session.delete(closure)
    session.flush()
    return resource


# --- Search --------------------------------------------------------------------------------


def free_in_window(available_from: dt.datetime, available_to: dt.datetime, quantity: int = 1):
    """A WHERE clause: the resource has `quantity` units free over the whole [from, to) window
    (status available, no closure, capacity never exceeded; the buffer after the window
    counts, as it would for a booking).

    The peak use over the window is reached at its start or at the start of one of the
    bookings in it, so the resource is free unless, at one of those instants, the bookings
    covering it leave fewer than `quantity` units."""
    b1 = so.aliased(Booking)
    b2 = so.aliased(Booking)
    instant = sa.case((b1.start > available_from, b1.start), else_=sa.literal(available_from, Booking.start.type))
    in_use_at_instant = (
        sa.select(sa.func.coalesce(sa.func.sum(b2.quantity), 0))
        .where(
            b2.resource_id == b1.resource_id,
            b2.status.in_(ACTIVE_STATUS_VALUES),
            b2.start <= instant,
            b2.blocked_until > instant,
        )
        .scalar_subquery()
    )
    full_somewhere = sa.exists(
        sa.select(b1.id).where(
            b1.resource_id == Resource.id,
            b1.status.in_(ACTIVE_STATUS_VALUES),
            b1.blocked_from < available_to,
            b1.blocked_until > available_from,
            # capacity 1: any overlapping booking is enough, no need for the sum
            sa.or_(Resource.capacity <= quantity, in_use_at_instant + quantity > Resource.capacity),
        )
    )
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
        ~full_somewhere,
        ~closed,
    )


def search_stmt(*, kind: Optional[ResourceKind] = None, search: Optional[str] = None,
                category: Optional[str] = None, town: Optional[str] = None,
                min_price: Optional[int] = None, max_price: Optional[int] = None,
                price_unit: Optional[PriceUnit] = None,
                available_from: Optional[dt.datetime] = None, available_to: Optional[dt.datetime] = None,
                quantity: int = 1, owner_organization_id: Optional[int] = None,
                hub_pool: Optional[bool] = None, include_retired: bool = False) -> sa.Select:
    """The catalogue query, ordered by title. Retired resources are hidden unless asked."""
    stmt = sa.select(Resource)
    if not include_retired:
        stmt = stmt.where(Resource.status != ResourceStatus.RETIRED)
    if kind is not None:
        stmt = stmt.where(Resource.kind == kind)
    for word in normalize(search or "").split():
        stmt = stmt.where(Resource.search_text.like(_like_pattern(word), escape="\\"))
    if category:
        stmt = stmt.where(Resource.category == category)
    if town:
        stmt = stmt.where(Resource.town == town)
    if min_price is not None:
        stmt = stmt.where(Resource.price >= min_price)
    if max_price is not None:
        stmt = stmt.where(Resource.price <= max_price)
    if price_unit is not None:
        stmt = stmt.where(Resource.price_unit == price_unit)
    if owner_organization_id is not None:
        stmt = stmt.where(Resource.owner_organization_id == owner_organization_id)
    if hub_pool:
        stmt = stmt.where(Resource.owner_organization_id.is_(None))
    if available_from is not None and available_to is not None:
        stmt = stmt.where(free_in_window(available_from, available_to, quantity))
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
