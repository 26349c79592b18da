"""The auth slice's GraphQL API: types (also read by the slices above), queries, mutations."""
from app.auth.api.accounts import AccountsMutation, AccountsQuery
from app.auth.api.mutations import AuthMutation
from app.auth.api.query import AuthQuery, resolve_member_node, resolve_organization_node
from app.auth.api.types import MemberType, OrganizationType

__all__ = ["AccountsMutation", "AccountsQuery", "AuthMutation", "AuthQuery", "MemberType", "OrganizationType", "resolve_member_node", "resolve_organization_node"]
