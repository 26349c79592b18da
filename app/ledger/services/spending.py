"""Spending for an organisation: who may, within which caps, and what a member spent.

A member of an organisation books, pays and settles invoices from its account within the
rights its manager granted (app.permissions.has_right) and two caps: one per booking (on a
booking's price) and one per calendar month (hub time zone) on everything they spend from the
account. What a member spent is read from the ledger's actor records:

    spent this month = the entries they made from the account since the 1st (payments,
                       bookings, skills, fees, invoice payments; amount and fee; not the
                       ones reversed since)
                     + what they committed and is not paid yet, whenever they committed it:
                       their active holds on the account and their bookings left on account
                       that are not billed yet.

A spending check locks the member's rights row (SELECT ... FOR UPDATE) in the request's
transaction before it adds up, so two requests of the same member queue and the second sees
what the first spent: two bookings at once cannot both pass the monthly cap. (SQLite runs one
writer at a time anyway.)
"""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, Credits, DomainError, ErrorCode
from app.hub import hub_zone
from app.permissions import SPENDING_RIGHTS, Right, can_spend_from, has_right, is_capped
from models import (
    Account,
    Booking,
    BookingStatus,
    Hold,
    HoldStatus,
    Member,
    MemberRights,
    Organization,
    OrganizationStatus,
    Transfer,
    TransferKind,
    utcnow,
)

# What counts as spending: not clearing (a set-off), not reversals, settlements or adjustments.
SPENDING_KINDS = (TransferKind.PAYMENT, TransferKind.BOOKING, TransferKind.SKILL, TransferKind.FEE, TransferKind.INVOICE)
# A booking left on account is billed when it completes: until then its price is committed.
UNBILLED_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_OUT, BookingStatus.RETURNED)

NO_RIGHT = {
    Right.BOOK: N_("You do not have the right to book for %(organization)s. Ask %(manager)s, its manager."),
    Right.PAY: N_("You do not have the right to pay members for %(organization)s. Ask %(manager)s, its manager."),
    Right.HANDLE_INVOICES: N_(
        "You do not have the right to handle the invoices of %(organization)s. Ask %(manager)s, its manager."
    ),
    Right.LIST_RESOURCES: N_(
        "You do not have the right to list resources for %(organization)s. Ask %(manager)s, its manager."
    ),
    Right.PROVIDE_SKILLS: N_(
        "You do not have the right to provide skills for %(organization)s. Ask %(manager)s, its manager."
    ),
}
SUSPENDED = N_("%(organization)s is suspended: nobody can act for it until the hub's administrator reinstates it.")
NO_MANAGER = N_("the hub's administrator")


def month_start(now: Optional[dt.datetime] = None) -> dt.datetime:
    """The first instant of the current month in the hub's time zone, in UTC."""
    local = (now or utcnow()).astimezone(hub_zone())
    first = dt.datetime(local.year, local.month, 1, tzinfo=hub_zone())
    return first.astimezone(dt.timezone.utc)


def _spending_parts(member_ids, account_id: int, since: dt.datetime) -> list[sa.Select]:
    """(member id, amount) rows of each part of what members spent from an account."""
    reversal = so.aliased(Transfer)
    entries = (
        sa.select(Transfer.actor_id, sa.func.sum(Transfer.amount + Transfer.fee))
        .where(
            Transfer.actor_id.in_(member_ids),
            Transfer.from_account_id == account_id,
            Transfer.created_at >= since,
            Transfer.kind.in_(SPENDING_KINDS),
            ~sa.exists().where(reversal.reverses_id == Transfer.id),
        )
        .group_by(Transfer.actor_id)
    )
    holds = (
        sa.select(Hold.initiator_id, sa.func.sum(Hold.amount))
        .where(Hold.initiator_id.in_(member_ids), Hold.account_id == account_id, Hold.status == HoldStatus.ACTIVE)
        .group_by(Hold.initiator_id)
    )
    unbilled = (
        sa.select(Booking.booker_id, sa.func.sum(Booking.price))
        .where(
            Booking.booker_id.in_(member_ids), Booking.account_id == account_id, Booking.on_account.is_(True),
            Booking.status.in_(UNBILLED_STATUSES),
        )
        .group_by(Booking.booker_id)
    )
    return [entries, holds, unbilled]


def spent_by_members(
    session: so.Session, member_ids: list[int], account_id: int, now: Optional[dt.datetime] = None
) -> dict[int, int]:
    """What each member spent (and committed) from an account this month, in minor units; in
    one query whatever the number of members."""
    ids = list(set(member_ids))
    spent = dict.fromkeys(ids, 0)
    if not ids:
        return spent
    parts = sa.union_all(*_spending_parts(ids, account_id, month_start(now))).subquery()
    member, amount = parts.c
    for member_id, total in session.execute(sa.select(member, sa.func.sum(amount)).group_by(member)):
        spent[member_id] = int(total or 0)
    return spent


def spent_this_month(session: so.Session, member_id: int, account_id: int, now: Optional[dt.datetime] = None) -> int:
    """What a member spent (and committed) from an account this month, in minor units."""
    return spent_by_members(session, [member_id], account_id, now)[member_id]


def refusal(session: so.Session, actor: Member, organization_id: Optional[int], right: Right) -> DomainError:
    """FORBIDDEN, saying whom to ask: the organisation's manager (or why nobody can)."""
    organization = session.get(Organization, organization_id) if organization_id else None
    if organization is None:
        return DomainError(ErrorCode.FORBIDDEN, "You cannot pay from this account.")
    if organization.status != OrganizationStatus.ACTIVE:
        return DomainError(ErrorCode.FORBIDDEN, SUSPENDED, organization=organization.name)
    manager = session.get(Member, organization.manager_id) if organization.manager_id else None
    return DomainError(
        ErrorCode.FORBIDDEN, NO_RIGHT[right], organization=organization.name,
        manager=manager.name if manager else NO_MANAGER,
    )


def require_right(session: so.Session, actor: Member, organization_id: Optional[int], right: Right) -> None:
    """Refuse (FORBIDDEN, whom to ask) unless `actor` may do `right` for the organisation."""
    if not has_right(session, actor, organization_id, right):
        raise refusal(session, actor, organization_id or actor.organization_id, right)


def authorize_spending(
    session: so.Session,
    actor: Member,
    account: Account,
    right: Right,
    amount: int,
    *,
    booking: bool = False,
    now: Optional[dt.datetime] = None,
) -> None:
    """May `actor` spend `amount` from `account` this way? FORBIDDEN without the right (the
    message names whom to ask); SPENDING_CAP_EXCEEDED past the per-booking cap (`booking`:
    `amount` is a booking's price) or the monthly cap. Call it in the transaction that then
    spends: it locks the actor's rights row until the end of that transaction."""
    assert right in SPENDING_RIGHTS
    if not can_spend_from(session, actor, account, right):
        raise refusal(session, actor, account.organization_id or actor.organization_id, right)
    if account.organization_id is None or not is_capped(session, actor, account.organization_id):
        return
    rights = session.get(MemberRights, actor.id, with_for_update=True, populate_existing=True)
    manager = session.get(Member, session.get(Organization, account.organization_id).manager_id)
    if booking and rights.booking_cap is not None and amount > rights.booking_cap:
        raise DomainError(
            ErrorCode.SPENDING_CAP_EXCEEDED,
            "This booking costs %(amount)s, above the %(cap)s per booking you may spend. Ask %(manager)s to raise it.",
            "amount", amount=Credits(amount), cap=Credits(rights.booking_cap), manager=manager.name,
        )
    if rights.monthly_cap is None:
        return
    spent = spent_this_month(session, actor.id, account.id, now)
    if spent + amount > rights.monthly_cap:
        raise DomainError(
            ErrorCode.SPENDING_CAP_EXCEEDED,
            "This would take your spending this month to %(total)s, above your cap of %(cap)s a month "
            "(%(left)s left). Ask %(manager)s to raise it.",
            "amount", total=Credits(spent + amount), cap=Credits(rights.monthly_cap),
            left=Credits(max(rights.monthly_cap - spent, 0)), manager=manager.name,
        )
