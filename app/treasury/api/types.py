"""GraphQL types of clearing runs: the run, its accounts' positions and its lines."""
import datetime as dt
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.relay import Connection, Node, paginate, to_global_id
from app.api.scalars import Money, money
from app.invoices.api.types import InvoiceParty, party
from app.ledger.api import accounts_by_id
from app.treasury import queries, runs
from models import ClearingLine, ClearingMethod, ClearingPosition, ClearingRun, ClearingRunStatus

ClearingMethodEnum = strawberry.enum(ClearingMethod, name="ClearingMethod")
ClearingRunStatusEnum = strawberry.enum(ClearingRunStatus, name="ClearingRunStatus")


@strawberry.type(name="ClearingPosition", description="One account in a clearing run.")
class ClearingPositionType:
    account: InvoiceParty
    model: strawberry.Private[ClearingPosition]

    @strawberry.field(description="What the account owed before the run.")
    def payable_before(self) -> Money:
        return money(self.model.payable_before)

    @strawberry.field(description="What the account was owed before the run.")
    def receivable_before(self) -> Money:
        return money(self.model.receivable_before)

    @strawberry.field
    def payable_cleared(self) -> Money:
        return money(self.model.payable_cleared)

    @strawberry.field
    def receivable_cleared(self) -> Money:
        return money(self.model.receivable_cleared)

    @strawberry.field
    def payable_after(self) -> Money:
        return money(self.model.payable_before - self.model.payable_cleared)

    @strawberry.field
    def receivable_after(self) -> Money:
        return money(self.model.receivable_before - self.model.receivable_cleared)


@strawberry.type(name="ClearingLine", description="One invoice reduced by a clearing run.")
class ClearingLineType:
    invoice_id: strawberry.ID
    invoice_number: int
    debtor: InvoiceParty
    creditor: InvoiceParty
    model: strawberry.Private[ClearingLine]

    @strawberry.field(description="The invoice's outstanding when the run was proposed.")
    def outstanding_before(self) -> Money:
        return money(self.model.outstanding_before)

    @strawberry.field
    def amount(self) -> Money:
        return money(self.model.amount)


@strawberry.type(name="ClearingRun")
class ClearingRunType(Node):
    method: ClearingMethodEnum
    status: ClearingRunStatusEnum
    invoice_count: int = strawberry.field(description="Invoices touched by the run.")
    created_at: dt.datetime
    decided_at: Optional[dt.datetime]
    model: strawberry.Private[ClearingRun]
    known_stale: strawberry.Private[Optional[bool]] = None  # computed for a whole page at once

    @classmethod
    def from_model(cls, run: ClearingRun, known_stale: Optional[bool] = None) -> "ClearingRunType":
        return cls(
            known_stale=known_stale,
            id=to_global_id("ClearingRun", run.id),
            method=run.method,
            status=run.status,
            invoice_count=run.invoice_count,
            created_at=run.created_at,
            decided_at=run.decided_at,
            model=run,
        )

    @strawberry.field
    def number(self) -> int:
        return self.model.id

    @strawberry.field(description="Accepted debt outstanding when proposed.")
    def gross_before(self) -> Money:
        return money(self.model.gross_before)

    @strawberry.field
    def cleared(self) -> Money:
        return money(self.model.cleared)

    @strawberry.field
    def gross_after(self) -> Money:
        return money(self.model.gross_after)

    @strawberry.field(description="cleared / grossBefore, in percent (two decimals).")
    def percent_cleared(self) -> float:
        if not self.model.gross_before:
            return 0.0
        return round(100 * self.model.cleared / self.model.gross_before, 2)

    @strawberry.field(description="A proposal some invoice of which changed since: it cannot be posted.")
    def stale(self, info: Info) -> bool:
        if self.known_stale is not None:
            return self.known_stale
        return runs.is_stale(info.context.session, self.model)

    @strawberry.field(description="Accounts of the run, most cleared first.")
    def positions(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ClearingPositionType]:
        def wrap(rows):
            accounts_by_id(info, {r.account_id for r in rows})
            return [ClearingPositionType(account=party(info, r.account_id), model=r) for r in rows]

        return paginate(info.context.session, queries.run_positions(self.model.id), first, after, wrap)

    @strawberry.field(description="Invoices the run reduces, largest first.")
    def lines(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ClearingLineType]:
        def wrap(rows):
            accounts_by_id(info, {r.debtor_account_id for r in rows} | {r.creditor_account_id for r in rows})
            return [
                ClearingLineType(
                    invoice_id=to_global_id("Invoice", r.invoice_id),
                    invoice_number=r.invoice_id,
                    debtor=party(info, r.debtor_account_id),
                    creditor=party(info, r.creditor_account_id),
                    model=r,
                )
                for r in rows
            ]

        return paginate(info.context.session, queries.run_lines(self.model.id), first, after, wrap)
