"""What a booking would cost before it is made: its price, the credit held for it, and the
cancellation terms of the chosen slot. The booking service checks and prices a booking with the
same functions (`check_slot`, `booking_price`), so the quote a member reads is the rule applied.
"""
import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

import sqlalchemy.orm as so

from app.catalog import calendar
from app.catalog.booking_rules import SlotTaken, check_rules, free_cancellation_until, late_cancellation_fee, price_of
from app.catalog.calendar_data import buffer_of, load_closures, load_usages, suggestions_for
from app.catalog.resources import get_resource, owner_account_id
from app.errors import N_, Credits, DomainError, ErrorCode
from app.hub import MAX_AMOUNT, cancel_grace, hub_zone
from app.invoices.on_account import on_account_debt, require_on_account_credit
from app.ledger import services as ledger
from models import Account, Member, Resource, utcnow

NO_ACCOUNT = N_("You have no account to pay from.")
NOT_ENOUGH_CREDIT = N_("Not enough credit available: %(available)s available.")


def check_slot(session: so.Session, resource: Resource, start: dt.datetime, end: dt.datetime, quantity: int,
               now: dt.datetime, zone: ZoneInfo) -> None:
    """The resource's rules, then the calendar: SlotTaken (with the next free slots) when
    `quantity` units are not free over [start, end) and its buffer."""
    check_rules(resource, start, end, quantity, now, zone)
    buffer = buffer_of(resource)
    closures = load_closures(session, [resource.id], start, end)[resource.id]
    usages = load_usages(session, [resource.id], start, end + buffer)[resource.id]
    if not calendar.fits(usages, closures, resource.capacity, quantity, start, end, buffer):
        raise SlotTaken(suggestions_for(session, resource, start, end, quantity, now, zone), zone)


def booking_price(session: so.Session, resource: Resource, account: Optional[Account], start: dt.datetime,
                  end: dt.datetime, quantity: int) -> int:
    """The price of a booking paid from `account`: nothing when the resource belongs to that
    account's organisation (no credit moves), else price × duration × quantity."""
    if account is not None and owner_account_id(session, resource) == account.id:
        return 0
    price = price_of(resource, start, end, quantity)
    if price >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "end")
    return price


@dataclass
class Quote:
    price: Optional[int] = None  # None when the slot cannot even be priced (end before start)
    hold: int = 0  # credit reserved when booking
    on_account: bool = False
    available: Optional[int] = None  # of the paying account, before this booking
    approval_required: bool = False
    free_until: Optional[dt.datetime] = None  # cancelling is free until then
    grace_until: Optional[dt.datetime] = None  # set when the grace period is what makes it free
    cancellation_fee: int = 0  # what cancelling costs after free_until
    problem: Optional[DomainError] = None  # why the booking would be refused now


def quote_booking(session: so.Session, actor: Optional[Member], resource_id: int, start: dt.datetime,
                  end: dt.datetime, quantity: int = 1, on_account: bool = False,
                  now: Optional[dt.datetime] = None, zone: Optional[ZoneInfo] = None) -> Quote:
    """The quote of booking [start, end) now, as `actor` (None: a visitor, priced as a
    stranger to the owner). Nothing is written. The first reason the booking would be refused
    is in `problem`; the price and terms are given whenever the slot can be priced."""
    now = now or utcnow()
    zone = zone or hub_zone()
    resource = get_resource(session, resource_id)
    quote = Quote(approval_required=resource.approval_required)
    account = ledger.paying_account(session, actor) if actor is not None else None
    try:
        if end > start:
            quote.price = booking_price(session, resource, account, start, end, quantity)
            _terms(quote, resource, start, now)
            quote.on_account = on_account and quote.price > 0
            quote.hold = 0 if quote.on_account else quote.price
        check_slot(session, resource, start, end, quantity, now, zone)
        if actor is not None:
            _check_credit(session, quote, account)
    except DomainError as exc:
        quote.problem = exc
    return quote


def _terms(quote: Quote, resource: Resource, start: dt.datetime, now: dt.datetime) -> None:
    """The cancellation terms of a booking confirmed now."""
    grace = cancel_grace()
    quote.free_until = free_cancellation_until(resource, start, now, grace)
    if grace and quote.free_until > start - dt.timedelta(hours=resource.free_cancellation_hours):
        quote.grace_until = quote.free_until
    quote.cancellation_fee = late_cancellation_fee(resource, quote.price)


def _check_credit(session: so.Session, quote: Quote, account: Optional[Account]) -> None:
    """The booking service's credit checks: the hold against what is available, or, on
    account, the open on-account debt and the price against it (app.invoices.on_account)."""
    if account is None:
        raise DomainError(ErrorCode.INVALID_STATE, NO_ACCOUNT)
    quote.available = account.available
    if quote.on_account:
        require_on_account_credit(account, on_account_debt(session, account.id), quote.price)
    if quote.hold > max(account.available, 0):
        raise DomainError(ErrorCode.CREDIT_LIMIT_EXCEEDED, NOT_ENOUGH_CREDIT, "amount",
                          available=Credits(max(account.available, 0)))
