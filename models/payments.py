"""Euros: payments through Stripe or recorded bank transfers, the Stripe events received, the
organisations' membership fees and the hub's payment settings.

A payment is a movement of euros. When it changes credit (a settlement, a pay-out, a captured
deposit credited to the owner) it names its ledger entry (`transfer_id`), written once and only
once the money has moved. Amounts are integer euro cents; `credits` is the same value in the
hub's minor units at the rate in force when the payment was made.
"""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import _enum


class PaymentKind(str, enum.Enum):
    DEPOSIT = "DEPOSIT"
    SETTLEMENT = "SETTLEMENT"
    PAYOUT = "PAYOUT"
    MEMBERSHIP_FEE = "MEMBERSHIP_FEE"


class PaymentStatus(str, enum.Enum):
    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    SUCCEEDED = "SUCCEEDED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class PaymentMethod(str, enum.Enum):
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"


class DepositMode(str, enum.Enum):
    """HOLD: a manual-capture card authorisation; CHARGE: captured at once, refunded on return
    (loans longer than a card authorisation lives)."""

    HOLD = "HOLD"
    CHARGE = "CHARGE"


class Reconciliation(str, enum.Enum):
    UNCHECKED = "UNCHECKED"
    MATCHED = "MATCHED"
    MISMATCH = "MISMATCH"
    MANUAL = "MANUAL"  # a recorded bank transfer: nothing at Stripe to compare


class Payment(Base):
    __tablename__ = "payments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[PaymentKind] = so.mapped_column(_enum(PaymentKind), index=True)
    status: so.Mapped[PaymentStatus] = so.mapped_column(_enum(PaymentStatus), index=True)
    method: so.Mapped[PaymentMethod] = so.mapped_column(_enum(PaymentMethod))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # euro cents
    credits: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)  # hub minor units
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="EUR")
    account_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    member_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"), index=True)
    organization_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    booking_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("bookings.id"), index=True)
    stripe_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255), unique=True)
    client_secret: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    failure_message: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    refund_transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    # Deposits: how the card secures it, the owner's claim, what was finally taken.
    deposit_mode: so.Mapped[Optional[DepositMode]] = so.mapped_column(_enum(DepositMode))
    claim_amount: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    claim_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    claimed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    claimed_at: so.Mapped[Optional[dt.datetime]]
    captured_amount: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    refunded_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    authorized_at: so.Mapped[Optional[dt.datetime]]
    settled_at: so.Mapped[Optional[dt.datetime]]  # released, captured, refunded or paid: nothing more to do
    reconciliation: so.Mapped[Reconciliation] = so.mapped_column(
        _enum(Reconciliation), default=Reconciliation.UNCHECKED
    )
    reconciled_at: so.Mapped[Optional[dt.datetime]]
    recorded_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    succeeded_at: so.Mapped[Optional[dt.datetime]]

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("credits >= 0", name="credits_not_negative"),
        sa.CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount", name="refund_within_amount"),
        sa.CheckConstraint(
            "claim_amount IS NULL OR (claim_amount > 0 AND claim_amount <= amount)", name="claim_within_amount"
        ),
        sa.CheckConstraint(
            "captured_amount IS NULL OR (captured_amount >= 0 AND captured_amount <= amount)",
            name="capture_within_amount",
        ),
    )


class StripeEvent(Base):
    """A webhook event, stored by its Stripe id: processed once, whatever the replays."""

    __tablename__ = "stripe_events"

    id: so.Mapped[str] = so.mapped_column(sa.String(255), primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(100))
    object_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255), index=True)
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    payment_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("payments.id"))
    received_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    processed_at: so.Mapped[Optional[dt.datetime]]


class MembershipFee(Base):
    """An organisation's yearly fee, set by the admin, and the date it is paid until."""

    __tablename__ = "membership_fees"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), unique=True)
    yearly_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # euro cents
    paid_until: so.Mapped[Optional[dt.date]]
    starts_on: so.Mapped[dt.date]  # first due date: the day the fee was set
    updated_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("yearly_amount >= 0", name="yearly_amount_not_negative"),)


class PaymentSettings(Base):
    """The hub's payment policy, one row."""

    __tablename__ = "payment_settings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fee_overdue_blocks_bookings: so.Mapped[bool] = so.mapped_column(default=False)
    fee_grace_days: so.Mapped[int] = so.mapped_column(default=30)

    __table_args__ = (sa.CheckConstraint("fee_grace_days >= 0", name="grace_not_negative"),)
