"""The ledger's queries, each in three steps: parse the arguments, check access, then call
the read-side SQL of `app.ledger.queries` or a service and wrap the rows. Also the resolvers
other slices use for an account (`visible_account`) and the `node(id)` resolvers."""
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, check_first, decode_id, paginate, preload, to_global_id
from app.api.scalars import Money, money
from app.hub import to_minor_units
from app.ledger import queries
from app.ledger.api import loaders
from app.ledger.api.journal import JournalQuery
from app.ledger.api.types import (
    AccountKindEnum,
    AccountOrderEnum,
    AccountType,
    LedgerSettings,
    LedgerSummary,
    Payee,
    TransferType,
)
from app.ledger.services.accounts import paying_account
from app.ledger.services.checks import ledger_summary
from app.ledger.services.policy import fee_for, get_settings
from models import Account, Member, Organization, Transfer


def visible_account(
    info: Info, *, paying_for: Optional[Member] = None, organization_id: Optional[int] = None
) -> Optional[AccountType]:
    """The account of a member or an organisation, or None if the viewer may not see it."""
    viewer, session = info.context.viewer, info.context.session
    if viewer is None:
        return None
    if paying_for is not None:
        if loaders.visible_ids(info) is not None and paying_for.id != viewer.id:
            return None  # a member sees the account they pay from, never another member's
        account = loaders.paying_account(info, paying_for.id)
    else:
        account = loaders.organization_account(info, organization_id)
    if account is None or not permissions.can_see_account(session, viewer, account):
        return None
    return AccountType.from_model(account)


def resolve_account_node(info: Info, pk: int) -> Optional[AccountType]:
    viewer, session = info.context.viewer, info.context.session
    account = session.get(Account, pk) if viewer else None
    if account is None or not permissions.can_see_account(session, viewer, account):
        return None
    return AccountType.from_model(account)


def resolve_transfer_node(info: Info, pk: int) -> Optional[TransferType]:
    viewer, session = info.context.viewer, info.context.session
    transfer = session.get(Transfer, pk) if viewer else None
    if transfer is None or not permissions.can_see_transfer(session, viewer, transfer, usable=loaders.visible_ids(info)):
        return None
    return TransferType.one(info, transfer)


@strawberry.type
class LedgerQuery(JournalQuery):
    @strawberry.field(
        description="Every account (treasurer; FORBIDDEN for anyone else). `nearLimit` keeps the accounts "
        "past the warning level; `search` filters by name."
    )
    def accounts(
        self,
        info: Info,
        first: Optional[int] = None,
        after: Optional[str] = None,
        near_limit: Optional[bool] = None,
        search: Optional[str] = None,
        order_by: AccountOrderEnum = queries.AccountOrder.NAME,
        kind: Optional[AccountKindEnum] = None,
    ) -> Optional[Connection[AccountType]]:
        check_first(first)
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        session = info.context.session
        stmt = queries.treasurer_accounts(
            loaders.warning_level(info), near_limit=near_limit, kind=kind, search=search, order_by=order_by
        )

        def wrap(rows):
            preload(session, Organization, (a.organization_id for a in rows))
            loaders.list_accounts(info, rows)
            return [AccountType.from_model(a) for a in rows]

        return paginate(session, stmt, first, after, wrap)

    @strawberry.field(description="Totals of the whole ledger (treasurer; FORBIDDEN for anyone else).")
    def ledger_summary(self, info: Info) -> Optional[LedgerSummary]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        s = ledger_summary(info.context.session)
        return LedgerSummary(
            sum_of_balances=money(s.sum_of_balances), total_positive=money(s.total_positive),
            total_negative=money(s.total_negative), total_on_hold=money(s.total_on_hold),
            total_credit_limits=money(s.total_credit_limits), account_count=s.account_count,
            transfer_count=s.transfer_count, near_limit_count=s.near_limit_count,
            over_limit_count=s.over_limit_count, warning_level_percent=loaders.warning_level(info),
        )

    @strawberry.field(description="The transfer fee and the warning level (treasurer; FORBIDDEN for anyone else).")
    def ledger_settings(self, info: Info) -> Optional[LedgerSettings]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        return LedgerSettings.from_model(get_settings(info.context.session))

    @strawberry.field(description="An open account the viewer can pay, by its id (signed-in members).")
    def payee(self, info: Info, id: strawberry.ID) -> Optional[Payee]:
        pk = decode_id(id, "Account")
        if info.context.viewer is None or pk is None:
            return None
        found = queries.payable_account(info.context.session, pk)
        if found is None:
            return None
        account, town = found
        return _payee(account, town, contact=None)

    @strawberry.field(description="The hub's fee on a payment of `amount`, paid on top of it (signed-in members); "
                      "null when `amount` is not a positive amount.")
    def transfer_fee(self, info: Info, amount: str) -> Optional[Money]:
        if info.context.viewer is None:
            return None
        try:
            cents = to_minor_units(amount)
        except ValueError:
            return None
        return money(fee_for(get_settings(info.context.session), cents)) if cents > 0 else None

    @strawberry.field(description="Open accounts the viewer can pay, by name (signed-in members).")
    def payees(
        self, info: Info, search: Optional[str] = None, first: Optional[int] = None, after: Optional[str] = None
    ) -> Optional[Connection[Payee]]:
        check_first(first)
        viewer, session = info.context.viewer, info.context.session
        if viewer is None:
            return None
        own = paying_account(session, viewer)
        stmt = queries.payees(own.id if own is not None else None, search)

        def wrap(accounts):
            details = queries.payee_details(session, (a.id for a in accounts))
            return [_payee(a, *details.get(a.id, (None, None))) for a in accounts]

        return paginate(session, stmt, first, after or None, wrap, with_count=False)


def _payee(account: Account, town: Optional[str], contact: Optional[str]) -> Payee:
    return Payee(
        id=to_global_id("Account", account.id), name=account.name, kind=account.kind, town=town,
        contact=contact if contact != account.name else None,
    )
