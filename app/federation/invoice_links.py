"""A payment between hubs that pays a cross-hub invoice (app.federation.invoices).

Each side takes the amount off its copy of the invoice when it holds the payment: the debtor's
hub (the coordinator) with the payer's credit, the creditor's hub when it prepares. Aborted, the
amount is owed again; committed, it becomes the invoice's payment (`InvoicePayment`). Both
copies therefore owe the same once the payment is final on both hubs, and while it is in flight
no joint clearing run takes the invoice (`paying_in_flight`), so nothing but the payment moves
it. Outside the protocol modules so that both sides use it without importing each other."""
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.invoices.services import reduce_outstanding
from app.notices import events as notices
from models import (
    FINAL_STATES,
    Account,
    InterHubTransfer,
    Invoice,
    InvoicePayment,
    InvoiceSide,
    InvoiceStatus,
    PeerHub,
    PeerInvoice,
)

NOT_ONE_TO_ONE = N_("Invoices between hubs need the two credits to trade 1:1.")
NOT_ACCEPTED = N_("Accept this invoice before paying it: the other hub hears your answer first.")
NOT_THE_DEBTOR = N_("Only the debtor can pay this invoice.")
TOO_MUCH = N_("You can pay at most the outstanding amount.")
NO_INVOICE = N_("This invoice does not exist.")


def paying_in_flight() -> sa.Select:
    """The invoices a payment between hubs is paying right now."""
    return sa.select(InterHubTransfer.invoice_id).where(
        InterHubTransfer.invoice_id.is_not(None), InterHubTransfer.state.not_in(FINAL_STATES)
    )


def debtor_link(session: so.Session, payer: Optional[Account], invoice_id: int) -> PeerInvoice:
    """The cross-hub invoice a member of this hub owes, locked, checked payable by `payer`."""
    invoice = session.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)
    link = session.scalar(sa.select(PeerInvoice).where(PeerInvoice.invoice_id == invoice_id)) if invoice else None
    if link is None or link.side != InvoiceSide.DEBTOR:
        raise DomainError(ErrorCode.NOT_FOUND, NO_INVOICE, "invoiceId")
    if payer is None or payer.id != invoice.debtor_account_id:
        raise DomainError(ErrorCode.FORBIDDEN, NOT_THE_DEBTOR, "invoiceId")
    if invoice.status != InvoiceStatus.ACCEPTED:
        raise DomainError(ErrorCode.INVALID_STATE, NOT_ACCEPTED, "invoiceId")
    return link


def reserve(session: so.Session, record: InterHubTransfer, invoice_id: int) -> None:
    """Take the payment off the invoice (refused if it owes less, or a joint run holds it)."""
    invoice = session.get(Invoice, invoice_id)
    if record.amount != record.remote_amount:
        raise DomainError(ErrorCode.INVALID_STATE, NOT_ONE_TO_ONE, "amount")
    if record.amount > invoice.outstanding:
        raise DomainError(ErrorCode.INVALID, TOO_MUCH, "amount")
    reduce_outstanding(session, invoice_id, (InvoiceStatus.ACCEPTED,), record.amount)
    record.invoice_id = invoice_id
    session.flush()


def reserve_named(session: so.Session, peer: PeerHub, record: InterHubTransfer, invoice_uuid: Any) -> None:
    """The creditor's hub: the invoice the coordinator names must be its member's, to the payee."""
    if invoice_uuid is None:
        return
    link = session.scalar(sa.select(PeerInvoice).where(
        PeerInvoice.peer_id == peer.id, PeerInvoice.uuid == str(invoice_uuid), PeerInvoice.side == InvoiceSide.CREDITOR,
    ))
    invoice = session.get(Invoice, link.invoice_id) if link else None
    if invoice is None or invoice.creditor_account_id != record.local_account_id:
        raise DomainError(ErrorCode.NOT_FOUND, NO_INVOICE, "invoiceUuid")
    reserve(session, record, invoice.id)


def paid(session: so.Session, record: InterHubTransfer, transfer_id: int) -> None:
    """The payment committed on this side: it is the invoice's payment."""
    if record.invoice_id is None:
        return
    session.add(InvoicePayment(invoice_id=record.invoice_id, transfer_id=transfer_id, amount=record.amount))
    session.flush()
    notices.invoice_paid(session, session.get(Invoice, record.invoice_id), record.amount)


def restore(session: so.Session, record: InterHubTransfer) -> None:
    """The payment aborted on this side: the invoice owes its amount again."""
    if record.invoice_id is None:
        return
    session.execute(
        sa.update(Invoice).where(Invoice.id == record.invoice_id)
        .values(outstanding=Invoice.outstanding + record.amount, status=InvoiceStatus.ACCEPTED.value, closed_at=None)
        .execution_options(synchronize_session=False)
    )
    if (cached := session.identity_map.get(so.Session.identity_key(Invoice, record.invoice_id))) is not None:
        session.expire(cached)
