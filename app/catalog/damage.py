"""Damage found at a return: the owner's note and photos stay with the booking (the booker
sees them, and a deposit claim can rest on them), and the owner may close the resource for
repair on the spot."""
import datetime as dt
import logging
from typing import Sequence

import sqlalchemy.orm as so

from app.catalog.photos import reencode
from app.errors import DomainError, ErrorCode
from models import Booking, BookingPhoto, Member, Resource, ResourceStatus

log = logging.getLogger("alveole.catalog")

MAX_DAMAGE_PHOTOS = 6


def record_damage(session: so.Session, actor: Member, booking: Booking, resource: Resource,
                  photos: Sequence[bytes], close_for_repair: bool, now: dt.datetime) -> None:
    """Keep the photos of the damage with the booking; put the resource in maintenance when
    the owner asks (no new booking until they make it available again; the bookings already
    made stay, for the owner to keep or cancel from the resource's page)."""
    if len(photos) > MAX_DAMAGE_PHOTOS:
        raise DomainError(
            ErrorCode.INVALID, "At most %(count)s photos per return.", "photos", count=MAX_DAMAGE_PHOTOS
        )
    for data in photos:
        large, width, height, small = reencode(data, "photos")
        session.add(BookingPhoto(booking_id=booking.id, width=width, height=height, data=large, thumbnail=small,
                                 created_at=now))
    if close_for_repair and resource.status == ResourceStatus.AVAILABLE:
        resource.status = ResourceStatus.MAINTENANCE
        resource.updated_at = now
        log.info("resource %s closed for repair after booking %s, by member %s", resource.id, booking.id, actor.id)
    session.flush()
    if photos:
        log.info("damage recorded on booking %s: %s photo(s), by member %s", booking.id, len(photos), actor.id)

