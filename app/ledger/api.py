"""GraphQL types and operations of the ledger: accounts, transfers, statements, the treasurer's
list and summary, and the transfer, setCreditLimit and reverseTransfer mutations.

Object-level permissions: a member sees the account they pay from (their own, or their
organisation's as its manager) and the transfers touching it; the treasurer and the admin see
everything. Anything else reads as null. Lists load their related rows in batches."""
import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Iterable, Optional

import sqlalchemy as sa
import strawberry

from app import permissions
from app.api.context import Info
from app.api.errors import UserError
from app.api.mutations import mutation_payload
from app.api.permissions import require
from app.api.relay import (
    Connection,
    Edge,
    Node,
    PageInfo,
    QueryError,
    as_node,
    check_first,
    decode_id,
    paginate,
    preload,
    to_global_id,
)
from app.api.scalars import Money, money
from app.api.validation import load
from app.errors import DomainError, ErrorCode
from app.hub import hub_zone
from app.ledger import schemas, services
from models import (
    Account,
    AccountKind,
    AccountStatus,
    CreditLimitChange,
    Member,
    Organization,
    Posting,
    Transfer,
    TransferKind,
)

if TYPE_CHECKING:
    from app.auth.api import OrganizationType

AccountKindEnum = strawberry.enum(AccountKind, name="AccountKind")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")
TransferKindEnum = strawberry.enum(TransferKind, name="TransferKind")


@strawberry.enum(description="How the treasurer's list of accounts is sorted.")
class AccountOrder(enum.Enum):
    NAME = "NAME"
    BALANCE_ASC = "BALANCE_ASC"
    BALANCE_DESC = "BALANCE_DESC"
    LIMIT_USE_DESC = "LIMIT_USE_DESC"


# --- Batch loading -----------------------------------------------------------------------------


def accounts_by_id(info: Info, ids: Iterable[int]) -> dict[int, Account]:
    """Accounts by id, loaded once per request for all the rows of a page."""
    cache = info.context.cache.setdefault("Account", {})
    missing = {i for i in ids if i is not None and i not in cache}
    if missing:
        for account in info.context.session.scalars(sa.select(Account).where(Account.id.in_(missing))):
            cache[account.id] = account
    return cache


def _paying_accounts(info: Info, member_id: int) -> Optional[Account]:
    """A member's paying account; asked for one member of a listed page, it is found for every
    member of the page at once (the list notes them in `session.info["listed_members"]`)."""
    cache = info.context.cache.setdefault("paying_accounts", {})
    if member_id not in cache:
        wanted = ({member_id} | info.context.session.info.get("listed_members", set())) - cache.keys()
        found = services.paying_accounts(info.context.session, wanted)
        cache.update({i: found.get(i) for i in wanted})
    return cache[member_id]


def _organization_accounts(info: Info, organization_id: int) -> Optional[Account]:
    """An organisation's account; for a listed page of organisations, all of theirs at once
    (the list notes them in `session.info["listed_organizations"]`)."""
    cache = info.context.cache.setdefault("organization_accounts", {})
    if organization_id not in cache:
        session = info.context.session
        wanted = ({organization_id} | session.info.get("listed_organizations", set())) - cache.keys()
        found = {a.organization_id: a for a in session.scalars(sa.select(Account).where(Account.organization_id.in_(wanted)))}
        cache.update({i: found.get(i) for i in wanted})
    return cache[organization_id]


def _visible_ids(info: Info) -> Optional[set[int]]:
    """Ids of the accounts the viewer may see (None: all of them), once per request."""
    cache = info.context.cache
    if "visible_accounts" not in cache:
        viewer = info.context.viewer
        cache["visible_accounts"] = permissions.visible_account_ids(info.context.session, viewer) if viewer else set()
    return cache["visible_accounts"]


def _sees(info: Info, account_id: int) -> bool:
    visible = _visible_ids(info)
    return visible is None or account_id in visible


def _warning_level(info: Info) -> int:
    cache = info.context.cache
    if "warning_level" not in cache:
        cache["warning_level"] = services.get_settings(info.context.session).warning_level_percent
    return cache["warning_level"]


def _period(since: Optional[dt.date], until: Optional[dt.date]) -> tuple[Optional[dt.datetime], Optional[dt.datetime]]:
    """Whole days in the hub's time zone, `until` included, as a half-open UTC interval."""
    if since and until and until < since:
        raise QueryError("`until` must not be before `since`.")
    if any(day and not 1900 <= day.year < 9999 for day in (since, until)):
        raise QueryError("A statement covers dates from 1900 on.")
    tz = hub_zone()
    start = dt.datetime.combine(since, dt.time(), tz).astimezone(dt.timezone.utc) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.timezone.utc) if until else None
    return start, end


# --- Types ---------------------------------------------------------------------------------------


@strawberry.type(name="CreditLimitChange")
class CreditLimitChangeType:
    old_limit: Money
    new_limit: Money
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

    @strawberry.field
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
        return services.limit_use_percent(self.model)

    @strawberry.field(description="The hub's soft warning level, in percent of the credit limit.")
    def warning_level_percent(self, info: Info) -> int:
        return _warning_level(info)

    @strawberry.field(description="Past the hub's warning level: close to the credit limit.")
    def near_limit(self, info: Info) -> bool:
        return services.is_near_limit(self.model, _warning_level(info))

    @strawberry.field(
        description="Uses more than its credit limit (after the treasurer lowered it): spending is blocked."
    )
    def over_limit(self) -> bool:
        return services.is_over_limit(self.model)

    @strawberry.field
    def organization(self, info: Info) -> Optional[Annotated["OrganizationType", strawberry.lazy("app.auth.api")]]:
        if self.model.organization_id is None:
            return None
        return as_node("Organization", info.context.session.get(Organization, self.model.organization_id))

    @strawberry.field(description="The transfers touching this account, newest first.")
    def transfers(
        self, info: Info, first: Optional[int] = None, after: Optional[str] = None
    ) -> Connection["TransferType"]:
        stmt = (
            sa.select(Transfer)
            .join(Posting, Posting.transfer_id == Transfer.id)
            .where(Posting.account_id == self.model.id)
            .order_by(Posting.id.desc())
        )
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
        start, end = _period(since, until)
        session = info.context.session
        stmt = services.statement_query(self.model.id, start, end, kind)
        page = paginate(session, stmt, first, after, lambda rows: StatementLine.many(info, self.model.id, rows), with_count=False)
        totals = services.statement_totals(session, self.model.id, start, end, kind)
        return Statement(
            edges=page.edges, page_info=page.page_info, total_count=totals.count,
            opening_balance=money(totals.opening), closing_balance=money(totals.closing),
            total_credits=money(totals.credits), total_debits=money(totals.debits),
            since=since, until=until, kind=kind,
        )

    @strawberry.field(description="The history of the credit limit, newest first.")
    def limit_history(self, info: Info) -> list[CreditLimitChangeType]:
        rows = info.context.session.execute(
            sa.select(CreditLimitChange, Member.name)
            .outerjoin(Member, Member.id == CreditLimitChange.changed_by_id)
            .where(CreditLimitChange.account_id == self.model.id)
            .order_by(CreditLimitChange.id.desc())
        ).all()
        return [
            CreditLimitChangeType(
                old_limit=money(c.old_limit), new_limit=money(c.new_limit), reason=c.reason,
                created_at=c.created_at, changed_by_name=name,
            )
            for c, name in rows
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
        ids = [t.id for t in transfers]
        reversals = {}
        if ids:
            for reversal in session.scalars(sa.select(Transfer).where(Transfer.reverses_id.in_(ids))):
                reversals[reversal.reverses_id] = reversal
        undone_ids = {t.reverses_id for t in transfers if t.reverses_id is not None}
        undone = {t.id: t for t in session.scalars(sa.select(Transfer).where(Transfer.id.in_(undone_ids)))} if undone_ids else {}
        accounts = accounts_by_id(
            info, [i for t in [*transfers, *undone.values()] for i in (t.from_account_id, t.to_account_id)]
        )

        def make(t: Transfer, reversed_by: Optional[Transfer]) -> "TransferType":
            return cls(
                id=to_global_id("Transfer", t.id), kind=t.kind, memo=t.memo, created_at=t.created_at, model=t,
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
        return AccountType.from_model(account) if account and _sees(info, account.id) else None

    @strawberry.field(description="The account paid; null if the viewer may not see it.")
    def to(self, info: Info) -> Optional[AccountType]:
        account = self.to_model_
        return AccountType.from_model(account) if account and _sees(info, account.id) else None

    @strawberry.field(description="The paying account's name (names are public within the hub).")
    def from_name(self) -> str:
        return self.from_model_.name if self.from_model_ else ""

    @strawberry.field(description="The paid account's name.")
    def to_name(self) -> str:
        return self.to_model_.name if self.to_model_ else ""

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
    counterparty: str
    created_at: dt.datetime

    @classmethod
    def many(cls, info: Info, account_id: int, postings: list[Posting]) -> list["StatementLine"]:
        session = info.context.session
        ids = [p.transfer_id for p in postings]
        transfers = {t.id: t for t in session.scalars(sa.select(Transfer).where(Transfer.id.in_(ids)))} if ids else {}
        objects = {t.model.id: t for t in TransferType.many(info, list(transfers.values()))}
        lines = []
        for posting in postings:
            transfer = objects[posting.transfer_id]
            if transfer.model.from_account_id == account_id:
                other = transfer.to_model_
            else:  # the payee, or the commons account receiving a fee
                other = transfer.from_model_
            lines.append(
                cls(
                    transfer=transfer, amount=money(posting.amount), balance_after=money(posting.balance_after),
                    counterparty=other.name if other else "", created_at=posting.created_at,
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


def visible_account(
    info: Info, *, paying_for: Optional[Member] = None, organization_id: Optional[int] = None
) -> Optional[AccountType]:
    """The account of a member or an organisation, or None if the viewer may not see it."""
    viewer, session = info.context.viewer, info.context.session
    if viewer is None:
        return None
    if paying_for is not None:
        if _visible_ids(info) is not None and paying_for.id != viewer.id:
            return None  # a member sees the account they pay from, never another member's
        account = _paying_accounts(info, paying_for.id)
    else:
        account = _organization_accounts(info, organization_id)
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
    """A transfer is visible to whoever sees one of the accounts it posts to."""
    if info.context.viewer is None:
        return None
    transfer = info.context.session.get(Transfer, pk)
    if transfer is None:
        return None
    visible = _visible_ids(info)
    if visible is not None:
        posted = set(info.context.session.scalars(sa.select(Posting.account_id).where(Posting.transfer_id == pk)))
        if not posted & visible:
            return None
    return TransferType.one(info, transfer)


def _is_treasurer(info: Info) -> bool:
    viewer = info.context.viewer
    return viewer is not None and permissions.is_treasurer(viewer)


# --- Queries ---------------------------------------------------------------------------------


@strawberry.type
class LedgerQuery:
    @strawberry.field(
        description="Every account (treasurer; null for anyone else). `nearLimit` keeps the accounts "
        "past the warning level; `search` filters by name."
    )
    def accounts(
        self,
        info: Info,
        first: Optional[int] = None,
        after: Optional[str] = None,
        near_limit: Optional[bool] = None,
        search: Optional[str] = None,
        order_by: AccountOrder = AccountOrder.NAME,
        kind: Optional[AccountKindEnum] = None,
    ) -> Optional[Connection[AccountType]]:
        check_first(first)
        if not _is_treasurer(info):
            return None
        stmt = sa.select(Account)
        near = services.near_limit_sql(_warning_level(info))
        if near_limit is True:
            stmt = stmt.where(near)
        elif near_limit is False:
            stmt = stmt.where(~near)
        if kind is not None:
            stmt = stmt.where(Account.kind == kind)
        if search and search.strip():
            stmt = stmt.where(sa.func.lower(Account.name).contains(search.strip().lower(), autoescape=True))
        order = {
            AccountOrder.NAME: [Account.name],
            AccountOrder.BALANCE_ASC: [Account.balance],
            AccountOrder.BALANCE_DESC: [Account.balance.desc()],
            AccountOrder.LIMIT_USE_DESC: [services.limit_use_sql().desc(), Account.balance],
        }[order_by]
        stmt = stmt.order_by(*order, Account.id)
        session = info.context.session

        def wrap(rows):
            preload(session, Organization, (a.organization_id for a in rows))
            return [AccountType.from_model(a) for a in rows]

        return paginate(session, stmt, first, after, wrap)

    @strawberry.field(description="Totals of the whole ledger (treasurer; null for anyone else).")
    def ledger_summary(self, info: Info) -> Optional[LedgerSummary]:
        if not _is_treasurer(info):
            return None
        s = services.ledger_summary(info.context.session)
        return LedgerSummary(
            sum_of_balances=money(s.sum_of_balances), total_positive=money(s.total_positive),
            total_negative=money(s.total_negative), total_on_hold=money(s.total_on_hold),
            total_credit_limits=money(s.total_credit_limits), account_count=s.account_count,
            transfer_count=s.transfer_count, near_limit_count=s.near_limit_count,
            over_limit_count=s.over_limit_count, warning_level_percent=_warning_level(info),
        )

    @strawberry.field(description="The transfer fee and the warning level (treasurer; null for anyone else).")
    def ledger_settings(self, info: Info) -> Optional[LedgerSettings]:
        if not _is_treasurer(info):
            return None
        return LedgerSettings.from_model(services.get_settings(info.context.session))

    @strawberry.field(description="An open account the viewer can pay, by its id (signed-in members).")
    def payee(self, info: Info, id: strawberry.ID) -> Optional[Payee]:
        pk = decode_id(id, "Account")
        if info.context.viewer is None or pk is None:
            return None
        row = info.context.session.execute(
            sa.select(Account, Organization.town)
            .outerjoin(Organization, Organization.id == Account.organization_id)
            .where(Account.id == pk, Account.status == AccountStatus.OPEN, Account.kind != AccountKind.SYSTEM)
        ).first()
        if row is None:
            return None
        return Payee(id=to_global_id("Account", row[0].id), name=row[0].name, kind=row[0].kind, town=row[1], contact=None)

    @strawberry.field(description="Open accounts the viewer can pay, by name (signed-in members).")
    def payees(
        self, info: Info, search: Optional[str] = None, first: Optional[int] = None, after: Optional[str] = None
    ) -> Optional[Connection[Payee]]:
        check_first(first)
        viewer = info.context.viewer
        if viewer is None:
            return None
        session = info.context.session
        own = services.paying_account(session, viewer)
        # Found by the account's name or by the name of the member behind it.
        stmt = (
            sa.select(Account, Organization.town, Member.name)
            .outerjoin(Organization, Organization.id == Account.organization_id)
            .outerjoin(Member, sa.or_(Member.id == Account.member_id, Member.id == Organization.manager_id))
            .where(Account.status == AccountStatus.OPEN, Account.kind != AccountKind.SYSTEM)
            .order_by(Account.name, Account.id)
        )
        if own is not None:
            stmt = stmt.where(Account.id != own.id)
        if search and search.strip():
            term = search.strip().lower()
            stmt = stmt.where(
                sa.or_(
                    sa.func.lower(Account.name).contains(term, autoescape=True),
                    sa.func.lower(Member.name).contains(term, autoescape=True),
                )
            )
        limit = check_first(first)
        offset = 0
        if after:
            from app.api.relay import _parse_cursor

            offset = _parse_cursor(after)
        rows = session.execute(stmt.offset(offset).limit(limit + 1)).all()
        edges = [
            Edge(
                node=Payee(
                    id=to_global_id("Account", a.id), name=a.name, kind=a.kind, town=town,
                    contact=contact if contact != a.name else None,
                ),
                cursor=_cursor(offset + i),
            )
            for i, (a, town, contact) in enumerate(rows[:limit])
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit, has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=None,
        )


def _cursor(offset: int) -> str:
    from app.api.relay import _offset_cursor

    return _offset_cursor(offset)


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input
class TransferInput:
    to_account_id: strawberry.ID
    amount: str = strawberry.field(description='A Decimal string such as "12.50".')
    memo: Optional[str] = ""
    idempotency_key: Optional[str] = strawberry.field(
        default=None,
        description="Send the same key again (a retry, a double click) and the first transfer is "
        "returned instead of paying twice. Without one, every call pays.",
    )
    from_account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Defaults to the viewer's paying account."
    )


@strawberry.type
class TransferPayload:
    transfer: Optional[TransferType] = None
    account: Optional[AccountType] = strawberry.field(default=None, description="The paying account, after.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetCreditLimitInput:
    account_id: strawberry.ID
    credit_limit: str = strawberry.field(description='A Decimal string such as "1500.00".')
    reason: Optional[str] = ""


@strawberry.type
class SetCreditLimitPayload:
    account: Optional[AccountType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ReverseTransferInput:
    transfer_id: strawberry.ID
    memo: Optional[str] = ""


@strawberry.type
class ReverseTransferPayload:
    transfer: Optional[TransferType] = strawberry.field(default=None, description="The reversing entry.")
    reversed: Optional[TransferType] = strawberry.field(default=None, description="The original, now reversed.")
    errors: list[UserError] = strawberry.field(default_factory=list)


def _account_id(global_id: str, field: str) -> int:
    pk = decode_id(global_id, "Account")
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", field)
    return pk


@strawberry.input
class UpdateLedgerSettingsInput:
    transfer_fee_percent: Optional[str] = strawberry.field(default=None, description='e.g. "1.50" for 1.5 %.')
    transfer_fee_minimum: Optional[str] = strawberry.field(default=None, description='A Decimal string such as "0.50".')
    warning_level_percent: Optional[int] = None


@strawberry.type
class UpdateLedgerSettingsPayload:
    settings: Optional[LedgerSettings] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CloseAccountInput:
    account_id: strawberry.ID


@strawberry.type
class CloseAccountPayload:
    account: Optional[AccountType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(description="Pay another account from the viewer's account.")
    @mutation_payload(TransferPayload)
    def transfer(self, info: Info, input: TransferInput) -> TransferPayload:
        viewer = require(info)
        session = info.context.session
        data = load(schemas.TransferSchema(), strawberry.asdict(input) | {"to_account_id": None, "from_account_id": None})
        to_id = _account_id(input.to_account_id, "toAccountId")
        if input.from_account_id:
            source = session.get(Account, _account_id(input.from_account_id, "fromAccountId"))
            if source is None or not permissions.can_use_account(session, viewer, source):
                raise DomainError(ErrorCode.FORBIDDEN, "You cannot pay from this account.", "fromAccountId")
        else:
            source = services.paying_account(session, viewer)
            if source is None:
                raise DomainError(ErrorCode.INVALID_STATE, "You have no account to pay from.")
        entry = services.transfer(
            session, viewer, from_account=source, to_account_id=to_id, amount=data["amount"],
            memo=data["memo"], idempotency_key=data.get("idempotency_key") or services.new_idempotency_key(),
        )
        return TransferPayload(
            transfer=TransferType.one(info, entry),
            account=AccountType.from_model(session.get(Account, source.id, populate_existing=True)),
        )

    @strawberry.mutation(description="Set how far below zero an account may go, with a reason (treasurer).")
    @mutation_payload(SetCreditLimitPayload)
    def set_credit_limit(self, info: Info, input: SetCreditLimitInput) -> SetCreditLimitPayload:
        viewer = require(info)
        if not permissions.is_treasurer(viewer):
            raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can change credit limits.")
        data = load(schemas.SetCreditLimitSchema(), {"credit_limit": input.credit_limit, "reason": input.reason})
        account = services.set_credit_limit(
            info.context.session, viewer, _account_id(input.account_id, "accountId"), data["credit_limit"], data["reason"]
        )
        return SetCreditLimitPayload(account=AccountType.from_model(account))

    @strawberry.mutation(description="Undo a transfer with a reversing entry, once (treasurer).")
    @mutation_payload(ReverseTransferPayload)
    def reverse_transfer(self, info: Info, input: ReverseTransferInput) -> ReverseTransferPayload:
        viewer = require(info)
        if not permissions.is_treasurer(viewer):
            raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can reverse a transfer.")
        data = load(schemas.ReverseTransferSchema(), {"memo": input.memo})
        pk = decode_id(input.transfer_id, "Transfer")
        if pk is None:
            raise DomainError(ErrorCode.NOT_FOUND, "This transfer does not exist.", "transferId")
        session = info.context.session
        entry = services.reverse_transfer(session, viewer, pk, data["memo"])
        original = session.get(Transfer, pk)
        return ReverseTransferPayload(transfer=TransferType.one(info, entry), reversed=TransferType.one(info, original))

    @strawberry.mutation(description="Set the transfer fee and the warning level (treasurer).")
    @mutation_payload(UpdateLedgerSettingsPayload)
    def update_ledger_settings(self, info: Info, input: UpdateLedgerSettingsInput) -> UpdateLedgerSettingsPayload:
        viewer = require(info)
        data = load(schemas.LedgerSettingsSchema(), strawberry.asdict(input))
        settings = services.update_settings(
            info.context.session, viewer,
            transfer_fee_bps=data.get("transfer_fee_percent"),
            transfer_fee_min=data.get("transfer_fee_minimum"),
            warning_level_percent=data.get("warning_level_percent"),
        )
        return UpdateLedgerSettingsPayload(settings=LedgerSettings.from_model(settings))

    @strawberry.mutation(description="Close an empty account: it neither pays nor receives any more (treasurer).")
    @mutation_payload(CloseAccountPayload)
    def close_account(self, info: Info, input: CloseAccountInput) -> CloseAccountPayload:
        viewer = require(info)
        account = services.close_account(info.context.session, viewer, _account_id(input.account_id, "accountId"))
        return CloseAccountPayload(account=AccountType.from_model(account))
