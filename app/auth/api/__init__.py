"""The auth slice's GraphQL API: types (also read by the slices above), queries, mutations."""
from app.auth.api.accounts import AccountsMutation, AccountsQuery
from app.auth.api.mutations import AuthMutation
from app.auth.api.query import AuthQuery, resolve_member_node, resolve_organization_node
from app.auth.api.types import MemberType, OrganizationType, RatingSummary

__all__ = [
    "AccountsMutation", "AccountsQuery", "AuthMutation", "AuthQuery", "MemberType", "OrganizationType", "RatingSummary",
    "resolve_member_node", "resolve_organization_node",
]
