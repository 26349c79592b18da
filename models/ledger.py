"""The mutual-credit ledger: accounts, immutable journal entries (transfers) and their
postings, holds, and the history of credit limits.

Invariants: for every account, balance == sum of its postings; the postings of a transfer sum
to zero, so the balances of all accounts sum to zero. Amounts are integer minor units.
"""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import _enum


class AccountKind(str, enum.Enum):
    ORGANIZATION = "ORGANIZATION"
    MEMBER = "MEMBER"
    SYSTEM = "SYSTEM"


class AccountStatus(str, enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class TransferKind(str, enum.Enum):
    PAYMENT = "PAYMENT"
    BOOKING = "BOOKING"
    SKILL = "SKILL"
    FEE = "FEE"
    INVOICE = "INVOICE"
    CLEARING = "CLEARING"
    SETTLEMENT = "SETTLEMENT"
    REVERSAL = "REVERSAL"
    ADJUSTMENT = "ADJUSTMENT"


class HoldStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    CAPTURED = "CAPTURED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


COMMONS = "COMMONS"
EURO_SETTLEMENT = "EURO_SETTLEMENT"


class Account(Base):
    __tablename__ = "accounts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[AccountKind] = so.mapped_column(_enum(AccountKind))
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    organization_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("organizations.id"), unique=True
    )
    member_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("members.id"), unique=True
    )
    system_code: so.Mapped[Optional[str]] = so.mapped_column(sa.String(40), unique=True)
    status: so.Mapped[AccountStatus] = so.mapped_column(
        _enum(AccountStatus), default=AccountStatus.OPEN
    )
    balance: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    credit_limit: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    balance_cap: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    on_hold: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("credit_limit >= 0", name="credit_limit_not_negative"),
        sa.CheckConstraint("on_hold >= 0", name="on_hold_not_negative"),
        sa.CheckConstraint("balance_cap IS NULL OR balance_cap > 0", name="balance_cap_positive"),
        sa.CheckConstraint(
            "(kind = 'ORGANIZATION' AND organization_id IS NOT NULL AND member_id IS NULL)"
            " OR (kind = 'MEMBER' AND member_id IS NOT NULL AND organization_id IS NULL)"
            " OR (kind = 'SYSTEM' AND system_code IS NOT NULL"
            " AND member_id IS NULL AND organization_id IS NULL)",
            name="one_owner",
        ),
    )

    @property
    def available(self) -> int:
        return self.balance + self.credit_limit - self.on_hold


class Transfer(Base):
    """An immutable journal entry. `amount` goes from `from_account` to `to_account`; a fee,
    when the hub charges one, is a third posting from the payer to the commons account."""

    __tablename__ = "transfers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[TransferKind] = so.mapped_column(_enum(TransferKind), index=True)
    from_account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    to_account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    fee: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    memo: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # A memo the hub writes (a booking, a clearing ...): its key and arguments, rendered in the
    # reader's language when shown (app.ledger.memos); `memo` then holds only what a member wrote.
    system_memo: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)
    initiator_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    # The member who acted: who paid, or whose booking's hold this captures. Null on the
    # hub's own entries and on those recorded before actors were (read as unknown).
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    idempotency_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(100))
    reverses_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("transfers.id"), unique=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)

    postings: so.Mapped[list["Posting"]] = so.relationship(
        back_populates="transfer", lazy="raise", order_by="Posting.id"
    )
    reverses: so.Mapped[Optional["Transfer"]] = so.relationship(
        remote_side=[id], back_populates="reversed_by", lazy="raise"
    )
    reversed_by: so.Mapped[Optional["Transfer"]] = so.relationship(
        back_populates="reverses", lazy="raise"
    )

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("fee >= 0", name="fee_not_negative"),
        sa.CheckConstraint("from_account_id <> to_account_id", name="distinct_accounts"),
        # The same key from the same member names one transfer (idempotent retries).
        sa.UniqueConstraint("initiator_id", "idempotency_key", name="uq_transfers_idempotency"),
        # What a member spent from an account this month (their spending cap).
        sa.Index("ix_transfers_actor_id_from_account_id_created_at", "actor_id", "from_account_id", "created_at"),
    )


class Posting(Base):
    """One signed line of a transfer on one account, with the account's balance after it."""

    __tablename__ = "postings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    transfer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("transfers.id"), index=True)
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    balance_after: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    transfer: so.Mapped[Transfer] = so.relationship(back_populates="postings", lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_postings_account_id_id", "account_id", "id"),
        # Statements for a period: the postings of one account between two instants.
        sa.Index("ix_postings_account_id_created_at", "account_id", "created_at"),
    )


class Hold(Base):
    """Credit reserved on an account (for a booking or a skill job) until captured or released."""

    __tablename__ = "holds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    status: so.Mapped[HoldStatus] = so.mapped_column(_enum(HoldStatus), default=HoldStatus.ACTIVE)
    memo: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    system_memo: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)  # as on Transfer
    initiator_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    expires_at: so.Mapped[Optional[dt.datetime]]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    settled_at: so.Mapped[Optional[dt.datetime]]
    transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"))

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class CreditLimitChange(Base):
    """The history of an account's limits, with the treasurer's reason: each change keeps the
    credit limit and the positive balance cap (None: no cap) before and after it."""

    __tablename__ = "credit_limit_changes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    old_limit: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    new_limit: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    old_cap: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    new_cap: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    changed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class HubSettings(Base):
    """The hub's policy, one row: transfer fee (basis points, with a minimum), warning level."""

    __tablename__ = "hub_settings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    transfer_fee_bps: so.Mapped[int] = so.mapped_column(default=0)
    transfer_fee_min: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    warning_level_percent: so.Mapped[int] = so.mapped_column(default=80)
