"""Mutations of the federation: register and change peers (admin), pay a member of a peer hub
(a member, with the right to pay), reconcile with the peers (treasurer)."""
import datetime as dt
import functools
from typing import Optional

import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.errors import to_user_errors
from app.api.mutations import Payload, mutation_payload
from app.api.permissions import require
from app.api.scalars import money
from app.api.validation import load
from app.errors import N_, DomainError, ErrorCode
from app.federation import peers, reconcile, schemas, transfers
from app.federation.api.queries import peer_pk, peer_types
from app.federation.api.types import InterHubTransferType, PeerHubType, PeerReconciliation, PeerStatusEnum
from app.federation.directory import entry
from models import InterHubTransfer, PeerHub, PeerStatus

# Why a peer's payment did not go through, by the failure recorded on it.
FAILURES = {
    "CREDIT_LIMIT_EXCEEDED": N_(
        "%(hub)s refused the payment: it would take this hub beyond the credit %(hub)s grants it. Nothing was paid."
    ),
    "BALANCE_CAP_EXCEEDED": N_("%(hub)s refused the payment: the payee's account would go above its cap. Nothing was paid."),
    "NOT_FOUND": N_("%(hub)s does not know this account. Nothing was paid."),
    "UNREACHABLE": N_("%(hub)s did not answer. Nothing was paid; try again later."),
    None: N_("%(hub)s refused the payment. Nothing was paid."),
}


@strawberry.input
class RegisterPeerInput:
    hub_id: str
    name: str
    base_url: str
    public_key: str = strawberry.field(description="The peer's base64 Ed25519 public key.")
    rate: str = strawberry.field(default="1", description="Units of the peer's credit per one of ours.")
    limit_granted: str = strawberry.field(default="0", description="How far below zero its mirror account may go here.")


@strawberry.input
class UpdatePeerInput:
    peer_id: strawberry.ID
    rate: Optional[str] = None
    limit_granted: Optional[str] = None
    status: Optional[PeerStatusEnum] = None
    base_url: Optional[str] = None
    public_key: Optional[str] = None


@strawberry.input
class PayMemberOfPeerInput:
    peer_id: strawberry.ID
    to_account_ref: str = strawberry.field(description="The account to pay, from the peer's directory.")
    amount: str
    memo: str = ""
    idempotency_key: Optional[str] = strawberry.field(default=None, description="A UUID: the same one pays once.")


@strawberry.input
class ReconcilePeersInput:
    peer_id: Optional[strawberry.ID] = None


@strawberry.type
class PeerPayload(Payload):
    peer: Optional[PeerHubType] = None


@strawberry.type
class PayMemberOfPeerPayload(Payload):
    inter_hub_transfer: Optional[InterHubTransferType] = None


@strawberry.type
class ReconcilePeersPayload(Payload):
    reports: list[PeerReconciliation] = strawberry.field(default_factory=list)


def _peer_type(session, peer: PeerHub) -> PeerHubType:
    return next(p for p in peer_types(session) if p.hub_id == peer.hub_id)


def protocol_payload(payload_cls, allowed=permissions.is_signed_in):
    """For the mutations that talk to peers: their steps commit in sessions of their own (a
    decision must be durable before it is sent), so the request's session only reads, and
    the resolver ends its transaction (`release`) before the first step: on SQLite it holds
    the write lock that step needs. A DomainError comes back in the payload, as with
    mutation_payload."""

    def decorate(resolver):
        @functools.wraps(resolver)
        def wrapper(*args, **kwargs):
            info = kwargs["info"]
            try:
                require(info, allowed)
                return resolver(*args, **kwargs)
            except DomainError as exc:
                info.context.session.rollback()
                return payload_cls(errors=to_user_errors(exc))

        return wrapper

    return decorate


def _release(info: Info) -> None:
    """End the request's transaction (nothing written in it: the objects stay loaded) and
    let each protocol step take the database's write lock on its own."""
    info.context.session.commit()


@strawberry.type
class FederationMutation:
    @strawberry.mutation(description="Register a peer hub and open its mirror account (admin).")
    @mutation_payload(PeerPayload, allowed=permissions.is_admin)
    def register_peer(self, info: Info, input: RegisterPeerInput) -> PeerPayload:
        data = load(schemas.RegisterPeerSchema(), vars(input))
        peer = peers.register_peer(info.context.session, info.context.viewer, **data)
        return PeerPayload(peer=_peer_type(info.context.session, peer))

    @strawberry.mutation(description="Change a peer's rate, credit, address or key, or suspend it (admin).")
    @mutation_payload(PeerPayload, allowed=permissions.is_admin)
    def update_peer(self, info: Info, input: UpdatePeerInput) -> PeerPayload:
        data = load(schemas.UpdatePeerSchema(), {k: v for k, v in vars(input).items() if k not in ("peer_id", "status")})
        status = PeerStatus(input.status.value) if input.status else None
        peer = peers.update_peer(info.context.session, info.context.viewer, peer_pk(input.peer_id), status=status, **data)
        return PeerPayload(peer=_peer_type(info.context.session, peer))

    @strawberry.mutation(description="Pay an organisation of a peer hub, in two phases with that hub.")
    @protocol_payload(PayMemberOfPeerPayload)
    def pay_member_of_peer(self, info: Info, input: PayMemberOfPeerInput) -> PayMemberOfPeerPayload:
        data = load(schemas.PayMemberOfPeerSchema(), {k: v for k, v in vars(input).items() if k != "peer_id"})
        session = info.context.session
        peer = peers.active_peer(session, peer_pk(input.peer_id))
        payee = entry(peer, data["to_account_ref"])
        viewer_id = info.context.viewer.id
        _release(info)
        transfer_id = transfers.pay_member_of_peer(
            current_app.extensions["db_sessionmaker"], viewer_id, peer_id=peer.id, to_account_ref=payee["account_ref"],
            to_label=payee["name"], amount=data["amount"], memo=data["memo"], uuid=data.get("idempotency_key"),
        )
        record = session.get(InterHubTransfer, transfer_id)
        if record.state == transfers.InterHubState.ABORTED:
            raise DomainError(ErrorCode.PAYMENT_FAILED, FAILURES.get(record.failure) or FAILURES[None], "amount", hub=peer.name)
        return PayMemberOfPeerPayload(inter_hub_transfer=InterHubTransferType.from_model(record, peer))

    @strawberry.mutation(description="Finish the payments left between phases and compare the mirrors (treasurer).")
    @protocol_payload(ReconcilePeersPayload, allowed=permissions.is_treasurer)
    def reconcile_peers(self, info: Info, input: Optional[ReconcilePeersInput] = None) -> ReconcilePeersPayload:
        hub_id = None
        if input and input.peer_id:
            peer = info.context.session.get(PeerHub, peer_pk(input.peer_id))
            if peer is None:
                raise DomainError(ErrorCode.NOT_FOUND, "This peer hub does not exist.", "peerId")
            hub_id = peer.hub_id
        _release(info)
        reports = reconcile.reconcile(current_app.extensions["db_sessionmaker"], hub_id, min_age=dt.timedelta(minutes=2))
        return ReconcilePeersPayload(reports=[
            PeerReconciliation(
                hub_id=r.hub_id, name=r.name, finished=r.finished, left=r.left, our_balance=money(r.our_balance), agree=r.agree,
                their_balance_in_our_units=None if r.their_balance_in_our_units is None else money(r.their_balance_in_our_units),
                notes=r.notes,
            ) for r in reports
        ])
