"""The one GraphQL schema, assembled from the slices."""
from pathlib import Path
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.relay import Node, parse_global_id
from app.api.scalars import SCALAR_OVERRIDES
from app.audit.api import AuditQuery
from app.auth.api import AccountsMutation, AccountsQuery, AuthMutation, AuthQuery, resolve_member_node, resolve_organization_node
from app.catalog.api import (
    CatalogMutation,
    CatalogQuery,
    PhotoMutation,
    SeriesMutation,
    SeriesQuery,
    resolve_booking_node,
    resolve_resource_node,
)
from app.federation.api import FederationMutation, FederationQuery, resolve_inter_hub_transfer_node, resolve_peer_node
from app.invoices.api.mutations import InvoicesMutation
from app.invoices.api.queries import InvoicesQuery, resolve_invoice_node
from app.ledger.api import LedgerMutation, LedgerQuery, resolve_account_node, resolve_transfer_node
from app.notices.api import NoticesMutation, NoticesQuery, resolve_notification_node
from app.organizations.api import OrganizationsMutation
from app.payments.api.mutations import PaymentsMutation
from app.payments.api.queries import PaymentsQuery, resolve_payment_node
from app.privacy.api import PrivacyMutation, PrivacyQuery
from app.skills.api import (
    JobsMutation,
    SkillsQuery,
    TrainingMutation,
    resolve_job_node,
    resolve_training_session_node,
)
from app.treasury.api.mutations import TreasuryMutation
from app.treasury.api.queries import TreasuryQuery, resolve_clearing_run_node
from app.treasury.api.statements import resolve_period_close_node, resolve_statement_node

SDL_PATH = Path(__file__).resolve().parent.parent.parent / "graphql" / "schema.graphql"

# Type name of a global id -> resolver(info, pk) returning the object, or None if not visible.
NODE_RESOLVERS = {
    "Member": resolve_member_node,
    "Organization": resolve_organization_node,
    "Account": resolve_account_node,
    "Transfer": resolve_transfer_node,
    "Resource": resolve_resource_node,
    "Booking": resolve_booking_node,
    "Invoice": resolve_invoice_node,
    "ClearingRun": resolve_clearing_run_node,
    "AccountStatement": resolve_statement_node,
    "PeriodClose": resolve_period_close_node,
    "Payment": resolve_payment_node,
    "Job": resolve_job_node,
    "TrainingSession": resolve_training_session_node,
    "Notification": resolve_notification_node,
    "PeerHub": resolve_peer_node,
    "InterHubTransfer": resolve_inter_hub_transfer_node,
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null if unknown or not visible.")
    def node(self, info: Info, id: strawberry.ID) -> Optional[Node]:
        try:
            type_name, pk = parse_global_id(id)
        except ValueError:
            return None
        resolver = NODE_RESOLVERS.get(type_name)
        return resolver(info, pk) if resolver else None


@strawberry.type
class Query(
    NodeQuery, AuthQuery, AccountsQuery, LedgerQuery, CatalogQuery, SeriesQuery, InvoicesQuery, SkillsQuery, TreasuryQuery,
    PaymentsQuery, NoticesQuery, PrivacyQuery, AuditQuery, FederationQuery,
):
    pass


@strawberry.type
class Mutation(
    AuthMutation, AccountsMutation, OrganizationsMutation, LedgerMutation, CatalogMutation, SeriesMutation, PhotoMutation,
    InvoicesMutation, JobsMutation, TrainingMutation, TreasuryMutation, PaymentsMutation, NoticesMutation,
    PrivacyMutation, FederationMutation,
):
    pass


# Run by app.api.execution (not by strawberry's execute_sync): limits, one commit, masked errors.
schema = strawberry.Schema(query=Query, mutation=Mutation, scalar_overrides=SCALAR_OVERRIDES)
