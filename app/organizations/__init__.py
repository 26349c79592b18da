"""Organisations that run themselves: their profile and status, their manager, the rights of
their members (services, GraphQL, pages)."""
