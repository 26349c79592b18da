"""The treasury: invoices between members, clearing runs and their lines, period closes.

Invoices are debts outside the balances: issuing or accepting one moves no credit. Paying one
is a ledger transfer (kind INVOICE); clearing one is a CLEARING entry set that leaves every
balance unchanged. `outstanding` is what is still owed: amount - payments - clearings.
"""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import _enum


class InvoiceStatus(str, enum.Enum):
    ISSUED = "ISSUED"  # waiting for the debtor
    ACCEPTED = "ACCEPTED"  # a debt: can be paid, cleared, settled
    REJECTED = "REJECTED"
    PAID = "PAID"  # outstanding reached zero (by payments and/or clearing)
    CANCELLED = "CANCELLED"


class InvoiceEventKind(str, enum.Enum):
    CANCELLED = "CANCELLED"  # by the creditor, or by the treasurer with a reason
    CORRECTED = "CORRECTED"  # the treasurer changed its amount, due date or memo, with a reason


class ClearingMethod(str, enum.Enum):
    SET_OFF = "SET_OFF"  # multilateral set-off of cycles: no balance moves
    CREDIT_TRANSFERS = "CREDIT_TRANSFERS"  # remaining invoices paid in credits, within limits


class ClearingRunStatus(str, enum.Enum):
    PROPOSED = "PROPOSED"
    POSTED = "POSTED"
    DISCARDED = "DISCARDED"


class Invoice(Base):
    __tablename__ = "invoices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    creditor_account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    debtor_account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    outstanding: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    status: so.Mapped[InvoiceStatus] = so.mapped_column(_enum(InvoiceStatus), default=InvoiceStatus.ISSUED, index=True)
    memo: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    system_memo: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)  # as on Transfer (app.ledger.memos)
    due_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    # The booking or skill job it comes from; a plain column, owned by those slices.
    source_booking_id: so.Mapped[Optional[int]] = so.mapped_column(sa.Integer)
    # Held by a joint clearing run between hubs (app.federation) from its prepare to its
    # commit or abort: nothing else may change the invoice meanwhile. A plain column too.
    joint_run_id: so.Mapped[Optional[int]] = so.mapped_column(sa.Integer)
    issued_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    accepted_at: so.Mapped[Optional[dt.datetime]]
    closed_at: so.Mapped[Optional[dt.datetime]]  # paid, rejected or cancelled

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("outstanding >= 0 AND outstanding <= amount", name="outstanding_bounds"),
        sa.CheckConstraint("creditor_account_id <> debtor_account_id", name="distinct_accounts"),
        # Only the few invoices that have one: a clearing run that reduces 10^5 invoices then
        # does not insert each of them again into these two indexes (migration 0019).
        *(
            sa.Index(f"ix_invoices_{column}", column, postgresql_where=sa.text(f"{column} IS NOT NULL"),
                     sqlite_where=sa.text(f"{column} IS NOT NULL"))
            for column in ("source_booking_id", "joint_run_id")
        ),
    )


class InvoiceEvent(Base):
    """A change to an invoice that its own columns do not keep: who cancelled or corrected it,
    why, and what it was before. (Its dates say when it was issued, accepted or rejected; its
    payments and clearing lines say how it was settled.)"""

    __tablename__ = "invoice_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    invoice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("invoices.id"), index=True)
    kind: so.Mapped[InvoiceEventKind] = so.mapped_column(_enum(InvoiceEventKind))
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    amount_before: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    amount_after: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    due_date_before: so.Mapped[Optional[dt.date]] = so.mapped_column(sa.Date)
    due_date_after: so.Mapped[Optional[dt.date]] = so.mapped_column(sa.Date)
    memo_before: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    memo_after: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class InvoicePayment(Base):
    """A payment of an invoice in credits: links the invoice to its ledger transfer."""

    __tablename__ = "invoice_payments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    invoice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("invoices.id"), index=True)
    transfer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    run_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("clearing_runs.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class ClearingRun(Base):
    """A clearing proposal and, once posted, its record. Figures are frozen at proposal time."""

    __tablename__ = "clearing_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    method: so.Mapped[ClearingMethod] = so.mapped_column(_enum(ClearingMethod), default=ClearingMethod.SET_OFF)
    status: so.Mapped[ClearingRunStatus] = so.mapped_column(
        _enum(ClearingRunStatus), default=ClearingRunStatus.PROPOSED, index=True
    )
    gross_before: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    cleared: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    invoice_count: so.Mapped[int] = so.mapped_column(default=0)  # invoices touched
    proposed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    decided_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    decided_at: so.Mapped[Optional[dt.datetime]]  # posted or discarded

    @property
    def gross_after(self) -> int:
        return self.gross_before - self.cleared


class ClearingLine(Base):
    """One invoice of a run: how much to clear, and its outstanding when proposed (a posting
    is refused as stale when the invoice no longer has that outstanding and status)."""

    __tablename__ = "clearing_lines"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clearing_runs.id"))
    invoice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("invoices.id"))
    # Copies of the invoice's parties (whose own foreign keys vouch for them): no second
    # foreign-key check per line, which halves the cost of storing a 100,000-line proposal.
    debtor_account_id: so.Mapped[int]
    creditor_account_id: so.Mapped[int]
    outstanding_before: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)

    __table_args__ = (
        sa.CheckConstraint("amount > 0 AND amount <= outstanding_before", name="amount_bounds"),
        # Also how a run's lines are read, in invoice order (the posting's UPDATE).
        sa.UniqueConstraint("run_id", "invoice_id", name="uq_clearing_lines_run_invoice"),
    )


class ClearingPosition(Base):
    """Per account of a run: what it owed and was owed before, and how much is cleared.
    A set-off clears as much of an account's debts as of its claims (its net is unchanged)."""

    __tablename__ = "clearing_positions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clearing_runs.id"), index=True)
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"))
    payable_before: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    receivable_before: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    payable_cleared: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    receivable_cleared: so.Mapped[int] = so.mapped_column(sa.BigInteger)

    __table_args__ = (sa.UniqueConstraint("run_id", "account_id", name="uq_clearing_positions_run_account"),)


class PeriodClose(Base):
    """A closed month: its statements are written once and never changed."""

    __tablename__ = "period_closes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    period_start: so.Mapped[dt.date] = so.mapped_column(sa.Date, unique=True)  # first day of the month
    period_end: so.Mapped[dt.date] = so.mapped_column(sa.Date)  # first day of the next month
    closed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class AccountStatement(Base):
    __tablename__ = "account_statements"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    close_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("period_closes.id"), index=True)
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account_name: so.Mapped[str] = so.mapped_column(sa.String(160))
    opening_balance: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    total_in: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    total_out: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    closing_balance: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    entry_count: so.Mapped[int]
    # The month's postings as they were at closing: [[posting id, ISO time, kind, memo, amount, balance after]].
    lines: so.Mapped[list] = so.mapped_column(sa.JSON)

    __table_args__ = (
        sa.UniqueConstraint("close_id", "account_id", name="uq_account_statements_close_account"),
        sa.CheckConstraint("closing_balance = opening_balance + total_in - total_out", name="balanced"),
    )
