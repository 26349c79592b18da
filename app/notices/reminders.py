"""Reminders, from `flask notices remind` (safe to run every few minutes): a booking starting
tomorrow, a tool to return tomorrow or overdue, an invoice due within three days or overdue.

Each reminder has a key per object and kind ("booking:12:BOOKING_RETURN_DUE"): a member gets
it once, however often the command runs, even two runs at once (the notices' unique
(member, key) index). Objects already reminded are skipped before anything is written.
"""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.hub import hub_zone
from app.notices import links
from app.notices.events import booking_params
from app.notices.kinds import Category, Kind
from app.notices.services import notify
from models import Account, Booking, BookingStatus, Invoice, InvoiceStatus, Notification, Resource, utcnow

log = logging.getLogger("alveole.notices")

DUE_SOON_DAYS = 3
# A tool is overdue an hour after its end (the late fee's grace period).
OVERDUE_AFTER = dt.timedelta(hours=1)
UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.ACCEPTED)


def _key(prefix: str, object_id: int, kind: Kind) -> str:
    return f"{prefix}:{object_id}:{kind.value}"


def _already_sent(session: so.Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(sa.select(Notification.dedup_key).where(Notification.dedup_key.in_(keys)).distinct()))


def _tomorrow(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Tomorrow in the hub's time zone, as a UTC interval [from, to)."""
    zone = hub_zone()
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), zone)
    end = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(), zone)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def _remind_bookings(session: so.Session, kind: Kind, condition) -> int:
    rows = session.execute(
        sa.select(Booking, Resource).join(Resource, Resource.id == Booking.resource_id).where(condition)
        .order_by(Booking.id)
    ).all()
    done = _already_sent(session, [_key("booking", booking.id, kind) for booking, _ in rows])
    count = 0
    for booking, resource in rows:
        key = _key("booking", booking.id, kind)
        if key not in done:
            count += notify(session, booking.booker_id, Category.BOOKINGS, kind, booking_params(booking, resource),
                            links.booking_page(booking.id), key=key)
    return count


def _remind_invoices(session: so.Session, kind: Kind, condition) -> int:
    creditor = so.aliased(Account)
    rows = session.execute(
        sa.select(Invoice, creditor.name).join(creditor, creditor.id == Invoice.creditor_account_id)
        .where(Invoice.status.in_(UNPAID), Invoice.outstanding > 0, condition).order_by(Invoice.id)
    ).all()
    done = _already_sent(session, [_key("invoice", invoice.id, kind) for invoice, _ in rows])
    count = 0
    for invoice, creditor_name in rows:
        key = _key("invoice", invoice.id, kind)
        if key in done:
            continue
        holders = permissions.account_holders_query([invoice.debtor_account_id]).subquery()
        params = {"number": invoice.id, "creditor": creditor_name, "amount": invoice.amount,
                  "outstanding": invoice.outstanding, "due_date": invoice.due_date.isoformat()}
        count += notify(session, sa.select(holders.c.member_id), Category.INVOICES, kind, params, links.INVOICES, key=key)
    return count


def remind(session: so.Session, now: Optional[dt.datetime] = None) -> dict[str, int]:
    """Store the reminders due at `now`; how many of each kind. Only flushes."""
    now = now or utcnow()
    tomorrow_from, tomorrow_to = _tomorrow(now)
    today = now.astimezone(hub_zone()).date()
    counts = {
        Kind.BOOKING_STARTS_TOMORROW: _remind_bookings(session, Kind.BOOKING_STARTS_TOMORROW, sa.and_(
            Booking.status == BookingStatus.CONFIRMED, Booking.start >= tomorrow_from, Booking.start < tomorrow_to)),
        Kind.BOOKING_RETURN_DUE: _remind_bookings(session, Kind.BOOKING_RETURN_DUE, sa.and_(
            Booking.status == BookingStatus.CHECKED_OUT, Booking.end >= tomorrow_from, Booking.end < tomorrow_to)),
        Kind.BOOKING_OVERDUE: _remind_bookings(session, Kind.BOOKING_OVERDUE, sa.and_(
            Booking.status == BookingStatus.CHECKED_OUT, Booking.end < now - OVERDUE_AFTER)),
        Kind.INVOICE_DUE_SOON: _remind_invoices(session, Kind.INVOICE_DUE_SOON, sa.and_(
            Invoice.due_date >= today, Invoice.due_date <= today + dt.timedelta(days=DUE_SOON_DAYS))),
        Kind.INVOICE_OVERDUE: _remind_invoices(session, Kind.INVOICE_OVERDUE, Invoice.due_date < today),
    }
    session.flush()
    result = {kind.value: count for kind, count in counts.items()}
    log.info("reminders stored: %s", ", ".join(f"{kind} {count}" for kind, count in result.items()))
    return result
