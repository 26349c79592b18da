"""The waitlist: a member waits for a taken slot; when a booking over it is cancelled or turned
down and the slot fits again, the first member waiting is told, in the app and by email (an
outbox that `flask catalog send-mail` sends when SMTP is configured)."""
import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import links
from app.catalog.booking_rules import check_rules
from app.catalog.calendar_data import slot_fits
from app.catalog.resources import get_resource
from app.errors import N_, DomainError, ErrorCode
from app.hub import hub_zone
from models import (
    Booking,
    Member,
    Notification,
    OutboxEmail,
    Resource,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)

log = logging.getLogger("alveole.catalog")
NO_ENTRY = N_("This waitlist entry does not exist.")

# Stored notices are written in the member's language when they are created.
TEXTS = {
    "fr": ("Un créneau s'est libéré : %(title)s, du %(start)s au %(end)s. Réservez-le vite !",
           "Alvéole : %(title)s est libre"),
    "en": ("A slot is free again: %(title)s, from %(start)s to %(end)s. Book it quickly!",
           "Alvéole: %(title)s is free"),
}


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
    member = session.get(Member, entry.member_id)
    zone = hub_zone()
    language = member.language if member.language in TEXTS else "fr"
    text, subject = TEXTS[language]
    params = {
        "title": resource.title,
        "start": entry.start.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
        "end": entry.end.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
    }
    link = links.resource_page(resource.id, entry.start, entry.end, zone)
    session.add(Notification(member_id=member.id, message=text % params, link=link))
    session.add(OutboxEmail(to_address=member.email, subject=subject % params, body=f"{text % params}\n\n{link}\n"))
    entry.status = WaitlistStatus.NOTIFIED
    entry.notified_at = utcnow()
    session.flush()
    log.info("waitlist notice sent: entry %s, resource %s, member %s", entry.id, resource.id, member.id)


def mark_notifications_read(session: so.Session, member: Member) -> int:
    """Mark every unread notice of the member as read; how many there were."""
    result = session.execute(
        sa.update(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


def send_outbox(session: so.Session, settings: dict, limit: int = 100) -> tuple[int, int]:
    """Send waiting emails through SMTP; returns (sent, failed). Each one is committed as it
    goes, so a failure half-way never sends an email twice."""
    pending = session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < 5)
        .order_by(OutboxEmail.id).limit(limit)
    ).all()
    sent = failed = 0
    if not pending:
        return 0, 0
    with smtplib.SMTP(settings["host"], settings["port"], timeout=30) as smtp:
        if settings.get("starttls"):
            smtp.starttls()
        if settings.get("username"):
            smtp.login(settings["username"], settings["password"])
        for email in pending:
            message = EmailMessage()
            message["From"] = settings["sender"]
            message["To"] = email.to_address
            message["Subject"] = email.subject
            message.set_content(email.body)
            email.attempts += 1
            try:
                smtp.send_message(message)
                email.sent_at = utcnow()
                sent += 1
            except smtplib.SMTPException as exc:
                email.last_error = str(exc)[:500]
                failed += 1
            session.commit()
    return sent, failed
