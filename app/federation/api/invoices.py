"""GraphQL of the invoices between a member here and a member of a peer hub: issue one to an
organisation of a peer's directory, pay one owed here (a payment between hubs linked to it),
list them with the remote party. Accepting or rejecting one is the invoices' own mutations
(the creditor's hub hears the answer: app.federation.invoices)."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, node_pk
from app.api.permissions import require_for_query
from app.api.relay import Connection, decode_id, paginate
from app.api.validation import load
from app.errors import DomainError, ErrorCode
from app.federation import invoices, peers, schemas
from app.federation.api.mutations import FAILURES, _release, protocol_payload
from app.federation.api.queries import peer_pk
from app.federation.api.types import InterHubTransferType
from app.federation.directory import entry
from app.invoices.api.types import InvoiceType, usable_accounts
from models import InterHubState, InterHubTransfer, Invoice, InvoiceSide, PeerHub, PeerInvoice

InvoiceSideEnum = strawberry.enum(InvoiceSide, name="PeerInvoiceSide")


@strawberry.type(name="PeerInvoice", description="An invoice between a member here and a member of a peer hub: "
                                                 "CREDITOR, billed from here; DEBTOR, owed here.")
class PeerInvoiceType:
    invoice: InvoiceType
    side: InvoiceSideEnum
    peer_name: str
    remote_label: str = strawberry.field(description="The member of the peer hub, as its hub names it.")
    remote_account_ref: str
    delivered: bool = strawberry.field(description="False while the peer hub has not heard what this side told it: "
                                                   "the invoice (creditor's side), the answer (debtor's side).")
    reference: str = strawberry.field(description="The same on both hubs (each numbers the invoice its own way): "
                                                  "the start of the uuid they share.")

    @classmethod
    def from_model(cls, link: PeerInvoice, invoice: Invoice, peer: PeerHub) -> "PeerInvoiceType":
        return cls(
            invoice=InvoiceType.from_model(invoice), side=link.side, peer_name=peer.name, remote_label=link.remote_label,
            remote_account_ref=link.remote_account_ref, delivered=not invoices.undelivered(link, invoice),
            reference=invoices.reference(link),
        )


@strawberry.input
class IssuePeerInvoiceInput:
    peer_id: strawberry.ID
    debtor_ref: str = strawberry.field(description="The organisation's account, from the peer's directory.")
    amount: str = strawberry.field(description='A Decimal string such as "120.00".')
    memo: str = ""
    due_date: Optional[dt.date] = strawberry.field(default=None, description="Default: in 30 days.")


@strawberry.input
class PayPeerInvoiceInput:
    invoice_id: strawberry.ID
    amount: Optional[str] = strawberry.field(default=None, description="Default: the whole outstanding.")
    idempotency_key: Optional[str] = strawberry.field(default=None, description="A UUID: the same one pays once.")


@strawberry.type
class IssuePeerInvoicePayload(Payload):
    peer_invoice: Optional[PeerInvoiceType] = None


@strawberry.type
class PayPeerInvoicePayload(Payload):
    peer_invoice: Optional[PeerInvoiceType] = None
    inter_hub_transfer: Optional[InterHubTransferType] = None


def _peer_invoice(session, invoice_id: int) -> PeerInvoiceType:
    invoice = session.get(Invoice, invoice_id, populate_existing=True)
    link = session.scalar(sa.select(PeerInvoice).where(PeerInvoice.invoice_id == invoice_id).execution_options(
        populate_existing=True))
    return PeerInvoiceType.from_model(link, invoice, session.get(PeerHub, link.peer_id))


def _visible(info: Info) -> sa.Select:
    viewer = info.context.viewer
    query = sa.select(PeerInvoice).join(Invoice, Invoice.id == PeerInvoice.invoice_id)
    if not permissions.is_treasurer(viewer):
        mine = usable_accounts(info)
        query = query.where(sa.or_(
            sa.and_(PeerInvoice.side == InvoiceSide.DEBTOR, Invoice.debtor_account_id.in_(mine)),
            sa.and_(PeerInvoice.side == InvoiceSide.CREDITOR, Invoice.creditor_account_id.in_(mine)),
        ))
    return query.order_by(PeerInvoice.id.desc())


@strawberry.type
class PeerInvoicesQuery:
    @strawberry.field(description="Invoices between members here and members of peer hubs, newest first: the "
                                  "treasurer sees all, a member those of the accounts they use.")
    def peer_invoices(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[PeerInvoiceType]:
        require_for_query(info)
        session = info.context.session

        def wrap(links):
            found = {i.id: i for i in session.scalars(sa.select(Invoice).where(Invoice.id.in_([x.invoice_id for x in links])))}
            hubs = {p.id: p for p in session.scalars(sa.select(PeerHub))}
            return [PeerInvoiceType.from_model(x, found[x.invoice_id], hubs[x.peer_id]) for x in links]

        return paginate(session, _visible(info), first, after, wrap)

    @strawberry.field(description="The cross-hub side of an invoice the viewer sees, if it has one (null otherwise).")
    def peer_invoice(self, info: Info, invoice_id: strawberry.ID) -> Optional[PeerInvoiceType]:
        require_for_query(info)
        pk = decode_id(invoice_id, "Invoice")
        session = info.context.session
        link = None if pk is None else session.scalar(_visible(info).where(PeerInvoice.invoice_id == pk))
        if link is None:
            return None
        return PeerInvoiceType.from_model(link, session.get(Invoice, pk), session.get(PeerHub, link.peer_id))


@strawberry.type
class PeerInvoicesMutation:
    @strawberry.mutation(description="Bill an organisation of a peer hub (from the viewer's paying account); its "
                                     "hub receives the invoice and its member accepts or rejects it there.")
    @protocol_payload(IssuePeerInvoicePayload)
    def issue_peer_invoice(self, info: Info, input: IssuePeerInvoiceInput) -> IssuePeerInvoicePayload:
        data = load(schemas.IssuePeerInvoiceSchema(), {k: v for k, v in vars(input).items() if k != "peer_id"})
        session = info.context.session
        peer = peers.active_peer(session, peer_pk(input.peer_id))
        try:
            debtor = entry(peer, data["debtor_ref"])
        except DomainError as exc:
            raise DomainError(exc.code, exc.message, "debtorRef", **exc.params) from None
        invoice = invoices.issue(
            session, info.context.viewer, peer_id=peer.id, debtor_account_ref=debtor["account_ref"],
            debtor_label=debtor["name"], amount=data["amount"], memo=data["memo"], due_date=data["due_date"],
        )
        link_id, invoice_id = session.scalar(sa.select(PeerInvoice.id).where(PeerInvoice.invoice_id == invoice.id)), invoice.id
        _release(info)  # committed: the peer may now hear of it
        invoices.deliver(current_app.extensions["db_sessionmaker"], link_id)
        return IssuePeerInvoicePayload(peer_invoice=_peer_invoice(session, invoice_id))

    @strawberry.mutation(description="Pay an accepted invoice of a member of a peer hub, whole or in part: a payment "
                                     "between hubs; the invoice is paid on both hubs once it commits, never if it aborts.")
    @protocol_payload(PayPeerInvoicePayload)
    def pay_peer_invoice(self, info: Info, input: PayPeerInvoiceInput) -> PayPeerInvoicePayload:
        data = load(schemas.PayPeerInvoiceSchema(), {k: v for k, v in vars(input).items() if k != "invoice_id"})
        invoice_id = node_pk(input.invoice_id, "Invoice", "invoiceId", invoices.invoice_links.NO_INVOICE)
        session = info.context.session
        viewer_id = info.context.viewer.id
        _release(info)
        transfer_id = invoices.pay(current_app.extensions["db_sessionmaker"], viewer_id, invoice_id, data["amount"],
                                   data["idempotency_key"])
        record = session.get(InterHubTransfer, transfer_id, populate_existing=True)
        peer = session.get(PeerHub, record.peer_id)
        if record.state == InterHubState.ABORTED:
            raise DomainError(ErrorCode.PAYMENT_FAILED, FAILURES.get(record.failure) or FAILURES[None], "amount", hub=peer.name)
        return PayPeerInvoicePayload(peer_invoice=_peer_invoice(session, invoice_id),
                                     inter_hub_transfer=InterHubTransferType.from_model(record, peer))
