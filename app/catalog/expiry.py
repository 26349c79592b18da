"""Requests nobody answered: once its start has passed, a booking request that the owner
neither accepted nor turned down expires. Its hold is released, its slot freed, and the booker
is told (a notice of `app.notices`, put into their language when shown). Run by
`flask catalog complete-due`, safe to run every few minutes and from two places at once: each
request is locked and read again before it expires."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import waitlist
from app.catalog.bookings import get_booking
from app.ledger import services as ledger
from app.notices import events as notices
from models import Booking, BookingStatus, utcnow

log = logging.getLogger("alveole.catalog")


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
        notices.booking_expired(session, booking)
        session.flush()
        log.info("booking %s expired: request not answered before its start", booking.id)
        waitlist.slot_freed(session, booking, now)
        expired += 1
    return expired

