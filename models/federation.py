"""Federation: the peer hubs this hub trades with, the nonces of their signed messages, and the
payments between a member of this hub and a member of a peer (two-phase, on both sides).

Each peer has a mirror account in this hub's ledger (a system account, `system_code`
"PEER:<hub id>"): what members here paid to the peer's members is credited to it, what the
peer's members paid here is debited from it, down to its credit limit (the credit this hub
grants the peer). The peer's mirror account of this hub says the opposite.
"""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import _enum

PEER_CODE_PREFIX = "PEER:"


class PeerStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class PeerHub(Base):
    __tablename__ = "peer_hubs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    hub_id: so.Mapped[str] = so.mapped_column(sa.String(30), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    base_url: so.Mapped[str] = so.mapped_column(sa.String(300))
    public_key: so.Mapped[str] = so.mapped_column(sa.String(64))  # base64 of the raw 32 bytes
    # Units of the peer's credit per one unit of ours, as a decimal string ("1", "0.95").
    rate: so.Mapped[str] = so.mapped_column(sa.String(30), default="1")
    # The mirror account; its credit limit is the credit this hub grants the peer.
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    status: so.Mapped[PeerStatus] = so.mapped_column(_enum(PeerStatus), default=PeerStatus.ACTIVE)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class PeerNonce(Base):
    """A nonce seen in a peer's signed request: the same one again is a replay. Kept as long
    as a timestamp is accepted, then pruned."""

    __tablename__ = "peer_nonces"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("peer_hubs.id"))
    nonce: so.Mapped[str] = so.mapped_column(sa.String(32))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("peer_id", "nonce", name="uq_peer_nonces_peer_id_nonce"),)


class TransferRole(str, enum.Enum):
    COORDINATOR = "COORDINATOR"  # the payer's hub: it decides
    PARTICIPANT = "PARTICIPANT"  # the payee's hub: it prepares, then does what was decided


class TransferDirection(str, enum.Enum):
    OUT = "OUT"  # a member here pays a member of the peer
    IN = "IN"  # a member of the peer pays a member here


class InterHubState(str, enum.Enum):
    PREPARING = "PREPARING"  # coordinator: the payer's credit is held, the peer not asked yet
    PREPARED = "PREPARED"  # participant: the peer's mirror account holds the amount
    COMMITTING = "COMMITTING"  # coordinator: decided to commit, the peer not told yet
    ABORTING = "ABORTING"  # coordinator: decided to abort, the peer not told yet
    COMMITTED = "COMMITTED"
    ABORTED = "ABORTED"


FINAL_STATES = (InterHubState.COMMITTED, InterHubState.ABORTED)


class InterHubTransfer(Base):
    """One payment between hubs, on one side. Both sides share its `uuid`; `amount` is in this
    hub's minor units, `remote_amount` in the peer's."""

    __tablename__ = "inter_hub_transfers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    uuid: so.Mapped[str] = so.mapped_column(sa.String(36))
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("peer_hubs.id"), index=True)
    role: so.Mapped[TransferRole] = so.mapped_column(_enum(TransferRole))
    direction: so.Mapped[TransferDirection] = so.mapped_column(_enum(TransferDirection))
    local_account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    remote_account_ref: so.Mapped[str] = so.mapped_column(sa.String(40))
    remote_label: so.Mapped[str] = so.mapped_column(sa.String(160))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    remote_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    memo: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    state: so.Mapped[InterHubState] = so.mapped_column(_enum(InterHubState), index=True)
    # Why the peer refused, or what failed (an error code), for the member and the treasurer.
    failure: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    hold_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("holds.id"))
    transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"), index=True)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    # The cross-hub invoice this payment pays, on this side (app.federation.invoice_links).
    invoice_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("invoices.id"), index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("peer_id", "uuid", name="uq_inter_hub_transfers_peer_id_uuid"),
        sa.CheckConstraint("amount > 0 AND remote_amount > 0", name="amounts_positive"),
    )


class InvoiceSide(str, enum.Enum):
    CREDITOR = "CREDITOR"  # this hub's member issued it to a member of the peer
    DEBTOR = "DEBTOR"  # a member of the peer issued it to a member here


class PeerInvoice(Base):
    """The cross-hub side of an invoice: the local `invoices` row has the mirror account of the
    peer where the remote party would be; both hubs share the `uuid`. `synced` says whether
    the peer has heard the last thing this side has to tell it (the invoice itself from the
    creditor's side, the debtor's answer from the debtor's side)."""

    __tablename__ = "peer_invoices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    invoice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("invoices.id"), unique=True)
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("peer_hubs.id"), index=True)
    uuid: so.Mapped[str] = so.mapped_column(sa.String(36))
    side: so.Mapped[InvoiceSide] = so.mapped_column(_enum(InvoiceSide))
    remote_account_ref: so.Mapped[str] = so.mapped_column(sa.String(40))
    remote_label: so.Mapped[str] = so.mapped_column(sa.String(160))
    synced: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("peer_id", "uuid", name="uq_peer_invoices_peer_id_uuid"),)


class JointRunState(str, enum.Enum):
    PROPOSED = "PROPOSED"  # one treasurer proposed, the other has not answered
    ACCEPTED = "ACCEPTED"  # the participant's treasurer agreed: the coordinator may run it
    PREPARING = "PREPARING"  # coordinator: its part is held, the peer not asked yet
    PREPARED = "PREPARED"  # participant: its part is held for the run
    COMMITTING = "COMMITTING"  # coordinator: decided to post, the peer not told yet
    ABORTING = "ABORTING"  # coordinator: decided not to, the peer not told yet
    COMMITTED = "COMMITTED"  # posted here (a clearing run of this hub)
    ABORTED = "ABORTED"  # declined, or given up: nothing posted, invoices released


JOINT_FINAL_STATES = (JointRunState.COMMITTED, JointRunState.ABORTED)


class JointRun(Base):
    """A clearing run across two hubs, on one side: its figures are the joint run's (the same
    on both sides), its `clearing_run_id` the run posting this hub's part once committed."""

    __tablename__ = "joint_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    uuid: so.Mapped[str] = so.mapped_column(sa.String(36))
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("peer_hubs.id"), index=True)
    role: so.Mapped[TransferRole] = so.mapped_column(_enum(TransferRole))
    state: so.Mapped[JointRunState] = so.mapped_column(_enum(JointRunState), index=True)
    gross_before: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    cleared: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    cleared_alone_here: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    cleared_alone_there: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    clearing_run_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("clearing_runs.id"))
    proposed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    accepted_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    failure: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("peer_id", "uuid", name="uq_joint_runs_peer_id_uuid"),)


class JointRunLine(Base):
    """What a joint run clears on one of this hub's invoices, held (`invoices.joint_run_id`)
    from prepare until commit or abort."""

    __tablename__ = "joint_run_lines"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    joint_run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("joint_runs.id"), index=True)
    invoice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("invoices.id"))
    outstanding_before: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)

    __table_args__ = (sa.CheckConstraint("amount > 0 AND amount <= outstanding_before", name="amount_bounds"),)
