"""The federation's GraphQL: peers (admin), payments to members of peer hubs, reconciliation,
invoices between hubs and joint clearing runs."""
import strawberry

from app.federation.api.invoices import PeerInvoicesMutation, PeerInvoicesQuery
from app.federation.api.joint_runs import JointRunsMutation, JointRunsQuery
from app.federation.api.mutations import FederationMutation as PeersMutation
from app.federation.api.queries import FederationQuery as PeersQuery
from app.federation.api.queries import resolve_inter_hub_transfer_node, resolve_peer_node


@strawberry.type
class FederationQuery(PeersQuery, PeerInvoicesQuery, JointRunsQuery):
    pass


@strawberry.type
class FederationMutation(PeersMutation, PeerInvoicesMutation, JointRunsMutation):
    pass


__all__ = ["FederationMutation", "FederationQuery", "resolve_inter_hub_transfer_node", "resolve_peer_node"]
