"""The invoices' mutations: issue, accept, reject, cancel, pay. Each one signed in; who may act
on which invoice is the service's rule (the debtor accepts, the creditor cancels...)."""
import datetime as dt
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.errors import N_
from app.invoices import schemas, services
from app.invoices.api.types import InvoiceType

NO_INVOICE = N_("This invoice does not exist.")
NO_ACCOUNT = N_("This account does not exist.")
ONLY_TREASURER = N_("Only the treasurer can correct an invoice.")


@strawberry.input
class IssueInvoiceInput:
    debtor_account_id: strawberry.ID
    amount: str = strawberry.field(description='A Decimal string such as "120.00".')
    memo: str = ""
    due_date: Optional[dt.date] = strawberry.field(default=None, description="Default: in 30 days.")


@strawberry.input
class InvoiceActionInput:
    invoice_id: strawberry.ID


@strawberry.input
class CancelInvoiceInput:
    invoice_id: strawberry.ID
    reason: str = strawberry.field(default="", description="Required of the treasurer cancelling another's invoice.")


@strawberry.input
class CorrectInvoiceInput:
    invoice_id: strawberry.ID
    reason: str = strawberry.field(description="Why: kept in the invoice's history.")
    amount: Optional[str] = strawberry.field(default=None, description='The new amount, a Decimal string; null keeps it.')
    due_date: Optional[dt.date] = strawberry.field(default=None, description="The new due date; null keeps it.")
    memo: Optional[str] = strawberry.field(default=None, description="The new memo; null keeps it.")


@strawberry.input
class PayInvoiceInput:
    invoice_id: strawberry.ID
    amount: Optional[str] = strawberry.field(default=None, description="Default: the whole outstanding.")
    idempotency_key: Optional[str] = None


@strawberry.type
class IssueInvoicePayload(Payload):
    invoice: Optional[InvoiceType] = None


@strawberry.type
class AcceptInvoicePayload(Payload):
    invoice: Optional[InvoiceType] = None


@strawberry.type
class RejectInvoicePayload(Payload):
    invoice: Optional[InvoiceType] = None


@strawberry.type
class CancelInvoicePayload(Payload):
    invoice: Optional[InvoiceType] = None


@strawberry.type
class CorrectInvoicePayload(Payload):
    invoice: Optional[InvoiceType] = None


@strawberry.type
class PayInvoicePayload(Payload):
    invoice: Optional[InvoiceType] = None


def _invoice_pk(global_id: str) -> int:
    return node_pk(global_id, "Invoice", "invoiceId", NO_INVOICE)


@strawberry.type
class InvoicesMutation:
    @strawberry.mutation(description="Bill another account (from the viewer's paying account).")
    @mutation_payload(IssueInvoicePayload)
    def issue_invoice(self, info: Info, input: IssueInvoiceInput) -> IssueInvoicePayload:
        data = load(schemas.IssueInvoiceSchema(), strawberry.asdict(input))
        invoice = services.issue_invoice(
            info.context.session,
            info.context.viewer,
            debtor_account_id=node_pk(data["debtor_account_id"], "Account", "debtorAccountId", NO_ACCOUNT),
            amount=data["amount"],
            memo=data["memo"],
            due_date=data["due_date"],
        )
        return IssueInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The debtor accepts an invoice: it becomes a debt.")
    @mutation_payload(AcceptInvoicePayload)
    def accept_invoice(self, info: Info, input: InvoiceActionInput) -> AcceptInvoicePayload:
        invoice = services.accept_invoice(info.context.session, info.context.viewer, _invoice_pk(input.invoice_id))
        return AcceptInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The debtor rejects an invoice.")
    @mutation_payload(RejectInvoicePayload)
    def reject_invoice(self, info: Info, input: InvoiceActionInput) -> RejectInvoicePayload:
        invoice = services.reject_invoice(info.context.session, info.context.viewer, _invoice_pk(input.invoice_id))
        return RejectInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The creditor withdraws an unpaid invoice; the treasurer cancels any open "
                                     "invoice, with a reason kept in its history.")
    @mutation_payload(CancelInvoicePayload)
    def cancel_invoice(self, info: Info, input: CancelInvoiceInput) -> CancelInvoicePayload:
        data = load(schemas.CancelInvoiceSchema(), strawberry.asdict(input))
        invoice = services.cancel_invoice(
            info.context.session, info.context.viewer, _invoice_pk(data["invoice_id"]), data["reason"]
        )
        return CancelInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="The treasurer corrects an open invoice's amount, due date or memo, with a "
                                     "reason kept in its history; what was paid stays paid.")
    @mutation_payload(CorrectInvoicePayload, allowed=permissions.can_correct_invoice, message=ONLY_TREASURER)
    def correct_invoice(self, info: Info, input: CorrectInvoiceInput) -> CorrectInvoicePayload:
        data = load(schemas.CorrectInvoiceSchema(), strawberry.asdict(input))
        invoice = services.correct_invoice(
            info.context.session, info.context.viewer, _invoice_pk(data["invoice_id"]), reason=data["reason"],
            amount=data["amount"], due_date=data["due_date"], memo=data["memo"],
        )
        return CorrectInvoicePayload(invoice=InvoiceType.from_model(invoice))

    @strawberry.mutation(description="Pay an invoice in credits, whole or in part, within the debtor's limit.")
    @mutation_payload(PayInvoicePayload)
    def pay_invoice(self, info: Info, input: PayInvoiceInput) -> PayInvoicePayload:
        data = load(schemas.PayInvoiceSchema(), strawberry.asdict(input))
        invoice = services.pay_invoice(
            info.context.session, info.context.viewer, _invoice_pk(data["invoice_id"]), data["amount"], data["idempotency_key"]
        )
        return PayInvoicePayload(invoice=InvoiceType.from_model(invoice))
