"""GraphQL types of the federation: peer hubs, payments between hubs, a peer's directory."""
import datetime as dt
from decimal import Decimal
from typing import Optional

import strawberry

from app.api.relay import Node, to_global_id
from app.api.scalars import Money, money
from models import InterHubState, InterHubTransfer, PeerHub, PeerStatus, TransferDirection

PeerStatusEnum = strawberry.enum(PeerStatus, name="PeerStatus")
InterHubStateEnum = strawberry.enum(InterHubState, name="InterHubState")
TransferDirectionEnum = strawberry.enum(TransferDirection, name="InterHubDirection")


@strawberry.type(name="PeerHub", description="A hub this hub trades with, and its mirror account here.")
class PeerHubType(Node):
    hub_id: str
    name: str
    base_url: str
    public_key: str
    rate: Decimal = strawberry.field(description="Units of the peer's credit per one of ours.")
    status: PeerStatusEnum
    limit_granted: Money = strawberry.field(description="How far below zero its mirror account may go here.")
    mirror_balance: Money = strawberry.field(description="Positive: the peer owes this hub.")
    mirror_on_hold: Money
    account_id: strawberry.ID

    @classmethod
    def from_model(cls, peer: PeerHub, account) -> "PeerHubType":
        return cls(
            id=to_global_id("PeerHub", peer.id), hub_id=peer.hub_id, name=peer.name, base_url=peer.base_url,
            public_key=peer.public_key, rate=Decimal(peer.rate), status=peer.status,
            limit_granted=money(account.credit_limit), mirror_balance=money(account.balance),
            mirror_on_hold=money(account.on_hold), account_id=to_global_id("Account", account.id),
        )


@strawberry.type(name="InterHubTransfer", description="A payment between a member here and a member of a peer hub.")
class InterHubTransferType(Node):
    uuid: str
    peer_name: str
    direction: TransferDirectionEnum
    state: InterHubStateEnum
    amount: Money
    remote_label: str
    memo: str
    failure: Optional[str]
    created_at: dt.datetime

    @classmethod
    def from_model(cls, record: InterHubTransfer, peer: PeerHub) -> "InterHubTransferType":
        return cls(
            id=to_global_id("InterHubTransfer", record.id), uuid=record.uuid, peer_name=peer.name,
            direction=record.direction, state=record.state, amount=money(record.amount),
            remote_label=record.remote_label, memo=record.memo, failure=record.failure, created_at=record.created_at,
        )


@strawberry.type(description="A peer hub whose members can be paid: what a member sees of it.")
class PayablePeer:
    id: strawberry.ID
    hub_id: str
    name: str


@strawberry.type(description="An organisation of a peer hub that members here may pay.")
class PeerOrganization:
    name: str
    town: str
    account_ref: str


@strawberry.type(description="This hub as its peers know it: hand its public key to their admin.")
class HubIdentity:
    hub_id: str
    name: str
    base_url: str
    public_key: str


@strawberry.type(description="What a reconciliation did with one peer.")
class PeerReconciliation:
    hub_id: str
    name: str = strawberry.field(description="The peer hub's name, as registered here.")
    finished: int
    left: int
    our_balance: Money
    their_balance_in_our_units: Optional[Money]
    agree: Optional[bool]
    notes: list[str]
