"""The rules of the mutual-credit ledger, one module per theme (see each module's docstring).

This façade keeps `from app.ledger import services as ledger` working for the other slices;
inside the ledger, import the submodules directly."""
from app.hub import MAX_AMOUNT
from app.ledger.services.accounts import (
    close_account,
    ensure_system_accounts,
    open_member_account,
    open_organization_account,
    paying_account,
    paying_accounts,
    system_account,
)
from app.ledger.services.checks import accounts_over_limit, invariant_violations, ledger_summary
from app.ledger.services.holds import capture_hold, expire_holds, place_hold, release_hold
from app.ledger.services.policy import (
    fee_for,
    get_settings,
    is_near_limit,
    is_over_limit,
    limit_use_percent,
    set_credit_limit,
    update_settings,
)
from app.ledger.services.posting import journal_entry, new_idempotency_key, transfer
from app.ledger.services.reversals import reverse_transfer
from app.ledger.services.statements import statement_query, statement_totals
from models import utcnow

__all__ = [
    "MAX_AMOUNT", "accounts_over_limit", "capture_hold", "close_account", "ensure_system_accounts", "expire_holds",
    "fee_for", "get_settings", "invariant_violations", "is_near_limit", "is_over_limit", "journal_entry",
    "ledger_summary", "limit_use_percent", "new_idempotency_key", "open_member_account", "open_organization_account",
    "paying_account", "paying_accounts", "place_hold", "release_hold", "reverse_transfer", "set_credit_limit",
    "statement_query", "statement_totals", "system_account", "transfer", "update_settings", "utcnow",
]
