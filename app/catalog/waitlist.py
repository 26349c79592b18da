"""The waitlist: a member waits for a taken slot; when a booking over it is cancelled or turned
down and the slot fits again, the first member waiting is told (app.notices: in the app, and
by email as they chose)."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog.booking_rules import check_rules
from app.catalog.calendar_data import slot_fits
from app.catalog.resources import get_resource
from app.errors import N_, DomainError, ErrorCode
from app.hub import hub_zone
from app.notices import events as notices
from models import (
    Booking,
    Member,
    Resource,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)

log = logging.getLogger("alveole.catalog")
NO_ENTRY = N_("This waitlist entry does not exist.")

def join(session: so.Session, actor: Member, resource_id: int, start: dt.datetime, end: dt.datetime,
         quantity: int = 1, now: Optional[dt.datetime] = None) -> WaitlistEntry:
    now = now or utcnow()
    zone = hub_zone()
    resource = get_resource(session, resource_id)
    check_rules(resource, start, end, quantity, now, zone)
    if slot_fits(session, resource, start, end, quantity):
        raise DomainError(ErrorCode.INVALID, "This slot is free: book it directly.", "start")
    existing = session.scalar(
        sa.select(WaitlistEntry).where(
            WaitlistEntry.resource_id == resource.id, WaitlistEntry.member_id == actor.id,
            WaitlistEntry.start == start, WaitlistEntry.end == end,
            WaitlistEntry.status == WaitlistStatus.WAITING,
        )
    )
    if existing is not None:
        return existing
    entry = WaitlistEntry(resource_id=resource.id, member_id=actor.id, start=start, end=end, quantity=quantity)
    session.add(entry)
    session.flush()
    return entry


def leave(session: so.Session, actor: Member, entry_id: int) -> WaitlistEntry:
    entry = session.get(WaitlistEntry, entry_id)
    if entry is None or entry.member_id != actor.id:
        raise DomainError(ErrorCode.NOT_FOUND, NO_ENTRY, "entryId")
    entry.status = WaitlistStatus.LEFT
    session.flush()
    return entry


def slot_freed(session: so.Session, booking: Booking, now: Optional[dt.datetime] = None) -> Optional[WaitlistEntry]:
    """After `booking` stopped holding its slot: tell the first member waiting whose wish now
    fits. Called inside the cancelling transaction, so the notice exists only if it commits."""
    now = now or utcnow()
    if booking.end <= now:
        return None
    resource = session.get(Resource, booking.resource_id)
    waiting = session.scalars(
        sa.select(WaitlistEntry)
        .where(
            WaitlistEntry.resource_id == resource.id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.start < booking.blocked_until,
            WaitlistEntry.end > booking.blocked_from,
            WaitlistEntry.start > now,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    ).all()
    for entry in waiting:
        if slot_fits(session, resource, entry.start, entry.end, entry.quantity):
            _notify(session, entry, resource)
            return entry
    return None


def _notify(session: so.Session, entry: WaitlistEntry, resource: Resource) -> None:
    notices.slot_free(session, entry, resource)
    entry.status = WaitlistStatus.NOTIFIED
    entry.notified_at = utcnow()
    session.flush()
    log.info("waitlist entry %s told that resource %s is free, member %s", entry.id, resource.id, entry.member_id)
