"""Queries of the federation: peers and this hub's identity (treasurer), a peer's directory
(members), payments between hubs (the treasurer all of them, a member those of their accounts)."""
from typing import Optional

import sqlalchemy as sa
import strawberry
from flask import current_app
from flask_babel import gettext

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import QueryError, decode_id, to_global_id
from app.errors import DomainError
from app.federation import directory, keys, peers
from app.federation.api.types import HubIdentity, InterHubTransferType, PayablePeer, PeerHubType, PeerOrganization
from models import FINAL_STATES, Account, InterHubTransfer, PeerHub, PeerStatus

MAX_FIRST = 100


def peer_types(session) -> list[PeerHubType]:
    found = peers.peers(session)
    accounts = {a.id: a for a in session.scalars(sa.select(Account).where(Account.id.in_([p.account_id for p in found])))}
    return [PeerHubType.from_model(peer, accounts[peer.account_id]) for peer in found]


def peer_pk(peer_id: strawberry.ID) -> int:
    return decode_id(peer_id, "PeerHub") or 0


@strawberry.type
class FederationQuery:
    @strawberry.field(description="The hubs this hub trades with (treasurer).")
    def peers(self, info: Info) -> list[PeerHubType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        return peer_types(info.context.session)

    @strawberry.field(description="This hub's id and public key, to give to a peer's admin (treasurer).")
    def hub_identity(self, info: Info) -> HubIdentity:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        config = current_app.config
        return HubIdentity(hub_id=keys.hub_id(), name=config["HUB_NAME"], base_url=config["BASE_URL"],
                           public_key=keys.public_key_text())

    @strawberry.field(description="The peer hubs whose members can be paid now.")
    def payable_peers(self, info: Info) -> list[PayablePeer]:
        require_for_query(info)
        found = info.context.session.scalars(sa.select(PeerHub).where(PeerHub.status == PeerStatus.ACTIVE).order_by(PeerHub.name))
        return [PayablePeer(id=to_global_id("PeerHub", p.id), hub_id=p.hub_id, name=p.name) for p in found]

    @strawberry.field(description="The organisations of an active peer hub that members here may pay.")
    def peer_directory(self, info: Info, peer_id: strawberry.ID, search: Optional[str] = None) -> list[PeerOrganization]:
        require_for_query(info)
        try:
            peer = peers.active_peer(info.context.session, peer_pk(peer_id))
            entries = directory.peer_directory(peer, search)
        except DomainError as exc:
            raise QueryError(gettext(exc.message, **exc.params), code=exc.code.value) from None
        return [PeerOrganization(**entry) for entry in entries[:MAX_FIRST]]

    @strawberry.field(description="Payments between hubs, newest first: the treasurer sees all, a member those of "
                                  "the accounts they use.")
    def inter_hub_transfers(
        self, info: Info, in_flight: bool = False, first: int = 50, peer_id: Optional[strawberry.ID] = None
    ) -> list[InterHubTransferType]:
        viewer = require_for_query(info)
        if not 0 < first <= MAX_FIRST:
            raise QueryError("first is between 1 and 100.", code="INVALID")
        session = info.context.session
        query = sa.select(InterHubTransfer, PeerHub).join(PeerHub, PeerHub.id == InterHubTransfer.peer_id)
        if not permissions.is_treasurer(viewer):
            query = query.where(InterHubTransfer.local_account_id.in_(permissions.usable_account_ids_query(viewer)))
        if in_flight:
            query = query.where(InterHubTransfer.state.not_in(FINAL_STATES))
        if peer_id is not None:
            query = query.where(InterHubTransfer.peer_id == peer_pk(peer_id))
        rows = session.execute(query.order_by(InterHubTransfer.id.desc()).limit(first))
        return [InterHubTransferType.from_model(record, peer) for record, peer in rows]


def resolve_peer_node(info: Info, pk: int) -> Optional[PeerHubType]:
    if not permissions.is_treasurer(info.context.viewer):
        return None
    return next((p for p in peer_types(info.context.session) if decode_id(p.id, "PeerHub") == pk), None)


def resolve_inter_hub_transfer_node(info: Info, pk: int) -> Optional[InterHubTransferType]:
    viewer, session = info.context.viewer, info.context.session
    record = session.get(InterHubTransfer, pk) if viewer else None
    if record is None or not permissions.can_see_account(session, viewer, session.get(Account, record.local_account_id)):
        return None
    return InterHubTransferType.from_model(record, session.get(PeerHub, record.peer_id))
