"""The treasurer's figures: the weekly dashboard and the impact report (the monthly period
close: app.treasury.periods).

Months and days are cut at midnight in the hub's time zone (the ledger stores UTC). Velocity is the trade volume (payments, bookings,
skills, invoices paid in credits: not clearings, corrections or fees) divided by the credit in
circulation (the sum of positive balances) now.
"""
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.catalog.stats import SharingFigures, sharing_figures
from app.errors import N_, DomainError, ErrorCode
from app.hub import hub_zone
from app.invoices.queries import overdue_clause
from app.ledger import services as ledger
from app.skills import queries as skill_queries
from models import (
    Account,
    AccountKind,
    ClearingMethod,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoiceStatus,
    Member,
    Posting,
    ResourceKind,
    Transfer,
    TransferKind,
    utcnow,
)

log = logging.getLogger("alveole.treasury")

TRADE_KINDS = (TransferKind.PAYMENT, TransferKind.BOOKING, TransferKind.SKILL, TransferKind.INVOICE)
INACTIVE_DAYS = 90
# Balance distribution buckets, in minor units: (lower bound inclusive, upper bound exclusive).
BUCKETS = [(-(10**18), -100_000), (-100_000, -50_000), (-50_000, -10_000), (-10_000, 0), (0, 1),
           (1, 10_000), (10_000, 50_000), (50_000, 100_000), (100_000, 10**18)]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _midnight(day: dt.date) -> dt.datetime:
    """The start of a day in the hub's time zone: a month closes at midnight in the valley."""
    return dt.datetime.combine(day, dt.time(), tzinfo=hub_zone())


def _require_treasurer(actor: Member) -> None:
    if not permissions.is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can see this.")


# --- Dashboard ----------------------------------------------------------------------------------


@dataclass
class AccountFigure:
    account: Account
    use_percent: Optional[int]


@dataclass
class MonthFigure:
    month: str
    by_kind: dict[TransferKind, tuple[int, int]]  # kind -> (count, volume)

    @property
    def count(self) -> int:
        return sum(c for c, _ in self.by_kind.values())

    @property
    def volume(self) -> int:
        return sum(v for _, v in self.by_kind.values())

    @property
    def trade_volume(self) -> int:
        return sum(v for k, (_, v) in self.by_kind.items() if k in TRADE_KINDS)

    @property
    def trade_count(self) -> int:
        return sum(c for k, (c, _) in self.by_kind.items() if k in TRADE_KINDS)

    @property
    def set_off(self) -> int:
        """Debt cancelled by clearing: no trade, shown apart from the trade volume."""
        return self.by_kind.get(TransferKind.CLEARING, (0, 0))[1]


@dataclass
class Dashboard:
    sum_of_balances: int
    total_positive: int
    total_negative: int
    account_count: int
    warning_level_percent: int
    near_limit: list[AccountFigure]
    at_limit: list[AccountFigure]
    months: list[MonthFigure]
    inactive: list[Account]
    overdue_invoices: list[Invoice]
    overdue_count: int
    overdue_total: int
    open_debt: int  # accepted invoices outstanding
    pending_count: int  # invoices waiting for an answer
    balance_buckets: list[tuple[int, int, int]] = field(default_factory=list)  # (low, high, accounts)

    @property
    def velocity_12_months(self) -> Optional[float]:
        if not self.total_positive:
            return None
        return sum(m.trade_volume for m in self.months) / self.total_positive


def monthly_volumes(session: so.Session, first_month: dt.date, end: dt.date) -> list[MonthFigure]:
    """Count and volume per kind for each month from `first_month` to `end` (excluded), the
    months cut at midnight in the hub's time zone, in one query."""
    starts = []
    day = first_month
    while day < end:
        starts.append(day)
        day = add_months(day, 1)
    label = sa.case(
        *[
            (sa.and_(Transfer.created_at >= _midnight(start), Transfer.created_at < _midnight(add_months(start, 1))),
             f"{start.year:04d}-{start.month:02d}")
            for start in starts
        ]
    )
    rows = session.execute(
        sa.select(label, Transfer.kind, sa.func.count(), sa.func.sum(Transfer.amount))
        .where(Transfer.created_at >= _midnight(first_month), Transfer.created_at < _midnight(end))
        .group_by(label, Transfer.kind)
    ).all()
    found: dict[str, dict] = defaultdict(dict)
    for month, kind, count, volume in rows:
        found[month][TransferKind(kind)] = (count, int(volume or 0))
    return [MonthFigure(f"{s.year:04d}-{s.month:02d}", found.get(f"{s.year:04d}-{s.month:02d}", {})) for s in starts]


def dashboard(session: so.Session, actor: Member, now: Optional[dt.datetime] = None) -> Dashboard:
    _require_treasurer(actor)
    now = now or utcnow()
    today = now.astimezone(hub_zone()).date()
    settings = ledger.get_settings(session)
    accounts = session.scalars(sa.select(Account).order_by(Account.name, Account.id)).all()
    balances = [a.balance for a in accounts]
    members = [a for a in accounts if a.kind != AccountKind.SYSTEM]
    near, at = [], []
    for account in members:
        use = ledger.limit_use_percent(account)
        if use is None:
            continue
        if use >= 100:
            at.append(AccountFigure(account, use))
        elif use >= settings.warning_level_percent:
            near.append(AccountFigure(account, use))
    cutoff = now - dt.timedelta(days=INACTIVE_DAYS)
    last_posted = dict(
        session.execute(sa.select(Posting.account_id, sa.func.max(Posting.created_at)).group_by(Posting.account_id)).all()
    )
    inactive = [a for a in members if (last_posted.get(a.id) or a.created_at) < cutoff]
    late = overdue_clause(today)
    overdue_count, overdue_total = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Invoice.outstanding), 0)).where(late)
    ).one()
    buckets = [(low, high, sum(1 for a in members if low <= a.balance < high)) for low, high in BUCKETS]
    first_month = add_months(month_start(today), -11)
    return Dashboard(
        sum_of_balances=sum(balances),
        total_positive=sum(b for b in balances if b > 0),
        total_negative=sum(b for b in balances if b < 0),
        account_count=len(members),
        warning_level_percent=settings.warning_level_percent,
        near_limit=sorted(near, key=lambda f: -f.use_percent),
        at_limit=sorted(at, key=lambda f: -f.use_percent),
        months=monthly_volumes(session, first_month, add_months(month_start(today), 1)),
        inactive=inactive,
        overdue_invoices=session.scalars(sa.select(Invoice).where(late).order_by(Invoice.due_date, Invoice.id).limit(10)).all(),
        overdue_count=overdue_count,
        overdue_total=int(overdue_total),
        open_debt=int(session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Invoice.outstanding), 0)).where(Invoice.status == InvoiceStatus.ACCEPTED)
        )),
        pending_count=session.scalar(sa.select(sa.func.count()).where(Invoice.status == InvoiceStatus.ISSUED)),
        balance_buckets=buckets,
    )


# --- Impact report ------------------------------------------------------------------------------


@dataclass
class Impact:
    start: dt.date
    end: dt.date  # exclusive
    by_kind: dict[TransferKind, tuple[int, int]]
    active_accounts: int
    invoices_issued: int
    invoices_issued_amount: int
    invoices_paid: int
    cleared_set_off: int
    cleared_credit: int
    runs_posted: int
    sharing: SharingFigures
    skills: skill_queries.SkillImpact

    @property
    def credit_volume(self) -> int:
        return sum(v for k, (_, v) in self.by_kind.items() if k in TRADE_KINDS)

    @property
    def transfer_count(self) -> int:
        return sum(c for k, (c, _) in self.by_kind.items() if k in TRADE_KINDS)

    @property
    def debt_cleared(self) -> int:
        return self.cleared_set_off + self.cleared_credit

    def rows(self) -> list[tuple[str, str, int]]:
        """(key, English label, value) in the order of the report; money in minor units."""
        tools, spaces, skills = (self.sharing.by_kind[k] for k in (ResourceKind.TOOL, ResourceKind.WORKSPACE, ResourceKind.SKILL))
        return [
            ("credit_volume", N_("Credit volume (trade)"), self.credit_volume),
            ("transfer_count", N_("Trade transfers"), self.transfer_count),
            ("active_accounts", N_("Accounts with activity"), self.active_accounts),
            ("invoices_issued", N_("Invoices issued"), self.invoices_issued),
            ("invoices_issued_amount", N_("Amount invoiced"), self.invoices_issued_amount),
            ("invoices_paid", N_("Invoices settled in full"), self.invoices_paid),
            ("debt_cleared", N_("Debt cleared"), self.debt_cleared),
            ("debt_cleared_set_off", N_("of which by multilateral set-off"), self.cleared_set_off),
            ("debt_cleared_credit", N_("of which by settlement in credits"), self.cleared_credit),
            ("clearing_runs", N_("Clearing runs posted"), self.runs_posted),
            ("equipment_loans", N_("Equipment loans"), tools.bookings),
            ("equipment_hours", N_("Hours of equipment shared"), round(tools.hours)),
            ("equipment_members", N_("Members who borrowed equipment"), len(tools.members)),
            ("workspace_bookings", N_("Workspace bookings"), spaces.bookings),
            ("workspace_hours", N_("Hours of workspace used"), round(spaces.hours)),
            ("skill_jobs", N_("Skill jobs delivered"), self.skills.jobs_delivered),
            ("skill_bookings", N_("Skill bookings"), skills.bookings),
            ("skill_hours", N_("Hours of skills exchanged"), round(skills.hours + self.skills.worked_hours)),
            ("skill_insertion_hours", N_("of which worked by people in insertion"), round(self.skills.insertion_hours)),
            ("skill_training_hours", N_("of which worked by people in training"), round(self.skills.training_hours)),
            ("skill_members", N_("Members who hired a skill"), len(skills.members | self.skills.clients)),
            ("training_trainees", N_("Trainees who attended a training"), self.skills.trainees),
            ("training_attended_hours", N_("Hours of training attended"), round(self.skills.attended_training_hours)),
        ]


MONEY_KEYS = {"credit_volume", "invoices_issued_amount", "debt_cleared", "debt_cleared_set_off", "debt_cleared_credit"}


def impact(session: so.Session, actor: Member, start: dt.date, end: dt.date) -> Impact:
    """Figures for [start, end) (dates, UTC)."""
    _require_treasurer(actor)
    if end <= start:
        raise DomainError(ErrorCode.INVALID, "The end of the period must come after its start.", "to")
    lo, hi = _midnight(start), _midnight(end)
    by_kind = {
        TransferKind(kind): (count, int(volume or 0))
        for kind, count, volume in session.execute(
            sa.select(Transfer.kind, sa.func.count(), sa.func.sum(Transfer.amount))
            .where(Transfer.created_at >= lo, Transfer.created_at < hi)
            .group_by(Transfer.kind)
        )
    }
    active = session.scalar(
        sa.select(sa.func.count(sa.distinct(Posting.account_id)))
        .join(Transfer, Transfer.id == Posting.transfer_id)
        .where(Posting.created_at >= lo, Posting.created_at < hi, Transfer.kind.in_(TRADE_KINDS))
    )
    issued, issued_amount = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Invoice.amount), 0))
        .where(Invoice.created_at >= lo, Invoice.created_at < hi)
    ).one()
    paid = session.scalar(
        sa.select(sa.func.count()).where(Invoice.status == InvoiceStatus.PAID, Invoice.closed_at >= lo, Invoice.closed_at < hi)
    )
    cleared = dict(
        session.execute(
            sa.select(ClearingRun.method, sa.func.sum(ClearingRun.cleared))
            .where(ClearingRun.status == ClearingRunStatus.POSTED, ClearingRun.decided_at >= lo, ClearingRun.decided_at < hi)
            .group_by(ClearingRun.method)
        ).all()
    )
    runs_posted = session.scalar(
        sa.select(sa.func.count()).where(
            ClearingRun.status == ClearingRunStatus.POSTED, ClearingRun.decided_at >= lo, ClearingRun.decided_at < hi
        )
    )
    return Impact(
        start=start,
        end=end,
        by_kind=by_kind,
        active_accounts=active,
        invoices_issued=issued,
        invoices_issued_amount=int(issued_amount),
        invoices_paid=paid,
        cleared_set_off=int(cleared.get(ClearingMethod.SET_OFF, 0) or 0),
        cleared_credit=int(cleared.get(ClearingMethod.CREDIT_TRANSFERS, 0) or 0),
        runs_posted=runs_posted,
        sharing=sharing_figures(session, lo, hi),
        skills=skill_queries.impact(session, lo, hi),
    )
