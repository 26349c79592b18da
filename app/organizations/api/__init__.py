"""The organisations slice's GraphQL mutations (its types, Organization and Member.rights, are
the auth slice's, which the slices below read too)."""
from app.organizations.api.mutations import OrganizationsMutation

__all__ = ["OrganizationsMutation"]
