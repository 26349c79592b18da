"""What the ledger's resolvers load once per request (in `info.context.cache`), for every row
of a page at once rather than row by row."""
from typing import Iterable, Optional

import sqlalchemy as sa

from app import permissions
from app.api.context import Info
from app.ledger import queries
from app.ledger.services.accounts import paying_accounts
from app.ledger.services.policy import get_settings
from models import Account


def accounts_by_id(info: Info, ids: Iterable[int]) -> dict[int, Account]:
    """Accounts by id, loaded once per request for all the rows of a page."""
    cache = info.context.cache.setdefault("Account", {})
    missing = {i for i in ids if i is not None and i not in cache}
    if missing:
        for account in info.context.session.scalars(sa.select(Account).where(Account.id.in_(missing))):
            cache[account.id] = account
    return cache


def paying_account(info: Info, member_id: int) -> Optional[Account]:
    """A member's paying account; asked for one member of a listed page, it is found for every
    member of the page at once (the list notes them in `session.info["listed_members"]`)."""
    cache = info.context.cache.setdefault("paying_accounts", {})
    if member_id not in cache:
        wanted = ({member_id} | info.context.session.info.get("listed_members", set())) - cache.keys()
        found = paying_accounts(info.context.session, wanted)
        cache.update({i: found.get(i) for i in wanted})
        list_accounts(info, found.values())
    return cache[member_id]


def organization_account(info: Info, organization_id: int) -> Optional[Account]:
    """An organisation's account; for a listed page of organisations, all of theirs at once
    (the list notes them in `session.info["listed_organizations"]`)."""
    cache = info.context.cache.setdefault("organization_accounts", {})
    if organization_id not in cache:
        session = info.context.session
        wanted = ({organization_id} | session.info.get("listed_organizations", set())) - cache.keys()
        found = queries.organization_accounts(session, wanted)
        cache.update({i: found.get(i) for i in wanted})
        list_accounts(info, found.values())
    return cache[organization_id]


def list_accounts(info: Info, accounts: Iterable[Account]) -> None:
    """Note the accounts of a listed page: what one of them loads, it loads for all of them."""
    info.context.cache.setdefault("listed_accounts", set()).update(a.id for a in accounts)


def limit_history(info: Info, account_id: int) -> list:
    """(change, name of who made it) of an account's limits, newest first; asked for one
    account of a listed page, loaded for every account of the page in one query."""
    cache = info.context.cache.setdefault("limit_history", {})
    if account_id not in cache:
        wanted = ({account_id} | info.context.cache.get("listed_accounts", set())) - cache.keys()
        cache.update(queries.limit_histories(info.context.session, wanted))
    return cache[account_id]


def visible_ids(info: Info) -> Optional[set[int]]:
    """Ids of the accounts the viewer may see (None: all of them), once per request."""
    cache = info.context.cache
    if "visible_accounts" not in cache:
        viewer = info.context.viewer
        cache["visible_accounts"] = permissions.visible_account_ids(info.context.session, viewer) if viewer else set()
    return cache["visible_accounts"]


def sees(info: Info, account_id: int) -> bool:
    """can_see_account, for the accounts of a page of transfers."""
    visible = visible_ids(info)
    return visible is None or account_id in visible


def warning_level(info: Info) -> int:
    cache = info.context.cache
    if "warning_level" not in cache:
        cache["warning_level"] = get_settings(info.context.session).warning_level_percent
    return cache["warning_level"]
