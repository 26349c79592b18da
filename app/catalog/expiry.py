"""Requests nobody answered: once its start has passed, a booking request that the owner
neither accepted nor turned down expires. Its hold is released, its slot freed, and the booker
finds an in-app notice. Run by `flask catalog complete-due`, safe to run every few minutes and
from two places at once: each request is locked and read again before it expires."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale, format_datetime, gettext

from app.catalog import waitlist
from app.catalog.bookings import get_booking
from app.errors import N_
from app.ledger import services as ledger
from models import Booking, BookingStatus, Member, Notification, Resource, utcnow

log = logging.getLogger("alveole.catalog")

EXPIRED_NOTICE = N_("Your request for %(title)s on %(start)s was not answered in time: it has expired "
                    "and nothing is reserved any more.")
PAST_BOOKINGS_LINK = "/bookings?scope=past"


def expire_due_requests(session: so.Session, now: Optional[dt.datetime] = None) -> int:
    """Expire the requests whose start has passed without an answer; how many expired."""
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Booking.id)
        .where(Booking.status == BookingStatus.REQUESTED, Booking.start <= now)
        .order_by(Booking.id)
    ).all()
    expired = 0
    for booking_id in ids:
        booking = get_booking(session, booking_id)  # locked, then read again
        if booking.status != BookingStatus.REQUESTED or booking.start > now:
            continue  # answered (or expired by another run) meanwhile
        if booking.hold_id is not None:
            ledger.release_hold(session, booking.hold_id)
        booking.status = BookingStatus.EXPIRED
        booking.decided_at = now
        _tell_booker(session, booking)
        session.flush()
        log.info("booking %s expired: request not answered before its start", booking.id)
        waitlist.slot_freed(session, booking, now)
        expired += 1
    return expired


def _tell_booker(session: so.Session, booking: Booking) -> None:
    """An in-app notice, written in the booker's language."""
    member = session.get(Member, booking.booker_id)
    resource = session.get(Resource, booking.resource_id)
    with force_locale(member.language or "fr"):
        message = gettext(EXPIRED_NOTICE, title=resource.title, start=format_datetime(booking.start, "EEE d MMM HH:mm"))
    session.add(Notification(member_id=member.id, message=message[:500], link=PAST_BOOKINGS_LINK))
