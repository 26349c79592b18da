"""Invoices between a member of this hub and a member of a peer hub.

The creditor's hub issues the invoice with the peer's mirror account as its debtor and sends
it, signed, to the peer (`invoices/receive`); the debtor's hub records it with the mirror
account of the creditor's hub as its creditor, and its member accepts or rejects it there; the
answer goes back (`invoices/answer`). Both rows share a uuid (models.PeerInvoice). Each message
is idempotent by that uuid; `synced` marks what the peer has not heard yet, and `sync` sends it
again. Such an invoice is cleared only by a joint run of both hubs (app.federation.joint_runs):
never by one hub alone, never paid into a mirror account.
Amounts are the same on both sides: cross-hub invoices need the two hubs to trade 1:1."""
import datetime as dt
import logging
import uuid as uuidlib
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import after_this_request, current_app, has_request_context

from app.errors import DomainError, ErrorCode
from app.federation import invoice_links, transfers
from app.federation.invoice_links import NOT_ONE_TO_ONE
from app.federation.participant import _amount, _text, check_uuid, payee
from app.federation.peers import active_peer
from app.federation.transfers import SessionFactory, send
from app.hub import MEMO_LENGTH, hub_today
from app.invoices import services as invoices
from app.invoices import signals as invoice_signals
from app.ledger.services.accounts import paying_account
from app.notices import events as notices
from models import Account, Invoice, InvoiceSide, InvoiceStatus, Member, PeerHub, PeerInvoice

log = logging.getLogger("alveole.federation")
ANSWERS = {"ACCEPTED": InvoiceStatus.ACCEPTED, "REJECTED": InvoiceStatus.REJECTED}


def _one_to_one(peer: PeerHub) -> None:
    if Decimal(peer.rate) != 1:
        raise DomainError(ErrorCode.INVALID_STATE, NOT_ONE_TO_ONE, "peerId")


def issue(
    session: so.Session, actor: Member, *, peer_id: int, debtor_account_ref: str, debtor_label: str, amount: int,
    memo: str = "", due_date: Optional[dt.date] = None,
) -> Invoice:
    """The actor's account bills an account of a peer hub (picked from its directory). Only
    flushes; `deliver` sends it once committed."""
    peer = active_peer(session, peer_id)
    _one_to_one(peer)
    ref = (debtor_account_ref or "").strip()
    if not ref.isdigit() or len(ref) > 9:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "debtorAccountRef")
    invoice = invoices.issue_invoice(
        session, actor, debtor_account_id=peer.account_id, amount=amount, memo=memo, due_date=due_date, peer_debtor=True,
    )
    session.add(PeerInvoice(
        invoice_id=invoice.id, peer_id=peer.id, uuid=str(uuidlib.uuid4()), side=InvoiceSide.CREDITOR,
        remote_account_ref=ref, remote_label=(debtor_label or "").strip()[:160] or ref, synced=False,
    ))
    session.flush()
    return invoice


def _message(session: so.Session, link: PeerInvoice) -> tuple[str, dict]:
    invoice = session.get(Invoice, link.invoice_id)
    if link.side == InvoiceSide.DEBTOR:  # a paid invoice was accepted first
        status = InvoiceStatus.ACCEPTED if invoice.status == InvoiceStatus.PAID else invoice.status
        return "invoices/answer", {"uuid": link.uuid, "status": status.value}
    creditor = session.get(Account, invoice.creditor_account_id)
    return "invoices/receive", {
        "uuid": link.uuid, "creditor_ref": str(creditor.id), "creditor_label": creditor.name,
        "debtor_ref": link.remote_account_ref, "amount": invoice.amount, "memo": invoice.memo,
        "due_date": invoice.due_date.isoformat(),
    }


def undelivered(link: PeerInvoice, invoice: Invoice) -> bool:
    """Whether this side has told the peer something it has not heard: the invoice, from the
    creditor's side; the answer, from the debtor's (nothing before its member answers)."""
    return not link.synced and not (link.side == InvoiceSide.DEBTOR and invoice.status == InvoiceStatus.ISSUED)


def reference(link: PeerInvoice) -> str:
    """What both hubs show of the invoice to match their copies: each numbers it its own way."""
    return link.uuid[:8]


def deliver(new_session: SessionFactory, link_id: int) -> bool:
    """Tell the peer what it has not heard of this invoice yet; True once it has."""
    with new_session() as session:
        link = session.get(PeerInvoice, link_id)
        if link.synced:
            return True
        if not undelivered(link, session.get(Invoice, link.invoice_id)):
            return False  # nothing to tell before the member answers
        peer = session.get(PeerHub, link.peer_id)
        endpoint, message = _message(session, link)
        session.expunge_all()
    said = send(peer, "POST", endpoint, message)
    if said is None or said.get("state") == "REFUSED":
        return False
    with new_session() as session:
        session.get(PeerInvoice, link_id, with_for_update=True).synced = True
        session.commit()
    return True


def sync(new_session: SessionFactory) -> int:
    """Send every message a peer has not acknowledged yet (a lost one, a peer that was down).
    Returns how many are still waiting."""
    with new_session() as session:
        waiting = list(session.scalars(sa.select(PeerInvoice.id).where(PeerInvoice.synced.is_(False))))
    return sum(not deliver(new_session, link_id) for link_id in waiting)


def answer(new_session: SessionFactory, actor_id: int, invoice_id: int, accept: bool) -> Invoice:
    """The debtor here accepts or rejects an invoice of a peer's member; the peer is told."""
    with new_session() as session:
        actor = session.get(Member, actor_id)
        invoice = (invoices.accept_invoice if accept else invoices.reject_invoice)(session, actor, invoice_id)
        link_id = session.scalar(sa.select(PeerInvoice.id).where(PeerInvoice.invoice_id == invoice.id))
        session.commit()
        session.expunge(invoice)
    if link_id is not None:
        deliver(new_session, link_id)
    return invoice


@invoice_signals.invoice_answered.connect
def _tell_creditor_hub(_sender, session: so.Session, invoice: Invoice) -> None:
    """Whoever answered in a request (the invoices' mutations, a page), the creditor's hub hears
    the answer once the request committed it (outside a request, the caller delivers it: see
    `answer`); if it does not, `sync` (reconciliation) tells it later."""
    link_id = session.scalar(
        sa.select(PeerInvoice.id).where(PeerInvoice.invoice_id == invoice.id, PeerInvoice.side == InvoiceSide.DEBTOR)
    )
    if link_id is None or not has_request_context():
        return
    new_session = current_app.extensions["db_sessionmaker"]

    @after_this_request
    def tell(response):
        if response.status_code < 400:
            try:
                deliver(new_session, link_id)
            except Exception:  # the answer is kept here; only its delivery waits for `sync`
                log.exception("the answer to invoice %s was not delivered", invoice.id)
        return response


def start_payment(
    session: so.Session, actor: Member, invoice_id: int, amount: Optional[int] = None, uuid: Optional[str] = None,
):
    """Phase zero of paying an accepted cross-hub invoice owed here (the whole outstanding by
    default): a payment between hubs to the creditor, taking its amount off the invoice."""
    link = invoice_links.debtor_link(session, paying_account(session, actor), invoice_id)
    peer = session.get(PeerHub, link.peer_id)
    _one_to_one(peer)
    invoice = session.get(Invoice, invoice_id)
    record = transfers.start(
        session, actor, peer_id=peer.id, to_account_ref=link.remote_account_ref, to_label=link.remote_label,
        amount=invoice.outstanding if amount is None else amount, memo=invoice.memo, uuid=uuid,
    )
    if record.invoice_id is None:
        invoice_links.reserve(session, record, invoice_id)
    elif record.invoice_id != invoice_id:
        raise DomainError(ErrorCode.INVALID, "This idempotency key was already used for another transfer.", "idempotencyKey")
    return record


def pay(new_session: SessionFactory, actor_id: int, invoice_id: int, amount: Optional[int] = None,
        uuid: Optional[str] = None) -> int:
    """The whole payment of a cross-hub invoice (as transfers.pay_member_of_peer): returns the
    payment's id; the invoice's outstanding is reduced on both hubs if it commits."""
    with new_session() as session:
        record = start_payment(session, session.get(Member, actor_id), invoice_id, amount, uuid)
        transfer_id = record.id
        session.commit()
    transfers.drive(new_session, transfer_id)
    return transfer_id


# --- What a peer asks (app.federation.invoice_endpoints) ------------------------------------


def _find(session: so.Session, peer: PeerHub, uuid: str) -> Optional[PeerInvoice]:
    return session.scalar(sa.select(PeerInvoice).where(PeerInvoice.peer_id == peer.id, PeerInvoice.uuid == uuid))


def receive(session: so.Session, peer: PeerHub, data: dict) -> dict:
    """A peer's member bills an account here: recorded once per uuid, waiting for the debtor."""
    uuid = check_uuid(data.get("uuid"))
    if (earlier := _find(session, peer, uuid)) is not None:
        return {"uuid": uuid, "state": session.get(Invoice, earlier.invoice_id).status.value}
    _one_to_one(peer)
    debtor = payee(session, data.get("debtor_ref"))
    creditor_ref = _text(data.get("creditor_ref", ""), "creditorRef", 40)
    try:
        due_date = dt.date.fromisoformat(data.get("due_date") or "")
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID, "The due date is not a date.", "dueDate") from None
    amount = _amount(data.get("amount"), "amount")
    invoice = Invoice(
        creditor_account_id=peer.account_id, debtor_account_id=debtor.id, amount=amount, outstanding=amount,
        status=InvoiceStatus.ISSUED, memo=_text(data.get("memo", ""), "memo", MEMO_LENGTH),
        due_date=max(due_date, hub_today()),
    )
    session.add(invoice)
    session.flush()
    session.add(PeerInvoice(
        invoice_id=invoice.id, peer_id=peer.id, uuid=uuid, side=InvoiceSide.DEBTOR, remote_account_ref=creditor_ref,
        remote_label=_text(data.get("creditor_label", ""), "creditorLabel", 160) or creditor_ref, synced=False,
    ))
    session.flush()
    notices.invoice_issued(session, invoice)
    return {"uuid": uuid, "state": invoice.status.value}


def answered(session: so.Session, peer: PeerHub, data: dict) -> dict:
    """The peer's member answered an invoice of ours: the same answer again changes nothing."""
    uuid = check_uuid(data.get("uuid"))
    link = _find(session, peer, uuid)
    status = ANSWERS.get(data.get("status"))
    if link is None or link.side != InvoiceSide.CREDITOR:
        raise DomainError(ErrorCode.NOT_FOUND, "This invoice does not exist.", "uuid")
    if status is None:
        raise DomainError(ErrorCode.INVALID, "An answer is ACCEPTED or REJECTED.", "status")
    invoice = session.get(Invoice, link.invoice_id, with_for_update=True)
    if invoice.status == InvoiceStatus.ISSUED:
        invoices.record_answer(session, invoice, status)
    elif invoice.status != status and not (status == InvoiceStatus.ACCEPTED and invoice.status == InvoiceStatus.PAID):
        raise DomainError(ErrorCode.INVALID_STATE, "This invoice was already answered otherwise.", "status")
    link.synced = True  # the peer knows the invoice: it answered it
    session.flush()
    return {"uuid": uuid, "state": invoice.status.value}
