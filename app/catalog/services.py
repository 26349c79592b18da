"""The catalogue's rules: offering and editing resources, their status and closures. The
search and the lists are read-side (`queries`); bookings have their own module."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit
from app.catalog import bookings as booking_services
from app.catalog.calendar import peak_usage
from app.catalog.calendar_data import load_usages
from app.catalog.fields import BY_NAME, EDITABLE, KEEP
from app.catalog.resources import get_resource, managed_organization, normalize, require_manager
from app.errors import N_, DomainError, ErrorCode
from app.ledger.services import spending
from app.permissions import Right, is_admin, listing_organization_ids
from models import Booking, ClosureKind, Member, Organization, Resource, ResourceClosure, ResourceKind, ResourceStatus, utcnow
from models.catalog import ACTIVE_STATUS_VALUES

log = logging.getLogger("alveole.catalog")
NO_CLOSURE = N_("This closure does not exist.")
NO_ORGANIZATION = N_("This organisation does not exist.")


def search_text_of(resource: Resource) -> str:
    return normalize(" ".join([resource.title, resource.description or "", resource.category or "", resource.town or ""]))


# --- Creating and editing ------------------------------------------------------------------


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
            raise DomainError(ErrorCode.NOT_FOUND, NO_ORGANIZATION, "ownerId")
        if not (is_admin(actor) or organization.id in listing_organization_ids(session, actor)):
            raise DomainError(ErrorCode.FORBIDDEN, "You do not manage this organisation.", "ownerId")
        owner_id = organization.id
    else:
        organization = managed_organization(session, actor)
        if organization is None:
            if actor.organization_id is not None and not is_admin(actor):
                raise spending.refusal(session, actor, actor.organization_id, Right.LIST_RESOURCES)
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
    log.info("resource %s created: %s, owner organisation %s, by member %s", resource.id, kind.value, owner_id, actor.id)
    return resource


def update_resource(session: so.Session, actor: Member, resource_id: int, **fields) -> Resource:
    """Edit a resource. Prices of existing bookings do not change: they were fixed at booking."""
    resource = get_resource(session, resource_id, lock=True)
    require_manager(session, actor, resource)
    if "capacity" in fields and fields["capacity"] is not None and fields["capacity"] < resource.capacity:
        _check_capacity_reduction(session, resource, fields["capacity"])
    _apply(resource, {k: v for k, v in fields.items() if k in EDITABLE})
    session.flush()
    return resource


def _check_capacity_reduction(session: so.Session, resource: Resource, capacity: int) -> None:
    usages = load_usages(session, [resource.id], utcnow(), None).get(resource.id, [])
    if usages and peak_usage(usages, min(u.start for u in usages), max(u.until for u in usages)) > capacity:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Future bookings already use more than this capacity.",
            "capacity",
        )


def _apply(resource: Resource, fields: dict) -> None:
    """Set the editable fields; None means what the field's declaration says (see fields)."""
    for key, value in fields.items():
        if value is None:
            value = BY_NAME[key].none_value()
            if value is KEEP:
                continue
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
    resource = get_resource(session, resource_id, lock=True)
    require_manager(session, actor, resource)
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
    if status != resource.status or cancelled:
        audit.record(session, actor, "catalog.resource_status_set", resource, {"status": resource.status},
                     {"status": status, "cancelled_bookings": cancelled}, reason=reason)
    resource.status = status
    resource.updated_at = utcnow()
    session.flush()
    log.info("resource %s status set to %s by member %s, %s booking(s) cancelled", resource.id, status.value, actor.id,
             cancelled)
    return resource, cancelled


def add_closure(session: so.Session, actor: Member, resource_id: int, start: dt.datetime,
                end: dt.datetime, kind: ClosureKind = ClosureKind.CLOSED, reason: str = "") -> ResourceClosure:
    """Close the calendar (holidays, a maintenance block). Refused over active bookings."""
    resource = get_resource(session, resource_id, lock=True)
    require_manager(session, actor, resource)
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
    audit.record(session, actor, "catalog.closure_added", resource, None, _closure_values(closure), reason=reason)
    log.info("closure added: %s on resource %s by member %s", closure.id, resource.id, actor.id)
    return closure


def remove_closure(session: so.Session, actor: Member, closure_id: int) -> Resource:
    closure = session.get(ResourceClosure, closure_id)
    if closure is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_CLOSURE, "closureId")
    resource = get_resource(session, closure.resource_id, lock=True)
    require_manager(session, actor, resource)
    audit.record(session, actor, "catalog.closure_removed", resource, _closure_values(closure), None)
    session.delete(closure)
    session.flush()
    log.info("closure removed: %s from resource %s by member %s", closure_id, resource.id, actor.id)
    return resource


def _closure_values(closure: ResourceClosure) -> dict:
    return {"closure_id": closure.id, "start": closure.start, "end": closure.end, "kind": closure.kind}
