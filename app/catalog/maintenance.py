"""Maintenance after use: a tool closes its calendar for a maintenance block after every N-th
loan, at the first moment the whole of it is free."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import calendar
from app.catalog.calendar_data import load_closures, load_usages
from app.hub import hub_zone
from models import Booking, BookingStatus, ClosureKind, Resource, ResourceClosure

log = logging.getLogger("alveole.catalog")

MAINTENANCE_REASON = "Entretien après %(count)s prêts"


def schedule_maintenance_if_due(session: so.Session, resource: Resource, now: dt.datetime) -> Optional[ResourceClosure]:
    """After every N-th completed loan, close the calendar for the maintenance block at the
    first moment the whole resource is free (never over a booking already made)."""
    every = resource.maintenance_every_loans
    if not every:
        return None
    last = session.scalar(
        sa.select(sa.func.max(ResourceClosure.created_at)).where(
            ResourceClosure.resource_id == resource.id, ResourceClosure.kind == ClosureKind.MAINTENANCE
        )
    )
    loans = sa.select(sa.func.count(Booking.id)).where(
        Booking.resource_id == resource.id, Booking.status == BookingStatus.COMPLETED, Booking.returned_at.is_not(None)
    )
    if last is not None:
        loans = loans.where(Booking.completed_at > last)
    # The booking being completed is flushed with the caller's changes.
    session.flush()
    if session.scalar(loans) < every:
        return None
    duration = dt.timedelta(minutes=resource.maintenance_minutes)
    horizon = now + dt.timedelta(days=366)
    usages = load_usages(session, [resource.id], now, horizon)[resource.id]
    closures = load_closures(session, [resource.id], now, horizon)[resource.id]
    slots = calendar.free_slots(
        usages, closures, resource.capacity, resource.capacity, None, hub_zone(), False,
        dt.timedelta(0), duration, now, horizon, 1,
    )
    if not slots:
        return None
    closure = ResourceClosure(
        resource_id=resource.id, kind=ClosureKind.MAINTENANCE, start=slots[0].start, end=slots[0].end,
        reason=MAINTENANCE_REASON % {"count": every}, created_at=now,
    )
    session.add(closure)
    session.flush()
    log.info("closure added: %s on resource %s (maintenance after %s loans)", closure.id, resource.id, every)
    return closure
