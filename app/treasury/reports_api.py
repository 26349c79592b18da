"""GraphQL types of the treasurer's dashboard, the impact report and the period close."""
import datetime as dt
from typing import Annotated, Optional

import sqlalchemy as sa
import strawberry

from app import permissions
from app.api.context import Info
from app.api.errors import UserError
from app.api.mutations import mutation_payload
from app.api.permissions import TREASURER_ONLY, require, require_for_query
from app.api.relay import Connection, Node, QueryError, paginate, to_global_id
from app.api.scalars import Money, money
from app.api.validation import load
from app.catalog.stats import utilisation
from app.errors import DomainError
from app.ledger.api import accounts_by_id
from app.treasury import reports, schemas
from models import AccountStatement, PeriodClose, utcnow


@strawberry.type
class AccountFigure:
    account_id: strawberry.ID
    name: str
    balance: Money
    credit_limit: Money
    limit_use_percent: Optional[int]


@strawberry.type
class KindFigure:
    kind: str = strawberry.field(description="The transfer kind (PAYMENT, BOOKING, INVOICE, CLEARING...).")
    count: int
    volume: Money


@strawberry.type
class MonthFigure:
    month: str = strawberry.field(description="YYYY-MM (UTC)")
    count: int
    volume: Money
    trade_volume: Money
    velocity: Optional[float] = strawberry.field(description="Trade volume / credit in circulation now.")
    by_kind: list[KindFigure]


@strawberry.type
class BalanceBucket:
    low: Optional[Money]
    high: Optional[Money]
    accounts: int


@strawberry.type
class OverdueInvoice:
    invoice_id: strawberry.ID
    number: int
    creditor: str
    debtor: str
    outstanding: Money
    due_date: dt.date


@strawberry.type
class MonthUse:
    month: str
    booked_hours: float
    open_hours: float
    percent: Optional[int] = strawberry.field(description="Booked hours / open hours; null when never open.")


@strawberry.type
class ResourceUtilisation:
    resource_id: strawberry.ID
    title: str
    kind: str
    months: list[MonthUse]


@strawberry.type
class TreasuryDashboard:
    sum_of_balances: Money = strawberry.field(description="Must read 0.")
    total_positive: Money = strawberry.field(description="Credit in circulation.")
    total_negative: Money
    account_count: int
    warning_level_percent: int
    near_limit: list[AccountFigure]
    at_limit: list[AccountFigure]
    months: list[MonthFigure]
    velocity_12_months: Optional[float]
    inactive_accounts: list[AccountFigure] = strawberry.field(description="No activity for 90 days.")
    overdue_count: int
    overdue_total: Money
    overdue_invoices: list[OverdueInvoice]
    open_debt: Money = strawberry.field(description="Accepted invoices still outstanding.")
    pending_invoice_count: int
    balance_distribution: list[BalanceBucket]

    @strawberry.field(description="Booked hours / open hours of every tool and space, month by month (the current one last).")
    def equipment_utilisation(self, info: Info, months: int = 6) -> list[ResourceUtilisation]:
        if not 1 <= months <= 24:
            raise QueryError("`months` must be between 1 and 24.")
        first = reports.add_months(reports.month_start(utcnow().date()), 1 - months)
        periods = [(reports.add_months(first, i), reports.add_months(first, i + 1)) for i in range(months)]
        return [
            ResourceUtilisation(
                resource_id=to_global_id("Resource", use.resource.id),
                title=use.resource.title,
                kind=use.resource.kind.value,
                months=[
                    MonthUse(month=m.start.strftime("%Y-%m"), booked_hours=round(m.booked_hours, 1),
                             open_hours=round(m.open_hours, 1), percent=m.percent)
                    for m in use.months
                ],
            )
            for use in utilisation(info.context.session, periods)
        ]


@strawberry.type
class ImpactFigure:
    key: str
    label: str
    value: str = strawberry.field(description="A count, or a Decimal amount for money figures.")
    is_money: bool


@strawberry.type
class ImpactReport:
    start: dt.date
    end: dt.date = strawberry.field(description="Exclusive.")
    figures: list[ImpactFigure]
    by_kind: list[KindFigure]


@strawberry.type
class ClosedStatementLine:
    posting_id: int
    at: dt.datetime
    kind: str = strawberry.field(description="The transfer kind (PAYMENT, BOOKING, INVOICE, CLEARING...).")
    memo: str
    amount: Money
    balance_after: Money


@strawberry.type(name="AccountStatement")
class AccountStatementType(Node):
    account_id: strawberry.ID
    account_name: str
    month: str
    entry_count: int
    model: strawberry.Private[AccountStatement]

    @strawberry.field
    def opening_balance(self) -> Money:
        return money(self.model.opening_balance)

    @strawberry.field
    def total_in(self) -> Money:
        return money(self.model.total_in)

    @strawberry.field
    def total_out(self) -> Money:
        return money(self.model.total_out)

    @strawberry.field
    def closing_balance(self) -> Money:
        return money(self.model.closing_balance)

    @strawberry.field
    def lines(self) -> list[ClosedStatementLine]:
        return [
            ClosedStatementLine(
                posting_id=pid, at=dt.datetime.fromisoformat(at), kind=kind, memo=memo,
                amount=money(amount), balance_after=money(after),
            )
            for pid, at, kind, memo, amount, after in self.model.lines
        ]


def _month(close: PeriodClose) -> str:
    return f"{close.period_start.year:04d}-{close.period_start.month:02d}"


def statement_type(statement: AccountStatement, close: PeriodClose) -> AccountStatementType:
    return AccountStatementType(
        id=to_global_id("AccountStatement", statement.id),
        account_id=to_global_id("Account", statement.account_id),
        account_name=statement.account_name,
        month=_month(close),
        entry_count=statement.entry_count,
        model=statement,
    )


@strawberry.type(name="PeriodClose")
class PeriodCloseType(Node):
    month: str
    created_at: dt.datetime
    model: strawberry.Private[PeriodClose]

    @classmethod
    def from_model(cls, close: PeriodClose) -> "PeriodCloseType":
        return cls(id=to_global_id("PeriodClose", close.id), month=_month(close), created_at=close.created_at, model=close)

    @strawberry.field(description="Every account's statement (treasurer), or the viewer's own.")
    def statements(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[AccountStatementType]:
        viewer = info.context.viewer
        stmt = sa.select(AccountStatement).where(AccountStatement.close_id == self.model.id)
        if not permissions.is_treasurer(viewer):
            stmt = stmt.where(AccountStatement.account_id.in_(list(permissions.usable_account_ids(info.context.session, viewer))))
        stmt = stmt.order_by(AccountStatement.account_name, AccountStatement.id)
        return paginate(info.context.session, stmt, first, after, lambda rows: [statement_type(r, self.model) for r in rows])


def resolve_statement_node(info: Info, pk: int) -> Optional[AccountStatementType]:
    viewer, session = info.context.viewer, info.context.session
    statement = session.get(AccountStatement, pk) if viewer else None
    if statement is None:
        return None
    if not permissions.is_treasurer(viewer) and statement.account_id not in permissions.usable_account_ids(session, viewer):
        return None
    return statement_type(statement, session.get(PeriodClose, statement.close_id))


def resolve_period_close_node(info: Info, pk: int) -> Optional[PeriodCloseType]:
    if info.context.viewer is None:
        return None
    close = info.context.session.get(PeriodClose, pk)
    return PeriodCloseType.from_model(close) if close else None


def _account_figure(account, use=None) -> AccountFigure:
    return AccountFigure(
        account_id=to_global_id("Account", account.id), name=account.name, balance=money(account.balance),
        credit_limit=money(account.credit_limit), limit_use_percent=use,
    )


def _kinds(by_kind) -> list[KindFigure]:
    return [KindFigure(kind=k.value, count=c, volume=money(v)) for k, (c, v) in sorted(by_kind.items(), key=lambda i: i[0].value)]


@strawberry.type
class ReportsQuery:
    @strawberry.field(description="The figures a treasurer checks every week (treasurer).")
    def treasury_dashboard(self, info: Info) -> TreasuryDashboard:
        viewer = require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        d = reports.dashboard(info.context.session, viewer)
        circulation = d.total_positive
        _preload_names(info, [i.creditor_account_id for i in d.overdue_invoices] + [i.debtor_account_id for i in d.overdue_invoices])
        return TreasuryDashboard(
            sum_of_balances=money(d.sum_of_balances),
            total_positive=money(d.total_positive),
            total_negative=money(d.total_negative),
            account_count=d.account_count,
            warning_level_percent=d.warning_level_percent,
            near_limit=[_account_figure(f.account, f.use_percent) for f in d.near_limit],
            at_limit=[_account_figure(f.account, f.use_percent) for f in d.at_limit],
            months=[
                MonthFigure(
                    month=m.month, count=m.count, volume=money(m.volume), trade_volume=money(m.trade_volume),
                    velocity=round(m.trade_volume / circulation, 3) if circulation else None, by_kind=_kinds(m.by_kind),
                )
                for m in d.months
            ],
            velocity_12_months=round(d.velocity_12_months, 3) if d.velocity_12_months is not None else None,
            inactive_accounts=[_account_figure(a) for a in d.inactive],
            overdue_count=d.overdue_count,
            overdue_total=money(d.overdue_total),
            overdue_invoices=[
                OverdueInvoice(
                    invoice_id=to_global_id("Invoice", i.id), number=i.id,
                    creditor=_name(info, i.creditor_account_id), debtor=_name(info, i.debtor_account_id),
                    outstanding=money(i.outstanding), due_date=i.due_date,
                )
                for i in d.overdue_invoices
            ],
            open_debt=money(d.open_debt),
            pending_invoice_count=d.pending_count,
            balance_distribution=[
                BalanceBucket(
                    low=money(low) if low > -(10**17) else None, high=money(high) if high < 10**17 else None, accounts=n
                )
                for low, high, n in d.balance_buckets
            ],
        )

    @strawberry.field(description="Figures for funders and members over [from, to) (treasurer).")
    def impact_report(
        self, info: Info, from_: Annotated[dt.date, strawberry.argument(name="from")], to: dt.date
    ) -> ImpactReport:
        viewer = require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        try:
            report = reports.impact(info.context.session, viewer, from_, to)
        except DomainError as exc:
            raise QueryError(str(exc.message))
        return ImpactReport(
            start=report.start,
            end=report.end,
            figures=[
                ImpactFigure(
                    key=key, label=label, is_money=key in reports.MONEY_KEYS,
                    value=str(money(value).amount) if key in reports.MONEY_KEYS else str(value),
                )
                for key, label, value in report.rows()
            ],
            by_kind=_kinds(report.by_kind),
        )

    @strawberry.field(description="Closed months, newest first: the treasurer sees every statement, a member their own.")
    def period_closes(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[PeriodCloseType]:
        if info.context.viewer is None:
            raise QueryError("You must be signed in.", code="UNAUTHENTICATED")
        stmt = sa.select(PeriodClose).order_by(PeriodClose.period_start.desc())
        return paginate(info.context.session, stmt, first, after, lambda rows: [PeriodCloseType.from_model(r) for r in rows])


def _preload_names(info: Info, account_ids: list[int]) -> None:
    accounts_by_id(info, account_ids)  # one query for every name the list shows


def _name(info: Info, account_id: int) -> str:
    return accounts_by_id(info, [account_id])[account_id].name


@strawberry.input
class ClosePeriodInput:
    month: str = strawberry.field(description="YYYY-MM, a month that is over.")


@strawberry.type
class ClosePeriodPayload:
    period_close: Optional[PeriodCloseType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReportsMutation:
    @strawberry.mutation(description="Write every account's statement for a finished month, once (treasurer).")
    @mutation_payload(ClosePeriodPayload)
    def close_period(self, info: Info, input: ClosePeriodInput) -> ClosePeriodPayload:
        viewer = require(info, permissions.is_treasurer)
        data = load(schemas.PeriodSchema(), strawberry.asdict(input))
        close = reports.close_period(info.context.session, viewer, reports.parse_month(data["month"]))
        return ClosePeriodPayload(period_close=PeriodCloseType.from_model(close))
