"""The catalogue's GraphQL layer, after Saleor's `graphql/<area>/`: types, loaders (per-page
batches), inputs, queries and mutations by theme. The schema imports these names."""
from app.catalog.api.mutations import CatalogMutation, PhotoMutation, SeriesMutation
from app.catalog.api.queries import CatalogQuery, SeriesQuery, resolve_booking_node, resolve_resource_node

__all__ = [
    "CatalogMutation",
    "CatalogQuery",
    "PhotoMutation",
    "SeriesMutation",
    "SeriesQuery",
    "resolve_booking_node",
    "resolve_resource_node",
]
