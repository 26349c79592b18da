"""The rules of the mutual-credit ledger, one module per theme: accounts, policy (settings and
credit limits), journal (the guarded write under every entry), posting (transfers), holds,
reversals, statements, checks.

This façade re-exports what the other slices call (`from app.ledger import services as
ledger`); inside the ledger, and for anything new, import the submodules directly."""
from app.ledger.services.accounts import (
    ensure_system_accounts,
    open_member_account,
    open_organization_account,
    paying_account,
    system_account,
)
from app.ledger.services.checks import invariant_violations
from app.ledger.services.holds import capture_hold, expire_holds, place_hold, release_hold
from app.ledger.services.policy import fee_for, get_settings, limit_use_percent
from app.ledger.services.posting import transfer
from app.ledger.services.reversals import reverse_transfer

__all__ = [
    "capture_hold", "ensure_system_accounts", "expire_holds", "fee_for", "get_settings",
    "invariant_violations", "limit_use_percent", "open_member_account", "open_organization_account", "paying_account",
    "place_hold", "release_hold", "reverse_transfer", "system_account", "transfer",
]
