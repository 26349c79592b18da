"""What the invoice pages, the API and the reports read: statements over invoices, built from
the visibility rules of app.permissions, for app.api.relay.paginate or a count."""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa

from app import permissions
from models import Account, AccountKind, AccountStatus, Booking, Invoice, InvoiceStatus, Member

UNPAID_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.ACCEPTED)


class Direction(enum.Enum):
    """Which side of the viewer's invoices to list."""

    TO_PAY = "TO_PAY"
    TO_COLLECT = "TO_COLLECT"


def overdue_clause(today: dt.date):
    """Unpaid after its due date (app.invoices.services.is_overdue), as SQL for lists and counts."""
    return sa.and_(Invoice.status.in_(UNPAID_STATUSES), Invoice.outstanding > 0, Invoice.due_date < today)


def own_booking_clause():
    """The invoice bills a booking that the debtor's account made (a job's, once jobs are
    billed, joins here): something the debtor agreed to stands behind it."""
    return sa.exists().where(Booking.id == Invoice.source_booking_id, Booking.account_id == Invoice.debtor_account_id)


def disputed_clause(now: dt.datetime, after_days: int):
    """An invoice the debtor refused, or left unanswered past the delay of automatic
    acceptance while no booking of theirs stands behind it: the treasurer's to look at."""
    return sa.or_(
        Invoice.status == InvoiceStatus.REJECTED,
        sa.and_(
            Invoice.status == InvoiceStatus.ISSUED,
            Invoice.created_at <= now - dt.timedelta(days=after_days),
            sa.not_(own_booking_clause()),
        ),
    )


def invoices(
    viewer: Member,
    usable: set[int],
    *,
    today: dt.date,
    statuses: Optional[list[InvoiceStatus]] = None,
    direction: Optional[Direction] = None,
    overdue: Optional[bool] = None,
    issued_before: Optional[dt.datetime] = None,
    disputed: Optional[tuple[dt.datetime, int]] = None,
) -> sa.Select:
    """The invoices the viewer may see, newest first: those of the accounts they act for
    (`usable`), narrowed to one side by `direction`; for the treasurer, the whole hub's.
    `disputed`: (now, days of automatic acceptance) to list only the disputed ones."""
    stmt = sa.select(Invoice).order_by(Invoice.id.desc())
    if direction == Direction.TO_PAY:
        stmt = stmt.where(Invoice.debtor_account_id.in_(list(usable)))
    elif direction == Direction.TO_COLLECT:
        stmt = stmt.where(Invoice.creditor_account_id.in_(list(usable)))
    else:
        stmt = stmt.where(permissions.visible_invoice_filter(viewer, usable))
    if statuses:
        stmt = stmt.where(Invoice.status.in_(statuses))
    if disputed is not None:
        stmt = stmt.where(disputed_clause(*disputed))
    if overdue is not None:
        late = overdue_clause(today)
        stmt = stmt.where(late if overdue else sa.not_(late))
    if issued_before is not None:
        stmt = stmt.where(Invoice.created_at < issued_before)
    return stmt


def counterparties(usable: set[int]) -> sa.Select:
    """Accounts one may invoice: every open member account but the ones one acts for."""
    return (
        sa.select(Account)
        .where(Account.kind != AccountKind.SYSTEM, Account.status == AccountStatus.OPEN, Account.id.not_in(list(usable)))
        .order_by(Account.name, Account.id)
    )
