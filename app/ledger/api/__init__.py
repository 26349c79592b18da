"""The ledger's GraphQL API: types, per-request loaders, queries and mutations, one module
each. The names other slices import (the schema, auth and treasury) are re-exported here."""
from app.ledger.api.loaders import accounts_by_id
from app.ledger.api.mutations import LedgerMutation
from app.ledger.api.queries import LedgerQuery, resolve_account_node, resolve_transfer_node, visible_account
from app.ledger.api.types import AccountType, TransferType

__all__ = [
    "AccountType", "LedgerMutation", "LedgerQuery", "TransferType", "accounts_by_id", "resolve_account_node",
    "resolve_transfer_node", "visible_account",
]
