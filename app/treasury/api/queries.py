"""The treasury's queries and nodes. The treasurer's lists and figures answer FORBIDDEN to
anyone else; a clearing run reads null to them."""
import datetime as dt
from typing import Annotated, Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, QueryError, paginate
from app.errors import DomainError
from app.hub import hub_today
from app.treasury import periods, queries, reports
from app.treasury.api.reports import ImpactReport, TreasuryDashboard, dashboard_type, impact_type
from app.treasury.api.statements import PeriodCloseType
from app.treasury.api.types import ClearingRunType
from models import ClearingRun, ClearingRunStatus


def resolve_clearing_run_node(info: Info, pk: int) -> Optional[ClearingRunType]:
    if not permissions.is_treasurer(info.context.viewer):
        return None
    run = info.context.session.get(ClearingRun, pk)
    return ClearingRunType.from_model(run) if run else None


@strawberry.type
class TreasuryQuery:
    @strawberry.field(description="Clearing runs, newest first (treasurer).")
    def clearing_runs(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ClearingRunType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        session = info.context.session

        def wrap(rows):
            stale = queries.stale_run_ids(session, [r.id for r in rows if r.status == ClearingRunStatus.PROPOSED])
            return [ClearingRunType.from_model(r, known_stale=r.id in stale) for r in rows]

        return paginate(session, queries.clearing_runs(), first, after, wrap)

    @strawberry.field(description="The figures a treasurer checks every week (treasurer).")
    def treasury_dashboard(self, info: Info) -> TreasuryDashboard:
        viewer = require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        return dashboard_type(info, reports.dashboard(info.context.session, viewer))

    @strawberry.field(description="Figures for funders and members over [from, to) (treasurer).")
    def impact_report(
        self, info: Info, from_: Annotated[dt.date, strawberry.argument(name="from")], to: dt.date
    ) -> ImpactReport:
        viewer = require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        try:
            report = reports.impact(info.context.session, viewer, from_, to)
        except DomainError as exc:
            raise QueryError(str(exc.message)) from exc
        return impact_type(report)

    @strawberry.field(description="The month to close next (YYYY-MM), months being closed in order; null until it "
                                  "is over (treasurer).")
    def next_period_to_close(self, info: Info) -> Optional[str]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        today = hub_today()
        month = periods.next_month_to_close(info.context.session, today)
        return periods.month_text(month) if reports.add_months(month, 1) <= today else None

    @strawberry.field(description="Closed months, newest first: the treasurer sees every statement, a member their own.")
    def period_closes(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[PeriodCloseType]:
        require_for_query(info)
        return paginate(
            info.context.session, queries.period_closes(), first, after, lambda rows: [PeriodCloseType.from_model(r) for r in rows]
        )
