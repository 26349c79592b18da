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
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("peer_id", "uuid", name="uq_inter_hub_transfers_peer_id_uuid"),
        sa.CheckConstraint("amount > 0 AND remote_amount > 0", name="amounts_positive"),
    )
