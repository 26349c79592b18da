"""The federation's GraphQL: peers (admin), payments to members of peer hubs, reconciliation."""
from app.federation.api.mutations import FederationMutation
from app.federation.api.queries import FederationQuery, resolve_inter_hub_transfer_node, resolve_peer_node

__all__ = ["FederationMutation", "FederationQuery", "resolve_inter_hub_transfer_node", "resolve_peer_node"]
