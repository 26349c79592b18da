"""Invoices between members: issue, accept or reject, pay in credits, cancel; the invoices a
booking left on account; acceptance after silence.

An invoice is a debt outside the balances. Only a payment moves credit: it is a ledger
transfer of kind INVOICE from the debtor's account to the creditor's, within the debtor's
limit, and its outstanding goes down in the same transaction through a guarded UPDATE (so two
concurrent payments can never pay more than what is owed).
"""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit, permissions
from app.errors import N_, Credits, DomainError, ErrorCode
from app.hub import KEY_LENGTH, hub_today, hub_zone
from app.invoices import signals
from app.invoices.queries import UNPAID_STATUSES, own_booking_clause
from app.ledger import memos
from app.ledger import services as ledger
from app.ledger.services import spending
from app.notices import events as notices
from models import (
    PEER_CODE_PREFIX,
    Account,
    AccountKind,
    AccountStatus,
    Invoice,
    InvoiceEvent,
    InvoiceEventKind,
    InvoicePayment,
    InvoiceStatus,
    Member,
    Transfer,
    TransferKind,
    utcnow,
)

log = logging.getLogger("alveole.invoices")

DEFAULT_DUE_DAYS = 30
# A joint clearing run between hubs holds its invoices from its prepare to its end (seconds).
HELD_BY_JOINT_RUN = N_("A clearing run between hubs is settling this invoice: try again in a moment.")
PEER_INVOICE_KEPT = N_(
    "This invoice is with a member of another hub, which keeps its own copy: it cannot be cancelled or corrected here alone."
)
PEER_INVOICE = N_("This invoice is with a member of another hub: it is paid through that hub, not here.")

def _get(session: so.Session, invoice_id: int, lock: bool = False) -> Invoice:
    invoice = session.get(Invoice, invoice_id, with_for_update=lock, populate_existing=lock)
    if invoice is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This invoice does not exist.", "invoiceId")
    return invoice


def _visible(session: so.Session, actor: Member, invoice_id: int, lock: bool = False) -> Invoice:
    invoice = _get(session, invoice_id, lock)
    if not permissions.can_see_invoice(session, actor, invoice):
        # Someone else's invoice reads as unknown: its existence is not theirs to learn.
        raise DomainError(ErrorCode.NOT_FOUND, "This invoice does not exist.", "invoiceId")
    return invoice


def issue_invoice(
    session: so.Session,
    actor: Member,
    *,
    debtor_account_id: int,
    amount: int,
    memo: str = "",
    due_date: Optional[dt.date] = None,
    creditor_account: Optional[Account] = None,
    today: Optional[dt.date] = None,
    peer_debtor: bool = False,
) -> Invoice:
    """The creditor (the actor's paying account unless given) bills another account; with
    `peer_debtor`, a member of a peer hub through its mirror account (app.federation)."""
    creditor = creditor_account or ledger.paying_account(session, actor)
    if creditor is None:
        raise DomainError(ErrorCode.INVALID_STATE, "You have no account to invoice from.")
    if not permissions.can_use_account(session, actor, creditor):
        raise DomainError(ErrorCode.FORBIDDEN, "You cannot invoice on behalf of this account.")
    _require_invoice_right(session, actor, creditor)
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", "amount")
    debtor = session.get(Account, debtor_account_id)
    if debtor is None or (debtor.kind == AccountKind.SYSTEM) != (
        peer_debtor and (debtor.system_code or "").startswith(PEER_CODE_PREFIX)
    ):
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "debtorAccountId")
    if debtor.id == creditor.id:
        raise DomainError(ErrorCode.INVALID, "You cannot invoice your own account.", "debtorAccountId")
    if debtor.status != AccountStatus.OPEN or creditor.status != AccountStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", "debtorAccountId", name=debtor.name)
    today = today or hub_today()
    due_date = due_date or today + dt.timedelta(days=DEFAULT_DUE_DAYS)
    if due_date < today:
        raise DomainError(ErrorCode.INVALID, "The due date cannot be in the past.", "dueDate")
    invoice = Invoice(
        creditor_account_id=creditor.id,
        debtor_account_id=debtor.id,
        amount=amount,
        outstanding=amount,
        status=InvoiceStatus.ISSUED,
        memo=memo.strip(),
        due_date=due_date,
        issued_by_id=actor.id,
    )
    session.add(invoice)
    session.flush()
    log.info("invoice %s issued: account %s bills account %s %s", invoice.id, creditor.id, debtor.id, amount)
    notices.invoice_issued(session, invoice)
    return invoice


def invoice_booking(
    session: so.Session, *, creditor_account_id: int, debtor_account_id: int, amount: int, system_memo: dict,
    issued_by: Member, booking_id: Optional[int] = None,
) -> Invoice:
    """What a booking or a skill job left on account costs, billed when it falls due. Accepted
    at once: the booker (the client) agreed to it when booking (accepting the quote)."""
    now = utcnow()
    invoice = Invoice(
        creditor_account_id=creditor_account_id, debtor_account_id=debtor_account_id, amount=amount,
        outstanding=amount, status=InvoiceStatus.ACCEPTED, memo="", system_memo=system_memo,
        due_date=now.date() + dt.timedelta(days=DEFAULT_DUE_DAYS), source_booking_id=booking_id,
        issued_by_id=issued_by.id, accepted_at=now,
    )
    session.add(invoice)
    session.flush()
    log.info(
        "invoice %s issued and accepted on account (booking %s): account %s bills account %s %s",
        invoice.id, booking_id, creditor_account_id, debtor_account_id, amount,
    )
    notices.invoice_issued(session, invoice)
    return invoice


def _require_invoice_right(session: so.Session, actor: Member, account: Account) -> None:
    """Acting on an organisation's invoices takes the right to handle them (whom to ask, else)."""
    if not permissions.can_spend_from(session, actor, account, permissions.Right.HANDLE_INVOICES):
        raise spending.refusal(session, actor, account.organization_id or actor.organization_id, permissions.Right.HANDLE_INVOICES)


def _as_debtor(session: so.Session, actor: Member, invoice: Invoice) -> Account:
    debtor = session.get(Account, invoice.debtor_account_id)
    if not permissions.can_use_account(session, actor, debtor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the debtor can do this.")
    _require_invoice_right(session, actor, debtor)
    return debtor


def accept_invoice(session: so.Session, actor: Member, invoice_id: int) -> Invoice:
    return _answer(session, actor, invoice_id, InvoiceStatus.ACCEPTED)


def reject_invoice(session: so.Session, actor: Member, invoice_id: int) -> Invoice:
    return _answer(session, actor, invoice_id, InvoiceStatus.REJECTED)


def _answer(session: so.Session, actor: Member, invoice_id: int, answer: InvoiceStatus) -> Invoice:
    """The debtor's one answer to an invoice waiting for it: accepted (it becomes a debt the
    clearing sees) or rejected (closed)."""
    invoice = _visible(session, actor, invoice_id, lock=True)
    _as_debtor(session, actor, invoice)
    if invoice.status != InvoiceStatus.ISSUED:
        raise DomainError(ErrorCode.INVALID_STATE, "Only an invoice waiting for an answer can be accepted or rejected.")
    log.info("invoice %s %s by member %s", invoice.id, answer.value.lower(), actor.id)
    record_answer(session, invoice, answer)
    signals.invoice_answered.send(None, session=session, invoice=invoice)
    return invoice


def record_answer(session: so.Session, invoice: Invoice, answer: InvoiceStatus) -> Invoice:
    """The debtor's answer, checked by the caller (here, or the debtor's hub for a debtor of a
    peer hub: app.federation)."""
    invoice.status = answer
    if answer == InvoiceStatus.ACCEPTED:
        invoice.accepted_at = utcnow()
    else:
        invoice.closed_at = utcnow()
    session.flush()
    notices.invoice_answered(session, invoice)
    return invoice


def _require_not_held(invoice: Invoice) -> None:
    if invoice.joint_run_id is not None:
        raise DomainError(ErrorCode.INVALID_STATE, HELD_BY_JOINT_RUN, "invoiceId")


def _require_changeable(session: so.Session, invoice: Invoice) -> None:
    """Neither held by a joint run nor with a member of a peer hub: each of the two hubs keeps
    a copy of such an invoice, which one hub alone must not cancel or correct."""
    _require_not_held(invoice)
    codes = session.scalars(
        sa.select(Account.system_code).where(Account.id.in_((invoice.creditor_account_id, invoice.debtor_account_id)))
    )
    if any((code or "").startswith(PEER_CODE_PREFIX) for code in codes):
        raise DomainError(ErrorCode.INVALID_STATE, PEER_INVOICE_KEPT, "invoiceId")


def cancel_invoice(session: so.Session, actor: Member, invoice_id: int, reason: str = "") -> Invoice:
    """The creditor withdraws an invoice nothing was paid or cleared on yet; the treasurer
    cancels any open invoice, what is still outstanding then no longer owed, and says why
    (the payments made stay: they are ledger entries)."""
    invoice = _visible(session, actor, invoice_id, lock=True)
    if not permissions.can_cancel_invoice(session, actor, invoice):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the creditor or the treasurer can cancel an invoice.")
    if not permissions.is_treasurer(actor):  # the creditor's side acts within its invoice right
        _require_invoice_right(session, actor, session.get(Account, invoice.creditor_account_id))
    _require_changeable(session, invoice)
    untouched = invoice.outstanding == invoice.amount
    as_creditor = permissions.is_invoice_creditor(session, actor, invoice) and untouched
    if invoice.status not in UNPAID_STATUSES or not (as_creditor or permissions.is_treasurer(actor)):
        raise DomainError(ErrorCode.INVALID_STATE, "Only an unpaid invoice can be cancelled.")
    reason = reason.strip()
    if not as_creditor and not reason:
        raise DomainError(ErrorCode.INVALID, "Say why the invoice is cancelled.", "reason")
    audit.record(session, actor, "invoice.cancelled", invoice, {"status": invoice.status, "outstanding": invoice.outstanding},
                 {"status": InvoiceStatus.CANCELLED, "outstanding": invoice.outstanding}, reason=reason)
    invoice.status = InvoiceStatus.CANCELLED
    invoice.closed_at = utcnow()
    session.add(InvoiceEvent(invoice_id=invoice.id, kind=InvoiceEventKind.CANCELLED, actor_id=actor.id, reason=reason))
    session.flush()
    log.info("invoice %s cancelled by member %s", invoice.id, actor.id)
    return invoice


def correct_invoice(
    session: so.Session,
    actor: Member,
    invoice_id: int,
    *,
    reason: str,
    amount: Optional[int] = None,
    due_date: Optional[dt.date] = None,
    memo: Optional[str] = None,
) -> Invoice:
    """The treasurer corrects an open invoice's amount, due date or memo, and says why. What was
    already paid or cleared stays paid: the new amount cannot go below it, and an amount equal
    to it settles the invoice. The event keeps what the invoice said before."""
    if not permissions.can_correct_invoice(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can correct an invoice.")
    invoice = _get(session, invoice_id, lock=True)
    _require_changeable(session, invoice)
    if invoice.status not in UNPAID_STATUSES:
        raise DomainError(ErrorCode.INVALID_STATE, "Only an open invoice can be corrected.")
    reason = reason.strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, "Say why the invoice is corrected.", "reason")
    settled = invoice.amount - invoice.outstanding
    new_amount = invoice.amount if amount is None else amount
    new_due = invoice.due_date if due_date is None else due_date
    new_memo = invoice.memo if memo is None else memo.strip()
    if new_amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", "amount")
    if new_amount < settled:
        raise DomainError(
            ErrorCode.INVALID, "The amount cannot be less than what was already paid or cleared, %(settled)s.", "amount",
            settled=Credits(settled),
        )
    if new_due < invoice.created_at.astimezone(hub_zone()).date():
        raise DomainError(ErrorCode.INVALID, "The due date cannot come before the invoice was issued.", "dueDate")
    if (new_amount, new_due, new_memo) == (invoice.amount, invoice.due_date, invoice.memo):
        raise DomainError(ErrorCode.INVALID, "Nothing to correct: change the amount, the due date or the memo.", "amount")
    session.add(InvoiceEvent(
        invoice_id=invoice.id, kind=InvoiceEventKind.CORRECTED, actor_id=actor.id, reason=reason,
        amount_before=invoice.amount, amount_after=new_amount, due_date_before=invoice.due_date, due_date_after=new_due,
        memo_before=invoice.memo, memo_after=new_memo,
    ))
    audit.record(
        session, actor, "invoice.corrected", invoice,
        {"amount": invoice.amount, "outstanding": invoice.outstanding, "due_date": invoice.due_date, "memo": invoice.memo},
        {"amount": new_amount, "outstanding": new_amount - settled, "due_date": new_due, "memo": new_memo}, reason=reason,
    )
    invoice.amount, invoice.outstanding = new_amount, new_amount - settled
    invoice.due_date, invoice.memo = new_due, new_memo
    if invoice.outstanding == 0:
        invoice.status, invoice.closed_at = InvoiceStatus.PAID, utcnow()
    session.flush()
    log.info("invoice %s corrected by member %s: amount %s, due %s", invoice.id, actor.id, new_amount, new_due.isoformat())
    return invoice


def reduce_outstanding(session: so.Session, invoice_id: int, expected_statuses, amount: int) -> None:
    """Take `amount` off an invoice's outstanding in one guarded UPDATE; a concurrent payment
    or clearing that already took it makes this refuse instead of going below zero."""
    now = utcnow()
    new_outstanding = Invoice.outstanding - amount
    result = session.execute(
        sa.update(Invoice)
        .where(
            Invoice.id == invoice_id,
            Invoice.status.in_(expected_statuses),
            Invoice.outstanding >= amount,
            Invoice.joint_run_id.is_(None),
        )
        .values(
            outstanding=new_outstanding,
            status=sa.case((new_outstanding == 0, InvoiceStatus.PAID.value), else_=InvoiceStatus.ACCEPTED.value),
            accepted_at=sa.func.coalesce(Invoice.accepted_at, now),
            closed_at=sa.case((new_outstanding == 0, now), else_=Invoice.closed_at),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if session.scalar(sa.select(Invoice.joint_run_id).where(Invoice.id == invoice_id)) is not None:
            raise DomainError(ErrorCode.INVALID_STATE, HELD_BY_JOINT_RUN, "invoiceId")
        raise DomainError(
            ErrorCode.INVALID_STATE, "This invoice changed meanwhile: reload it and try again.", "invoiceId"
        )
    if (cached := session.identity_map.get(so.Session.identity_key(Invoice, invoice_id))) is not None:
        session.expire(cached)


def pay_invoice(
    session: so.Session,
    actor: Member,
    invoice_id: int,
    amount: Optional[int] = None,
    idempotency_key: Optional[str] = None,
) -> Invoice:
    """Pay an invoice in credits, whole (default) or in part, within the debtor's limit.
    Paying an invoice still waiting for an answer accepts it. The same idempotency key again
    (a retry, a double click, concurrent requests) returns the invoice as the first payment
    left it: the invoice's row is locked first, so concurrent payments queue on it."""
    invoice = _visible(session, actor, invoice_id, lock=True)
    _as_debtor(session, actor, invoice)
    if idempotency_key is not None:
        # A key of its own per invoice: a key the member used for another payment must not
        # make this one look already paid.
        idempotency_key = f"invoice:{invoice.id}:{idempotency_key}"[:KEY_LENGTH]
        if _earlier_payment(session, actor, invoice.id, idempotency_key) is not None:
            return invoice
    if invoice.status not in UNPAID_STATUSES:
        raise DomainError(ErrorCode.INVALID_STATE, "This invoice is not open for payment.")
    amount = invoice.outstanding if amount is None else amount
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", "amount")
    if amount > invoice.outstanding:
        raise DomainError(
            ErrorCode.INVALID,
            "You can pay at most the outstanding amount of invoice No. %(number)s, %(outstanding)s.",
            "amount",
            number=invoice.id, outstanding=Credits(invoice.outstanding),
        )
    creditor = session.get(Account, invoice.creditor_account_id)
    if (creditor.system_code or "").startswith(PEER_CODE_PREFIX):
        # Credit paid into a peer's mirror account here would never reach its member.
        raise DomainError(ErrorCode.INVALID_STATE, PEER_INVOICE, "invoiceId")
    debtor = session.get(Account, invoice.debtor_account_id)
    # The invoice first: a concurrent payment then waits on its row (or fails the guard).
    reduce_outstanding(session, invoice.id, UNPAID_STATUSES, amount)
    entry = ledger.transfer(
        session,
        actor,
        from_account=debtor,
        to_account_id=invoice.creditor_account_id,
        amount=amount,
        memo=invoice.memo,
        system_memo=memos.system_memo("invoice_payment", number=invoice.id),
        kind=TransferKind.INVOICE,
        idempotency_key=idempotency_key,
        check_permission=False,  # checked above, before the invoice's row was taken
    )
    session.add(InvoicePayment(invoice_id=invoice.id, transfer_id=entry.id, amount=amount))
    session.flush()
    session.refresh(invoice)
    log.info("invoice %s paid %s by transfer %s, %s outstanding", invoice.id, amount, entry.id, invoice.outstanding)
    notices.invoice_paid(session, invoice, amount)
    return invoice


def _earlier_payment(session: so.Session, actor: Member, invoice_id: int, key: str) -> Optional[InvoicePayment]:
    return session.scalar(
        sa.select(InvoicePayment)
        .join(Transfer, Transfer.id == InvoicePayment.transfer_id)
        .where(Transfer.initiator_id == actor.id, Transfer.idempotency_key == key, InvoicePayment.invoice_id == invoice_id)
    )


def auto_accept_invoices(session: so.Session, after_days: int, now: Optional[dt.datetime] = None) -> int:
    """Invoices left unanswered for `after_days` days count as accepted (as in Komunitin), but
    only those that come from the debtor's own booking (or job): an invoice that nothing the
    debtor did stands behind is never accepted, hence never paid, without their answer."""
    now = now or utcnow()
    result = session.execute(
        sa.update(Invoice)
        .where(
            Invoice.status == InvoiceStatus.ISSUED,
            Invoice.created_at <= now - dt.timedelta(days=after_days),
            own_booking_clause(),
        )
        .values(status=InvoiceStatus.ACCEPTED.value, accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    log.info("%s invoice(s) accepted after %s days without an answer", result.rowcount, after_days)
    return result.rowcount


def is_overdue(invoice: Invoice, today: dt.date) -> bool:
    """Unpaid after its due date (app.invoices.queries.overdue_clause says it in SQL)."""
    return invoice.status in UNPAID_STATUSES and invoice.outstanding > 0 and invoice.due_date < today
