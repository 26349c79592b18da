"""The ledger's GraphQL types: accounts, transfers, statements, the treasurer's summary and
settings, and payees. A member sees the account they pay from (their own, or their
organisation's as its manager) and the transfers touching it; the treasurer and the admin see
everything. Anything else reads as null. Lists load their related rows in batches."""
import datetime as dt
from decimal import Decimal
from typing import Annotated, Optional

import strawberry

from app.api.context import Info
from app.api.relay import Connection, Node, PageInfo, QueryError, as_node, paginate, preload, to_global_id
from app.api.scalars import Money, money
from app.hub import FIRST_YEAR, LAST_YEAR, hub_zone
from app.ledger import queries
from app.ledger.api import loaders
from app.ledger.memos import line_memo, render_memo
from app.ledger.services import policy, statements
from models import Account, AccountKind, AccountStatus, Member, Organization, Posting, Transfer, TransferKind

AccountKindEnum = strawberry.enum(AccountKind, name="AccountKind")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")
TransferKindEnum = strawberry.enum(TransferKind, name="TransferKind")
AccountOrderEnum = strawberry.enum(
    queries.AccountOrder, name="AccountOrder", description="How the treasurer's list of accounts is sorted."
)


def statement_period(since: Optional[dt.date], until: Optional[dt.date]) -> tuple[Optional[dt.datetime], Optional[dt.datetime]]:
    """Whole days in the hub's time zone, `until` included, as a half-open UTC interval."""
    if since and until and until < since:
        raise QueryError("`until` must not be before `since`.")
    if any(day and not FIRST_YEAR <= day.year <= LAST_YEAR for day in (since, until)):
        raise QueryError("A statement covers dates from 1900 on.")
    tz = hub_zone()
    start = dt.datetime.combine(since, dt.time(), tz).astimezone(dt.timezone.utc) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.timezone.utc) if until else None
    return start, end


@strawberry.type(name="CreditLimitChange", description="A change of an account's limits.")
class CreditLimitChangeType:
    old_limit: Money
    new_limit: Money
    old_balance_cap: Optional[Money] = strawberry.field(description="The maximum balance before; null: none.")
    new_balance_cap: Optional[Money] = strawberry.field(description="The maximum balance after; null: none.")
    reason: str
    created_at: dt.datetime
    changed_by_name: Optional[str]


@strawberry.type(name="Account")
class AccountType(Node):
    name: str
    kind: AccountKindEnum
    status: AccountStatusEnum
    model: strawberry.Private[Account]

    @classmethod
    def from_model(cls, account: Account) -> "AccountType":
        return cls(
            id=to_global_id("Account", account.id),
            name=account.name,
            kind=account.kind,
            status=account.status,
            model=account,
        )

    @strawberry.field
    def balance(self) -> Money:
        return money(self.model.balance)

    @strawberry.field(description="How far below zero the account may go.")
    def credit_limit(self) -> Money:
        return money(self.model.credit_limit)

    @strawberry.field(description="How far above zero the balance may rise; null: no cap.")
    def balance_cap(self) -> Optional[Money]:
        return None if self.model.balance_cap is None else money(self.model.balance_cap)

    @strawberry.field
    def on_hold(self) -> Money:
        return money(self.model.on_hold)

    @strawberry.field(description="balance + creditLimit - onHold")
    def available(self) -> Money:
        return money(self.model.available)

    @strawberry.field(description="Share of the credit limit in use, holds included, in percent.")
    def limit_use_percent(self) -> Optional[int]:
        return policy.limit_use_percent(self.model)

    @strawberry.field(description="The hub's soft warning level, in percent of the credit limit.")
    def warning_level_percent(self, info: Info) -> int:
        return loaders.warning_level(info)

    @strawberry.field(description="Past the hub's warning level: close to the credit limit.")
    def near_limit(self, info: Info) -> bool:
        return policy.is_near_limit(self.model, loaders.warning_level(info))

    @strawberry.field(
        description="Uses more than its credit limit (after the treasurer lowered it): spending is blocked."
    )
    def over_limit(self) -> bool:
        return policy.is_over_limit(self.model)

    @strawberry.field
    # The auth slice sits above the ledger: its type is named lazily, never imported.
    def organization(self, info: Info) -> Optional[Annotated["OrganizationType", strawberry.lazy("app.auth.api")]]:  # noqa: F821
        if self.model.organization_id is None:
            return None
        return as_node("Organization", info.context.session.get(Organization, self.model.organization_id))

    @strawberry.field(description="The transfers touching this account, newest first (a set-off run is on the "
                      "statement: one entry for all its accounts, it moves no balance).")
    def transfers(
        self, info: Info, first: Optional[int] = None, after: Optional[str] = None
    ) -> Connection["TransferType"]:
        stmt = queries.account_transfers(self.model.id)
        return paginate(info.context.session, stmt, first, after, lambda rows: TransferType.many(info, rows))

    @strawberry.field(
        description="The account's statement, oldest line first, with the running balance after "
        "each line. `since` and `until` are whole days in the hub's time zone (both included)."
    )
    def statement(
        self,
        info: Info,
        since: Optional[dt.date] = None,
        until: Optional[dt.date] = None,
        kind: Optional[TransferKindEnum] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> "Statement":
        start, end = statement_period(since, until)
        session = info.context.session
        stmt = statements.statement_query(self.model.id, start, end, kind)
        page = paginate(session, stmt, first, after, lambda rows: StatementLine.many(info, self.model.id, rows), with_count=False)
        totals = statements.statement_totals(session, self.model.id, start, end, kind)
        return Statement(
            edges=page.edges, page_info=page.page_info, total_count=totals.count,
            opening_balance=money(totals.opening), closing_balance=money(totals.closing),
            total_credits=money(totals.credits), total_debits=money(totals.debits),
            since=since, until=until, kind=kind,
        )

    @strawberry.field(description="The history of the credit limit and the balance cap, newest first.")
    def limit_history(self, info: Info) -> list[CreditLimitChangeType]:
        return [
            CreditLimitChangeType(
                old_limit=money(c.old_limit), new_limit=money(c.new_limit),
                old_balance_cap=None if c.old_cap is None else money(c.old_cap),
                new_balance_cap=None if c.new_cap is None else money(c.new_cap),
                reason=c.reason, created_at=c.created_at, changed_by_name=name,
            )
            for c, name in loaders.limit_history(info, self.model.id)
        ]


@strawberry.type(name="Transfer")
class TransferType(Node):
    kind: TransferKindEnum
    memo: str
    created_at: dt.datetime
    model: strawberry.Private[Transfer]
    from_model_: strawberry.Private[Optional[Account]]
    to_model_: strawberry.Private[Optional[Account]]
    reversed_by_: strawberry.Private[Optional[Transfer]]
    reverses_: strawberry.Private[Optional["TransferType"]] = None
    reversed_by_type_: strawberry.Private[Optional["TransferType"]] = None

    @classmethod
    def many(cls, info: Info, transfers: list[Transfer]) -> list["TransferType"]:
        """GraphQL objects for a page of transfers: their accounts, their reversals and the
        entries the reversals undo, in a fixed number of queries."""
        session = info.context.session
        reversals = queries.reversals_of(session, [t.id for t in transfers])
        undone = queries.transfers_by_id(session, [t.reverses_id for t in transfers if t.reverses_id is not None])
        accounts = loaders.accounts_by_id(
            info, [i for t in [*transfers, *undone.values()] for i in (t.from_account_id, t.to_account_id)]
        )
        preload(session, Member, (t.actor_id for t in [*transfers, *undone.values()]))

        def make(t: Transfer, reversed_by: Optional[Transfer]) -> "TransferType":
            return cls(
                id=to_global_id("Transfer", t.id), kind=t.kind, memo=render_memo(t.memo, t.system_memo), created_at=t.created_at, model=t,
                from_model_=accounts.get(t.from_account_id), to_model_=accounts.get(t.to_account_id),
                reversed_by_=reversed_by,
            )

        objects = []
        for t in transfers:
            item = make(t, reversals.get(t.id))
            if t.reverses_id in undone:  # the entry a reversal undoes was reversed by it
                item.reverses_ = make(undone[t.reverses_id], t)
            if item.reversed_by_ is not None:  # and a reversal undoes this one, and nothing undoes it
                item.reversed_by_type_ = make(item.reversed_by_, None)
                item.reversed_by_type_.reverses_ = item
            objects.append(item)
        return objects

    @classmethod
    def one(cls, info: Info, transfer: Transfer) -> "TransferType":
        return cls.many(info, [transfer])[0]

    @strawberry.field(description="The amount paid to the payee (the fee, if any, is on top).")
    def amount(self) -> Money:
        return money(self.model.amount)

    @strawberry.field(description="The hub's fee paid by the payer to the commons account.")
    def fee(self) -> Money:
        return money(self.model.fee)

    @strawberry.field(name="from", description="The paying account; null if the viewer may not see it.")
    def from_(self, info: Info) -> Optional[AccountType]:
        account = self.from_model_
        return AccountType.from_model(account) if account and loaders.sees(info, account.id) else None

    @strawberry.field(description="The account paid; null if the viewer may not see it.")
    def to(self, info: Info) -> Optional[AccountType]:
        account = self.to_model_
        return AccountType.from_model(account) if account and loaders.sees(info, account.id) else None

    @strawberry.field(description="The paying account's name (names are public within the hub).")
    def from_name(self) -> str:
        return self.from_model_.name if self.from_model_ else ""

    @strawberry.field(description="The paid account's name.")
    def to_name(self) -> str:
        return self.to_model_.name if self.to_model_ else ""

    @strawberry.field(
        description="The member who acted: who paid, or whose booking or job this pays. Null for the hub's own "
        "entries and for entries recorded before actors were (unknown)."
    )
    def actor(self, info: Info) -> Optional[Annotated["MemberType", strawberry.lazy("app.auth.api")]]:  # noqa: F821
        if self.model.actor_id is None:
            return None
        return as_node("Member", info.context.session.get(Member, self.model.actor_id))

    @strawberry.field(description="The entry that reversed this one, if any.")
    def reversed_by(self, info: Info) -> Optional["TransferType"]:
        if self.reversed_by_ is None:
            return None
        return self.reversed_by_type_ or TransferType.one(info, self.reversed_by_)

    @strawberry.field(description="The entry this reversal undoes.")
    def reverses(self, info: Info) -> Optional["TransferType"]:
        if self.model.reverses_id is None:
            return None
        return self.reverses_ or TransferType.one(info, info.context.session.get(Transfer, self.model.reverses_id))

    @strawberry.field(description="True when the treasurer may still reverse it.")
    def reversible(self) -> bool:
        return self.model.kind not in (TransferKind.REVERSAL, TransferKind.CLEARING) and self.reversed_by_ is None


@strawberry.type
class StatementLine:
    """One posting of the statement's account."""

    transfer: TransferType
    amount: Money = strawberry.field(description="Signed: negative when the account pays (fee included).")
    balance_after: Money = strawberry.field(description="The account's balance right after this line.")
    counterparty: str = strawberry.field(description="The other account of the entry; empty for a set-off run, "
                                         "which is one entry for all its accounts.")
    memo: str = strawberry.field(description="The line's memo as the reader sees it: the entry's, or for a set-off "
                                 "run, which side of the account's invoices the line settled.")
    created_at: dt.datetime

    @classmethod
    def many(cls, info: Info, account_id: int, postings: list[Posting]) -> list["StatementLine"]:
        session = info.context.session
        transfers = queries.transfers_by_id(session, [p.transfer_id for p in postings])
        objects = {t.model.id: t for t in TransferType.many(info, list(transfers.values()))}
        lines = []
        for posting in postings:
            transfer = objects[posting.transfer_id]
            entry = transfer.model
            other = statements.counterparty_id(entry.kind, entry.from_account_id, entry.to_account_id, account_id)
            other_model = transfer.to_model_ if other == entry.to_account_id else transfer.from_model_
            lines.append(
                cls(
                    transfer=transfer, amount=money(posting.amount), balance_after=money(posting.balance_after),
                    counterparty=other_model.name if other is not None and other_model else "",
                    memo=render_memo(entry.memo, line_memo(entry.system_memo, posting.amount)),
                    created_at=posting.created_at,
                )
            )
        return lines


@strawberry.type
class StatementEdge:
    node: StatementLine
    cursor: str


@strawberry.type
class Statement:
    edges: list[StatementEdge]
    page_info: PageInfo
    total_count: int
    opening_balance: Money = strawberry.field(description="The balance before the period.")
    closing_balance: Money = strawberry.field(description="The balance at the end of the period.")
    total_credits: Money
    total_debits: Money
    since: Optional[dt.date]
    until: Optional[dt.date]
    kind: Optional[TransferKindEnum]

    @strawberry.field
    def nodes(self) -> list[StatementLine]:
        return [edge.node for edge in self.edges]


@strawberry.type
class LedgerSummary:
    sum_of_balances: Money = strawberry.field(description="Always 0.00 in a sound ledger.")
    total_positive: Money
    total_negative: Money
    total_on_hold: Money
    total_credit_limits: Money
    account_count: int
    transfer_count: int
    near_limit_count: int
    over_limit_count: int
    warning_level_percent: int


@strawberry.type(description="The hub's ledger policy, set by the treasurer.")
class LedgerSettings:
    transfer_fee_percent: Decimal = strawberry.field(description="Paid by the payer to the commons account.")
    transfer_fee_minimum: Money
    warning_level_percent: int = strawberry.field(description="Accounts past this share of their limit are flagged.")

    @classmethod
    def from_model(cls, settings) -> "LedgerSettings":
        return cls(
            transfer_fee_percent=(Decimal(settings.transfer_fee_bps) / 100).quantize(Decimal("0.01")),
            transfer_fee_minimum=money(settings.transfer_fee_min),
            warning_level_percent=settings.warning_level_percent,
        )


@strawberry.type(description="An account a member can pay: its name only.")
class Payee:
    id: strawberry.ID
    name: str
    kind: AccountKindEnum
    town: Optional[str]
    contact: Optional[str] = strawberry.field(description="The member behind the account (an organisation's manager).")

