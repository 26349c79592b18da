"""GraphQL types of the treasurer's weekly dashboard and of the impact report, and how they
are built from app.treasury.reports' figures."""
import datetime as dt
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.relay import QueryError, to_global_id
from app.api.scalars import Money, money
from app.catalog.stats import utilisation
from app.ledger.api import accounts_by_id
from app.treasury import reports
from models import utcnow


@strawberry.type
class AccountFigure:
    account_id: strawberry.ID
    name: str
    balance: Money
    credit_limit: Money
    on_hold: Money = strawberry.field(description="Credit reserved for bookings and jobs: counted in the limit's use.")
    limit_use_percent: Optional[int] = strawberry.field(
        description="(Debt + credit on hold) / credit limit, in percent; null when nothing is used of a zero limit."
    )


@strawberry.type
class KindFigure:
    kind: str = strawberry.field(description="The transfer kind (PAYMENT, BOOKING, INVOICE, CLEARING...).")
    count: int
    volume: Money


@strawberry.type
class MonthFigure:
    month: str = strawberry.field(description="YYYY-MM, cut at midnight in the hub's time zone")
    count: int
    volume: Money = strawberry.field(description="Every transfer, set-off and corrections included.")
    trade_count: int = strawberry.field(description="Payments, bookings, skills and invoices paid in credits.")
    trade_volume: Money = strawberry.field(description="The volume of those: what members traded.")
    set_off: Money = strawberry.field(description="Debt cancelled by clearing runs: not trade.")
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


def _account_figure(account, use=None) -> AccountFigure:
    return AccountFigure(
        account_id=to_global_id("Account", account.id), name=account.name, balance=money(account.balance),
        credit_limit=money(account.credit_limit), on_hold=money(account.on_hold), limit_use_percent=use,
    )


def _kinds(by_kind) -> list[KindFigure]:
    return [KindFigure(kind=k.value, count=c, volume=money(v)) for k, (c, v) in sorted(by_kind.items(), key=lambda i: i[0].value)]


def _month_figure(m: reports.MonthFigure, circulation: int) -> MonthFigure:
    return MonthFigure(
        month=m.month, count=m.count, volume=money(m.volume), trade_count=m.trade_count,
        trade_volume=money(m.trade_volume), set_off=money(m.set_off),
        velocity=round(m.trade_volume / circulation, 3) if circulation else None, by_kind=_kinds(m.by_kind),
    )


def _overdue(info: Info, invoices) -> list[OverdueInvoice]:
    names = accounts_by_id(info, [i.creditor_account_id for i in invoices] + [i.debtor_account_id for i in invoices])
    return [
        OverdueInvoice(
            invoice_id=to_global_id("Invoice", i.id), number=i.id,
            creditor=names[i.creditor_account_id].name, debtor=names[i.debtor_account_id].name,
            outstanding=money(i.outstanding), due_date=i.due_date,
        )
        for i in invoices
    ]


def dashboard_type(info: Info, d: reports.Dashboard) -> TreasuryDashboard:
    return TreasuryDashboard(
        sum_of_balances=money(d.sum_of_balances),
        total_positive=money(d.total_positive),
        total_negative=money(d.total_negative),
        account_count=d.account_count,
        warning_level_percent=d.warning_level_percent,
        near_limit=[_account_figure(f.account, f.use_percent) for f in d.near_limit],
        at_limit=[_account_figure(f.account, f.use_percent) for f in d.at_limit],
        months=[_month_figure(m, d.total_positive) for m in d.months],
        velocity_12_months=round(d.velocity_12_months, 3) if d.velocity_12_months is not None else None,
        inactive_accounts=[_account_figure(a) for a in d.inactive],
        overdue_count=d.overdue_count,
        overdue_total=money(d.overdue_total),
        overdue_invoices=_overdue(info, d.overdue_invoices),
        open_debt=money(d.open_debt),
        pending_invoice_count=d.pending_count,
        balance_distribution=[
            BalanceBucket(low=money(low) if low > -(10**17) else None, high=money(high) if high < 10**17 else None, accounts=n)
            for low, high, n in d.balance_buckets
        ],
    )


def impact_type(report: reports.Impact) -> ImpactReport:
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
