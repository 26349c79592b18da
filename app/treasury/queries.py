"""What the treasury's pages, API and commands read: clearing runs and their detail, staleness,
closed months and their statements. Plain statements for app.api.relay.paginate or a count."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import (
    Account,
    AccountStatement,
    ClearingLine,
    ClearingPosition,
    ClearingRun,
    Invoice,
    InvoiceStatus,
    PeerInvoice,
    PeriodClose,
    Posting,
    Transfer,
)


def open_debts() -> sa.Select:
    """Every accepted invoice with something outstanding, oldest due first: a clearing's input.
    Not the invoices with a member of a peer hub: those only a joint run of both hubs may
    clear (app.federation), nor those such a run holds."""
    return (
        sa.select(Invoice.id, Invoice.debtor_account_id, Invoice.creditor_account_id, Invoice.outstanding)
        .where(
            Invoice.status == InvoiceStatus.ACCEPTED, Invoice.outstanding > 0, Invoice.joint_run_id.is_(None),
            Invoice.id.not_in(sa.select(PeerInvoice.invoice_id)),
        )
        .order_by(Invoice.due_date, Invoice.id)
    )


def clearing_runs() -> sa.Select:
    return sa.select(ClearingRun).order_by(ClearingRun.id.desc())


def run_positions(run_id: int) -> sa.Select:
    """The accounts of a run, most cleared first."""
    return (
        sa.select(ClearingPosition)
        .where(ClearingPosition.run_id == run_id)
        .order_by(ClearingPosition.payable_cleared.desc(), ClearingPosition.account_id)
    )


def run_lines(run_id: int) -> sa.Select:
    """The invoices a run reduces, largest first."""
    return (
        sa.select(ClearingLine)
        .where(ClearingLine.run_id == run_id)
        .order_by(ClearingLine.amount.desc(), ClearingLine.invoice_id)
    )


# An invoice of a proposal changed since: no longer accepted, or its outstanding moved.
_CHANGED = sa.or_(Invoice.status != InvoiceStatus.ACCEPTED, Invoice.outstanding != ClearingLine.outstanding_before)


def changed_invoice_ids(run_id: int) -> sa.Select:
    """The invoices that make a proposal stale, by number."""
    return (
        sa.select(ClearingLine.invoice_id)
        .join(Invoice, Invoice.id == ClearingLine.invoice_id)
        .where(ClearingLine.run_id == run_id, _CHANGED)
        .order_by(ClearingLine.invoice_id)
    )


def stale_run_ids(session: so.Session, run_ids: list[int]) -> set[int]:
    """Which of these proposals went stale, in one query (for a page of runs)."""
    if not run_ids:
        return set()
    return set(
        session.scalars(
            sa.select(ClearingLine.run_id)
            .join(Invoice, Invoice.id == ClearingLine.invoice_id)
            .where(ClearingLine.run_id.in_(run_ids), _CHANGED)
            .distinct()
        )
    )


def period_closes() -> sa.Select:
    """Closed months, newest first."""
    return sa.select(PeriodClose).order_by(PeriodClose.period_start.desc())


def statements(close_id: int, account_ids: Optional[set[int]]) -> sa.Select:
    """A closed month's statements, by account name; only those of `account_ids` unless None
    (app.permissions.visible_account_ids: the treasurer sees them all)."""
    stmt = sa.select(AccountStatement).where(AccountStatement.close_id == close_id)
    if account_ids is not None:
        stmt = stmt.where(AccountStatement.account_id.in_(list(account_ids)))
    return stmt.order_by(AccountStatement.account_name, AccountStatement.id)


def statement_totals(close_id: int, account_ids: Optional[set[int]]) -> sa.Select:
    """(opening, in, out, closing, entries) summed over the statements `statements` lists."""
    listed = statements(close_id, account_ids).order_by(None).subquery()
    return sa.select(*(
        sa.func.coalesce(sa.func.sum(listed.c[name]), 0)
        for name in ("opening_balance", "total_in", "total_out", "closing_balance", "entry_count")
    ))


def counterparty_names(session: so.Session, posting_ids: list[int]) -> dict[int, str]:
    """For postings, the name of the other account of their transfer (the payee of a payer's
    line, the payer of every other line), in one query."""
    if not posting_ids:
        return {}
    other = sa.case((Posting.account_id == Transfer.from_account_id, Transfer.to_account_id), else_=Transfer.from_account_id)
    return dict(session.execute(
        sa.select(Posting.id, Account.name)
        .join(Transfer, Transfer.id == Posting.transfer_id)
        .join(Account, Account.id == other)
        .where(Posting.id.in_(posting_ids))
    ).all())
