"""The events every slice reports, one call each where it happens: who is told, with which
parameters and which link. Called inside the event's transaction (a notice exists only if the
event commits); each adds one or two statements to it."""
import datetime as dt
from collections import defaultdict
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.hub import hub_today, hub_zone
from app.notices import links
from app.notices.kinds import Category, Kind
from app.notices.services import account_notice, notify, notify_account, notify_accounts
from models import (
    Account,
    Booking,
    BookingStatus,
    ClearingRun,
    Invoice,
    InvoiceStatus,
    Member,
    Organization,
    Resource,
    WaitlistEntry,
)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).isoformat()


def booking_params(booking: Booking, resource: Resource, **extra) -> dict:
    return {"title": resource.title, "start": _iso(booking.start), "end": _iso(booking.end), **extra}


# --- Bookings -----------------------------------------------------------------------------------


def booking_made(session: so.Session, booking: Booking) -> None:
    """A request waiting for the owner's answer: its managers are asked."""
    if booking.status != BookingStatus.REQUESTED:
        return
    resource = session.get(Resource, booking.resource_id)
    booker = session.get(Member, booking.booker_id)
    notify(session, permissions.resource_managers_query(resource), Category.BOOKINGS, Kind.BOOKING_REQUESTED,
           booking_params(booking, resource, booker=booker.name, note=booking.note), links.booking_page(booking.id))


def booking_decided(session: so.Session, booking: Booking) -> None:
    """The owner approved or turned down a request: the booker is told."""
    resource = session.get(Resource, booking.resource_id)
    approved = booking.status == BookingStatus.CONFIRMED
    params = booking_params(booking, resource, note="" if approved else booking.decision_reason)
    notify(session, booking.booker_id, Category.BOOKINGS, Kind.BOOKING_APPROVED if approved else Kind.BOOKING_REJECTED,
           params, links.booking_page(booking.id))


def booking_cancelled(session: so.Session, booking: Booking, actor: Member) -> None:
    """Cancelled by one side: the other side is told."""
    resource = session.get(Resource, booking.resource_id)
    if actor.id == booking.booker_id:
        recipients, by = permissions.resource_managers_query(resource), actor.name
    else:
        owner = session.get(Organization, resource.owner_organization_id) if resource.owner_organization_id else None
        recipients, by = booking.booker_id, owner.name if owner else actor.name
    notify(session, recipients, Category.BOOKINGS, Kind.BOOKING_CANCELLED,
           booking_params(booking, resource, by=by, note=booking.decision_reason), links.booking_page(booking.id))


def booking_expired(session: so.Session, booking: Booking) -> None:
    """A request nobody answered before its start expired: the booker is told."""
    resource = session.get(Resource, booking.resource_id)
    notify(session, booking.booker_id, Category.BOOKINGS, Kind.BOOKING_EXPIRED, booking_params(booking, resource),
           links.PAST_BOOKINGS)


def slot_free(session: so.Session, entry: WaitlistEntry, resource: Resource) -> None:
    """A waited-for slot fits again: the member first in line is told."""
    params = {"title": resource.title, "start": _iso(entry.start), "end": _iso(entry.end)}
    notify(session, entry.member_id, Category.WAITLIST, Kind.WAITLIST_SLOT_FREE, params,
           links.resource_page(resource.id, entry.start, entry.end, hub_zone()))


# --- Invoices and payments -------------------------------------------------------------------


def _invoice_params(session: so.Session, invoice: Invoice, **extra) -> dict:
    names = dict(session.execute(sa.select(Account.id, Account.name).where(
        Account.id.in_([invoice.creditor_account_id, invoice.debtor_account_id]))).all())
    return {
        "number": invoice.id, "amount": invoice.amount, "outstanding": invoice.outstanding,
        "creditor": names.get(invoice.creditor_account_id, ""), "debtor": names.get(invoice.debtor_account_id, ""),
        "due_date": invoice.due_date.isoformat(), **extra,
    }


def invoice_issued(session: so.Session, invoice: Invoice) -> None:
    """The debtor's side receives an invoice."""
    notify_account(session, invoice.debtor_account_id, Kind.INVOICE_RECEIVED,
                   _invoice_params(session, invoice, note=invoice.memo), links.INVOICES)


def invoice_answered(session: so.Session, invoice: Invoice) -> None:
    """The debtor accepted or rejected: the creditor's side is told."""
    kind = Kind.INVOICE_ACCEPTED if invoice.status == InvoiceStatus.ACCEPTED else Kind.INVOICE_REJECTED
    notify_account(session, invoice.creditor_account_id, kind, _invoice_params(session, invoice), links.INVOICES)


def invoice_paid(session: so.Session, invoice: Invoice, amount: int) -> None:
    notify_account(session, invoice.creditor_account_id, Kind.INVOICE_PAID,
                   _invoice_params(session, invoice, amount=amount), links.INVOICES)


def payment_received(session: so.Session, values: dict, payer: str, payee: str) -> tuple[str, dict]:
    """A member paid another account: the notice as a statement (the entry's `values`) that the
    ledger's hot path sends with the payment's postings, in one round trip."""
    return account_notice(session, values["to_account_id"], Kind.PAYMENT_RECEIVED,
                          {"payer": payer, "account": payee, "amount": values["amount"], "note": values["memo"]},
                          links.STATEMENT)


def clearing_posted(session: so.Session, run: ClearingRun, lines: Iterable) -> None:
    """Each account whose invoices a run settled hears of it once: (invoice id, debtor account,
    creditor account, outstanding before, amount) per line."""
    amounts: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    for _invoice_id, debtor, creditor, _before, amount in lines:
        for account_id in (debtor, creditor):
            amounts[account_id] += amount
            counts[account_id] += 1
    notify_accounts(session, Kind.CLEARING_POSTED, {
        account_id: ({"run": run.id, "amount": amounts[account_id], "count": counts[account_id]}, links.INVOICES)
        for account_id in amounts
    })


# --- Accounts ---------------------------------------------------------------------------------


def credit_limit_changed(session: so.Session, account: Account, old_limit: int, reason: str) -> None:
    notify_account(session, account.id, Kind.CREDIT_LIMIT_CHANGED,
                   {"account": account.name, "old_limit": old_limit, "limit": account.credit_limit, "note": reason},
                   links.ACCOUNT)


def limits_crossed(session: so.Session, crossings: list[tuple[int, int, int, int, int]], warning_level: int) -> None:
    """After an entry or a hold lowered what accounts may spend: (account id, used before,
    used after, credit limit, balance after) each. Told when the account goes past the warning
    level, and when it reaches its limit; at most once a week for each (an account going to and
    fro around its warning level is not a new event every time)."""
    year, week, _ = hub_today().isocalendar()
    for account_id, before, after, limit, balance in crossings:
        kind: Optional[Kind] = None
        if before < limit <= after:
            kind = Kind.ACCOUNT_AT_LIMIT
        elif before * 100 < warning_level * limit <= after * 100:
            kind = Kind.ACCOUNT_NEAR_LIMIT
        if kind is not None:
            name = session.get(Account, account_id).name
            notify_account(session, account_id, kind,
                           {"account": name, "percent": after * 100 // limit, "balance": balance}, links.ACCOUNT,
                           key=f"account:{account_id}:{kind.value}:{year}-W{week:02d}")
