"""GraphQL types and operations of the treasury: invoices and clearing runs."""
import datetime as dt
import enum
from typing import Annotated, Optional

import sqlalchemy as sa
import strawberry

from app import permissions
from app.api.context import Info
from app.api.errors import UserError
from app.api.mutations import mutation_payload
from app.api.permissions import TREASURER_ONLY, require, require_for_query
from app.api.relay import Connection, Node, decode_id, paginate, to_global_id
from app.api.scalars import Money, money
from app.api.validation import load
from app.errors import DomainError, ErrorCode
from app.hub import hub_today
from app.ledger.api import accounts_by_id
from app.treasury import invoices as inv
from app.treasury import runs, schemas
from app.treasury.reports_api import ReportsMutation, ReportsQuery
from models import (
    Account,
    AccountKind,
    AccountStatus,
    ClearingLine,
    ClearingMethod,
    ClearingPosition,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoiceStatus,
)

InvoiceStatusEnum = strawberry.enum(InvoiceStatus, name="InvoiceStatus")
ClearingMethodEnum = strawberry.enum(ClearingMethod, name="ClearingMethod")
ClearingRunStatusEnum = strawberry.enum(ClearingRunStatus, name="ClearingRunStatus")
AccountType = Annotated["AccountType", strawberry.lazy("app.ledger.api")]


@strawberry.enum(description="Which side of the viewer's invoices to list.")
class InvoiceDirection(enum.Enum):
    TO_PAY = "TO_PAY"
    TO_COLLECT = "TO_COLLECT"


# --- Per-request batch loading -----------------------------------------------------------------


def _usable(info: Info) -> set[int]:
    """The accounts the viewer acts for, computed once per request."""
    cache = info.context.cache
    if "usable_accounts" not in cache:
        viewer = info.context.viewer
        cache["usable_accounts"] = permissions.usable_account_ids(info.context.session, viewer) if viewer else set()
    return cache["usable_accounts"]


@strawberry.type(description="A party to an invoice: its account's id and name. `account` "
                             "(balance and all) only for those who may see it.")
class InvoiceParty:
    id: strawberry.ID
    name: str
    model: strawberry.Private[Account]

    @classmethod
    def from_model(cls, account: Account) -> "InvoiceParty":
        return cls(id=to_global_id("Account", account.id), name=account.name, model=account)

    @strawberry.field
    def account(self, info: Info) -> Optional[AccountType]:
        from app.ledger.api import AccountType as Type

        viewer = info.context.viewer
        if viewer is None or not (permissions.is_treasurer(viewer) or self.model.id in _usable(info)):
            return None
        return Type.from_model(self.model)


@strawberry.type(name="Invoice")
class InvoiceType(Node):
    status: InvoiceStatusEnum
    memo: str
    due_date: dt.date
    created_at: dt.datetime
    accepted_at: Optional[dt.datetime]
    source_booking_id: Optional[int]
    model: strawberry.Private[Invoice]

    @classmethod
    def from_model(cls, invoice: Invoice) -> "InvoiceType":
        return cls(
            id=to_global_id("Invoice", invoice.id),
            status=invoice.status,
            memo=invoice.memo,
            due_date=invoice.due_date,
            created_at=invoice.created_at,
            accepted_at=invoice.accepted_at,
            source_booking_id=invoice.source_booking_id,
            model=invoice,
        )

    @strawberry.field(description="The invoice's number, as printed.")
    def number(self) -> int:
        return self.model.id

    @strawberry.field
    def amount(self) -> Money:
        return money(self.model.amount)

    @strawberry.field(description="What is still owed, after payments and clearings.")
    def outstanding(self) -> Money:
        return money(self.model.outstanding)

    @strawberry.field
    def creditor(self, info: Info) -> InvoiceParty:
        return InvoiceParty.from_model(accounts_by_id(info, [self.model.creditor_account_id])[self.model.creditor_account_id])

    @strawberry.field
    def debtor(self, info: Info) -> InvoiceParty:
        return InvoiceParty.from_model(accounts_by_id(info, [self.model.debtor_account_id])[self.model.debtor_account_id])

    @strawberry.field(description="Unpaid after its due date.")
    def overdue(self) -> bool:
        return inv.is_overdue(self.model, hub_today())

    @strawberry.field(description="The viewer acts for the debtor (may accept, reject, pay).")
    def viewer_is_debtor(self, info: Info) -> bool:
        return self.model.debtor_account_id in _usable(info)

    @strawberry.field(description="The viewer acts for the creditor (may cancel while unpaid).")
    def viewer_is_creditor(self, info: Info) -> bool:
        return self.model.creditor_account_id in _usable(info)


def _wrap_invoices(info: Info):
    def wrap(rows: list[Invoice]) -> list[InvoiceType]:
        accounts_by_id(info, {r.creditor_account_id for r in rows} | {r.debtor_account_id for r in rows})
        return [InvoiceType.from_model(r) for r in rows]

    return wrap


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
        stmt = (
            sa.select(ClearingPosition)
            .where(ClearingPosition.run_id == self.model.id)
            .order_by(ClearingPosition.payable_cleared.desc(), ClearingPosition.account_id)
        )

        def wrap(rows):
            accounts = accounts_by_id(info, {r.account_id for r in rows})
            return [ClearingPositionType(account=InvoiceParty.from_model(accounts[r.account_id]), model=r) for r in rows]

        return paginate(info.context.session, stmt, first, after, wrap)

    @strawberry.field(description="Invoices the run reduces, largest first.")
    def lines(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ClearingLineType]:
        stmt = (
            sa.select(ClearingLine)
            .where(ClearingLine.run_id == self.model.id)
            .order_by(ClearingLine.amount.desc(), ClearingLine.invoice_id)
        )

        def wrap(rows):
            accounts = accounts_by_id(info, {r.debtor_account_id for r in rows} | {r.creditor_account_id for r in rows})
            return [
                ClearingLineType(
                    invoice_id=to_global_id("Invoice", r.invoice_id),
                    invoice_number=r.invoice_id,
                    debtor=InvoiceParty.from_model(accounts[r.debtor_account_id]),
                    creditor=InvoiceParty.from_model(accounts[r.creditor_account_id]),
                    model=r,
                )
                for r in rows
            ]

        return paginate(info.context.session, stmt, first, after, wrap)


# --- Node resolvers, queries --------------------------------------------------------------------


def resolve_invoice_node(info: Info, pk: int) -> Optional[InvoiceType]:
    viewer = info.context.viewer
    invoice = info.context.session.get(Invoice, pk) if viewer else None
    if invoice is None or not inv.can_see_invoice(info.context.session, viewer, invoice, _usable(info)):
        return None
    return InvoiceType.from_model(invoice)


def resolve_clearing_run_node(info: Info, pk: int) -> Optional[ClearingRunType]:
    viewer = info.context.viewer
    if viewer is None or not permissions.is_treasurer(viewer):
        return None
    run = info.context.session.get(ClearingRun, pk)
    return ClearingRunType.from_model(run) if run else None


@strawberry.type
class TreasuryQuery(ReportsQuery):
    @strawberry.field(
        description="Invoices the viewer may see, newest first: their own accounts' (to pay and to "
        "collect); for the treasurer, the whole hub's unless `direction` narrows to their own."
    )
    def invoices(
        self,
        info: Info,
        status: Optional[list[InvoiceStatusEnum]] = None,
        direction: Optional[InvoiceDirection] = None,
        overdue: Optional[bool] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[InvoiceType]:
        viewer = require_for_query(info)
        usable = list(_usable(info))
        stmt = sa.select(Invoice).order_by(Invoice.id.desc())
        if direction == InvoiceDirection.TO_PAY:
            stmt = stmt.where(Invoice.debtor_account_id.in_(usable))
        elif direction == InvoiceDirection.TO_COLLECT:
            stmt = stmt.where(Invoice.creditor_account_id.in_(usable))
        elif not permissions.is_treasurer(viewer):
            stmt = stmt.where(sa.or_(Invoice.debtor_account_id.in_(usable), Invoice.creditor_account_id.in_(usable)))
        if status:
            stmt = stmt.where(Invoice.status.in_(status))
        if overdue is not None:
            late = inv.overdue_clause(hub_today())
            stmt = stmt.where(late if overdue else sa.not_(late))
        return paginate(info.context.session, stmt, first, after, _wrap_invoices(info))

    @strawberry.field(description="Accounts the viewer may invoice: every open member account but their own.")
    def invoice_counterparties(self, info: Info) -> list[InvoiceParty]:
        require_for_query(info)
        accounts = info.context.session.scalars(
            sa.select(Account)
            .where(Account.kind != AccountKind.SYSTEM, Account.status == AccountStatus.OPEN, Account.id.not_in(list(_usable(info))))
            .order_by(Account.name, Account.id)
        )
        return [InvoiceParty.from_model(a) for a in accounts]

    @strawberry.field(description="Clearing runs, newest first (treasurer).")
    def clearing_runs(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[ClearingRunType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        stmt = sa.select(ClearingRun).order_by(ClearingRun.id.desc())

        def wrap(rows):
            stale = runs.stale_run_ids(info.context.session, [r.id for r in rows if r.status == ClearingRunStatus.PROPOSED])
            return [ClearingRunType.from_model(r, known_stale=r.id in stale) for r in rows]

        return paginate(info.context.session, stmt, first, after, wrap)


# --- Mutations ----------------------------------------------------------------------------------


@strawberry.input
class IssueInvoiceInput:
    debtor_account_id: strawberry.ID
    amount: str = strawberry.field(description='A Decimal string such as "120.00".')
    memo: str = ""
    due_date: Optional[dt.date] = strawberry.field(default=None, description="Default: in 30 days.")


@strawberry.type
class IssueInvoicePayload:
    invoice: Optional[InvoiceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class InvoiceActionInput:
    invoice_id: strawberry.ID


@strawberry.type
class AcceptInvoicePayload:
    invoice: Optional[InvoiceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RejectInvoicePayload:
    invoice: Optional[InvoiceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelInvoicePayload:
    invoice: Optional[InvoiceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PayInvoiceInput:
    invoice_id: strawberry.ID
    amount: Optional[str] = strawberry.field(default=None, description="Default: the whole outstanding.")
    idempotency_key: Optional[str] = None


@strawberry.type
class PayInvoicePayload:
    invoice: Optional[InvoiceType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ProposeClearingInput:
    method: ClearingMethodEnum = ClearingMethod.SET_OFF


@strawberry.type
class ProposeClearingPayload:
    run: Optional[ClearingRunType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ClearingRunInput:
    run_id: strawberry.ID


@strawberry.type
class PostClearingPayload:
    run: Optional[ClearingRunType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DiscardClearingPayload:
    run: Optional[ClearingRunType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _invoice_pk(global_id: str) -> int:
    pk = decode_id(global_id, "Invoice")
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This invoice does not exist.", "invoiceId")
    return pk


def _run_pk(global_id: str) -> int:
    pk = decode_id(global_id, "ClearingRun")
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This clearing run does not exist.", "runId")
    return pk


@strawberry.type
class TreasuryMutation(ReportsMutation):
    @strawberry.mutation(description="Bill another account (from the viewer's paying account).")
    @mutation_payload(IssueInvoicePayload)
    def issue_invoice(self, info: Info, input: IssueInvoiceInput) -> IssueInvoicePayload:
        viewer = require(info)
        data = load(schemas.IssueInvoiceSchema(), strawberry.asdict(input))
        debtor_pk = decode_id(data["debtor_account_id"], "Account")
        if debtor_pk is None:
            raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "debtorAccountId")
        invoice = inv.issue_invoice(
            info.context.session,
            viewer,
            debtor_account_id=debtor_pk,
            amount=data["amount"],
            memo=data["memo"],
            due_date=data["due_date"],
        )
        return IssueInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The debtor accepts an invoice: it becomes a debt.")
    @mutation_payload(AcceptInvoicePayload)
    def accept_invoice(self, info: Info, input: InvoiceActionInput) -> AcceptInvoicePayload:
        viewer = require(info)
        invoice = inv.accept_invoice(info.context.session, viewer, _invoice_pk(input.invoice_id))
        return AcceptInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The debtor rejects an invoice.")
    @mutation_payload(RejectInvoicePayload)
    def reject_invoice(self, info: Info, input: InvoiceActionInput) -> RejectInvoicePayload:
        viewer = require(info)
        invoice = inv.reject_invoice(info.context.session, viewer, _invoice_pk(input.invoice_id))
        return RejectInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The creditor withdraws an unpaid invoice.")
    @mutation_payload(CancelInvoicePayload)
    def cancel_invoice(self, info: Info, input: InvoiceActionInput) -> CancelInvoicePayload:
        viewer = require(info)
        invoice = inv.cancel_invoice(info.context.session, viewer, _invoice_pk(input.invoice_id))
        return CancelInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="Pay an invoice in credits, whole or in part, within the debtor's limit.")
    @mutation_payload(PayInvoicePayload)
    def pay_invoice(self, info: Info, input: PayInvoiceInput) -> PayInvoicePayload:
        viewer = require(info)
        data = load(schemas.PayInvoiceSchema(), strawberry.asdict(input))
        invoice = inv.pay_invoice(
            info.context.session, viewer, _invoice_pk(data["invoice_id"]), data["amount"], data["idempotency_key"]
        )
        return PayInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="Compute a clearing of all accepted invoices and keep it as a proposal (treasurer).")
    @mutation_payload(ProposeClearingPayload)
    def propose_clearing(self, info: Info, input: Optional[ProposeClearingInput] = None) -> ProposeClearingPayload:
        viewer = require(info, permissions.is_treasurer)
        method = input.method if input else ClearingMethod.SET_OFF
        run = runs.propose_clearing(info.context.session, viewer, ClearingMethod(method.value))
        return ProposeClearingPayload(run=ClearingRunType.from_model(run))

    @strawberry.mutation(description="Post a proposal atomically; refused with STALE if an invoice changed (treasurer).")
    @mutation_payload(PostClearingPayload)
    def post_clearing(self, info: Info, input: ClearingRunInput) -> PostClearingPayload:
        viewer = require(info, permissions.is_treasurer)
        run = runs.post_clearing(info.context.session, viewer, _run_pk(input.run_id))
        return PostClearingPayload(run=ClearingRunType.from_model(run))

    @strawberry.mutation(description="Discard a proposal (treasurer).")
    @mutation_payload(DiscardClearingPayload)
    def discard_clearing(self, info: Info, input: ClearingRunInput) -> DiscardClearingPayload:
        viewer = require(info, permissions.is_treasurer)
        run = runs.discard_clearing(info.context.session, viewer, _run_pk(input.run_id))
        return DiscardClearingPayload(run=ClearingRunType.from_model(run))
