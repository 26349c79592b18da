"""A job from acceptance to payment: the client accepts the last quote (a hold of its price,
or nothing held when left on account), may cancel before delivery (the offer's cancellation
terms apply), the provider delivers, the client confirms (the hold is captured, or the price
invoiced) or disputes, and the treasurer settles; silent clients are taken to confirm.

Each step locks the job's row first (see app.skills.jobs), so that two requests for the same
step run one after the other and credit moves once."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit
from app.errors import Credits, DomainError, ErrorCode
from app.hub import KEY_LENGTH, MEMO_LENGTH
from app.invoices.services import invoice_booking
from app.ledger import services as ledger
from app.ledger.memos import system_memo
from app.ledger.services import spending
from app.permissions import Right, is_treasurer
from app.skills import links, notices
from app.skills.jobs import (
    GIVE_REASON,
    WRITE_SOMETHING,
    check_hours,
    event,
    get_job,
    last_quote,
    require_client,
    require_provider,
    require_status,
    tell,
    text_field,
)
from models import Account, Job, JobEventKind, JobQuote, JobStatus, Member, Resource, TransferKind, utcnow

log = logging.getLogger("alveole.skills")


# --- Acceptance and cancellation -----------------------------------------------------------------


def accept_quote(
    session: so.Session,
    actor: Member,
    job_id: int,
    idempotency_key: Optional[str] = None,
    pay_on_account: Optional[bool] = None,
    now: Optional[dt.datetime] = None,
) -> Job:
    """The client accepts the last quote: a hold of its price on their account, or, left on
    account, nothing held (the price is invoiced on completion). A retry with the same key
    returns the job as the first request left it."""
    now = now or utcnow()
    job = get_job(session, job_id)
    require_client(session, actor, job)
    if idempotency_key is not None:
        if not 0 < len(idempotency_key) <= KEY_LENGTH:
            raise DomainError(ErrorCode.INVALID, "An idempotency key has 1 to 100 characters.", "idempotencyKey")
        if job.accept_key == idempotency_key:
            return job
        used = session.scalar(sa.select(Job.id).where(Job.client_id == job.client_id, Job.accept_key == idempotency_key))
        if used is not None:
            raise DomainError(ErrorCode.INVALID, "This idempotency key was already used for another job.", "idempotencyKey")
    require_status(job, JobStatus.QUOTED)
    quote = last_quote(session, job.id)
    on_account = job.pay_on_account if pay_on_account is None else bool(pay_on_account)
    account = session.get(Account, job.client_account_id)
    # Hiring a firm spends like a booking: the right to book for the organisation, within
    # the caps its manager set (the rights row stays locked until the request commits).
    spending.authorize_spending(session, actor, account, Right.BOOK, quote.price, booking=True, now=now)
    if not on_account:
        title = session.scalar(sa.select(Resource.title).where(Resource.id == job.resource_id))
        try:
            hold = ledger.place_hold(session, actor, account, quote.price, system_memo=system_memo("skill_job", title=title))
        except DomainError as exc:
            if exc.code != ErrorCode.CREDIT_LIMIT_EXCEEDED:
                raise
            raise DomainError(
                ErrorCode.CREDIT_LIMIT_EXCEEDED,
                "This quote is above your available credit (%(available)s): you can accept it on account.",
                "payOnAccount", available=Credits(max(account.available, 0)),
            ) from None
        job.hold_id = hold.id
    job.pay_on_account = on_account
    job.price = quote.price
    job.accept_key = idempotency_key
    job.status = JobStatus.ACCEPTED
    job.accepted_at = now
    event(session, job, JobEventKind.ACCEPTED, actor)
    session.flush()
    tell(session, job, "PROVIDER", "accepted", actor)
    log.info("job %s accepted by member %s: %s %s", job.id, actor.id, quote.price, "on account" if on_account else "held")
    return job


def cancellation_fee(job: Job, resource: Resource, quote: Optional[JobQuote], now: dt.datetime) -> int:
    """What cancelling costs the client: nothing before acceptance; after it, the offer's
    terms: free until `free_cancellation_hours` before the quoted start, then its percentage of
    the price, rounded up to the cent (with no start date quoted, the terms apply at once)."""
    if job.status != JobStatus.ACCEPTED or not job.price:
        return 0
    start = quote.start if quote is not None else None
    if start is not None and now <= start - dt.timedelta(hours=resource.free_cancellation_hours):
        return 0
    return -(-job.price * resource.late_cancellation_fee_percent // 100)


def cancel_job(session: so.Session, actor: Member, job_id: int, reason: str = "", now: Optional[dt.datetime] = None) -> Job:
    """The client cancels before delivery; after acceptance the hold is released minus the
    offer's cancellation terms, paid to the provider (invoiced when left on account)."""
    now = now or utcnow()
    job = get_job(session, job_id)
    require_client(session, actor, job)
    require_status(job, JobStatus.REQUESTED, JobStatus.QUOTED, JobStatus.ACCEPTED)
    reason = text_field(reason, "reason", MEMO_LENGTH)
    resource = session.get(Resource, job.resource_id)
    fee = cancellation_fee(job, resource, last_quote(session, job.id), now)
    if job.status == JobStatus.ACCEPTED:
        pay_provider(session, actor, job, fee, system_memo("cancellation_fee", title=resource.title), TransferKind.FEE)
    job.cancellation_fee = fee
    job.reason = reason
    job.status = JobStatus.CANCELLED
    job.closed_at = now
    event(session, job, JobEventKind.CANCELLED, actor, reason)
    session.flush()
    tell(session, job, "PROVIDER", "cancelled", actor)
    log.info("job %s cancelled by member %s, fee %s", job.id, actor.id, fee)
    return job


def pay_provider(session: so.Session, actor: Member, job: Job, amount: int, memo: dict,
                 kind: TransferKind = TransferKind.SKILL) -> None:
    """`amount` (at most the job's price) goes to the provider: captured from the hold, whose
    rest is released, or, left on account, invoiced. Nothing at all moves for 0."""
    provider_account = session.scalar(sa.select(Account.id).where(Account.organization_id == job.provider_organization_id))
    if provider_account is None:
        raise DomainError(ErrorCode.INVALID_STATE, "The provider of this job has no account.")
    if job.hold_id is not None:
        if amount > 0:
            transfer = ledger.capture_hold(
                session, actor, job.hold_id, to_account_id=provider_account, amount=amount, kind=kind,
                system_memo=memo,
            )
            job.transfer_id = transfer.id
        else:
            ledger.release_hold(session, job.hold_id)
    elif job.pay_on_account and amount > 0:
        invoice = invoice_booking(
            session, creditor_account_id=provider_account, debtor_account_id=job.client_account_id, amount=amount,
            system_memo=memo, issued_by=actor,
        )
        job.invoice_id = invoice.id


# --- Delivery, confirmation, dispute -------------------------------------------------------------


def deliver_job(session: so.Session, actor: Member, job_id: int, *, worked: int, insertion: int = 0,
                training: int = 0, now: Optional[dt.datetime] = None) -> Job:
    """The provider says the work is done: the hours worked, and how many of them were worked
    by people in an insertion programme or in training."""
    job = get_job(session, job_id)
    require_provider(session, actor, job)
    require_status(job, JobStatus.ACCEPTED)
    check_hours(worked, "hoursWorked")
    for value, field in ((insertion, "insertionHours"), (training, "trainingHours")):
        check_hours(value, field, allow_zero=True)
        if value > worked:
            raise DomainError(ErrorCode.INVALID, "At most the hours worked.", field)
    job.worked_hundredths, job.insertion_hundredths, job.training_hundredths = worked, insertion, training
    job.status = JobStatus.DELIVERED
    job.delivered_at = now or utcnow()
    event(session, job, JobEventKind.DELIVERED, actor)
    session.flush()
    tell(session, job, "CLIENT", "delivered", actor)
    log.info("job %s delivered by member %s: %s hundredths of an hour", job.id, actor.id, worked)
    return job


def confirm_job(session: so.Session, actor: Member, job_id: int, now: Optional[dt.datetime] = None,
                automatic: bool = False) -> Job:
    """The client confirms the delivery: the hold is captured to the provider, or the price
    invoiced. `automatic`: the housekeeping command, acting for a client who stayed silent."""
    job = get_job(session, job_id)
    if not automatic:
        require_client(session, actor, job)
    require_status(job, JobStatus.DELIVERED)
    title = session.scalar(sa.select(Resource.title).where(Resource.id == job.resource_id))
    pay_provider(session, actor, job, job.price, system_memo("skill_job", title=title))
    job.status = JobStatus.COMPLETED
    job.closed_at = now or utcnow()
    event(session, job, JobEventKind.AUTO_CONFIRMED if automatic else JobEventKind.CONFIRMED, None if automatic else actor)
    session.flush()
    tell(session, job, "PROVIDER", "confirmed", actor)
    log.info("job %s completed (%s): %s paid to organisation %s", job.id, "automatically" if automatic else
             f"by member {actor.id}", job.price, job.provider_organization_id)
    return job


def dispute_job(session: so.Session, actor: Member, job_id: int, reason: str) -> Job:
    """The client disputes the delivery instead of confirming it: the treasurer will decide."""
    job = get_job(session, job_id)
    require_client(session, actor, job)
    require_status(job, JobStatus.DELIVERED)
    job.reason = text_field(reason, "reason", MEMO_LENGTH, required=GIVE_REASON)
    job.status = JobStatus.DISPUTED
    event(session, job, JobEventKind.DISPUTED, actor, job.reason)
    session.flush()
    tell(session, job, "PROVIDER", "disputed", actor)
    title = session.scalar(sa.select(Resource.title).where(Resource.id == job.resource_id))
    notices.notify(session, notices.treasurers(session), "disputed", links.job_page(job.id), title=title, who=actor.name)
    log.info("job %s disputed by member %s", job.id, actor.id)
    return job


def settle_dispute(session: so.Session, actor: Member, job_id: int, amount: int, decision: str,
                   now: Optional[dt.datetime] = None) -> Job:
    """The treasurer decides: `amount`, from 0 to the price, goes to the provider (exactly
    that amount: the rest of the hold is released), with a written decision."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer settles a dispute.")
    job = get_job(session, job_id)
    require_status(job, JobStatus.DISPUTED)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= job.price:
        raise DomainError(ErrorCode.INVALID, "The amount is between 0 and the price of the job, %(price)s.", "amount",
                          price=Credits(job.price))
    decision = text_field(decision, "decision", 2000, required=WRITE_SOMETHING)
    title = session.scalar(sa.select(Resource.title).where(Resource.id == job.resource_id))
    pay_provider(session, actor, job, amount, system_memo("dispute_settled", title=title))
    audit.record(session, actor, "skills.dispute_settled", job, {"status": job.status, "settled_amount": None},
                 {"status": JobStatus.SETTLED, "settled_amount": amount}, subject=job.client_id, reason=decision)
    job.settled_amount = amount
    job.decision = decision
    job.decided_by_id = actor.id
    job.status = JobStatus.SETTLED
    job.closed_at = now or utcnow()
    event(session, job, JobEventKind.SETTLED, actor, decision)
    session.flush()
    for side in ("CLIENT", "PROVIDER"):
        tell(session, job, side, "settled", actor, price=amount)
    log.info("job %s settled by member %s: %s of %s to the provider", job.id, actor.id, amount, job.price)
    return job


def auto_confirm(session: so.Session, after_days: int, now: Optional[dt.datetime] = None) -> int:
    """Confirm the jobs delivered `after_days` days ago or more that their client neither
    confirmed nor disputed (`flask skills auto-confirm`). A job confirmed or disputed meanwhile
    by a concurrent request is skipped."""
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Job.id)
        .where(Job.status == JobStatus.DELIVERED, Job.delivered_at <= now - dt.timedelta(days=after_days))
        .order_by(Job.id)
    ).all()
    confirmed = 0
    for job_id in ids:
        job = get_job(session, job_id)
        if job.status != JobStatus.DELIVERED:
            continue
        client = session.get(Member, job.client_id)
        try:
            with session.begin_nested():
                confirm_job(session, client, job_id, now, automatic=True)
        except DomainError as exc:  # e.g. the provider's account was closed: left for the treasurer
            log.warning("job %s not confirmed automatically: %s", job_id, exc.message)
            continue
        confirmed += 1
    log.info("%s job(s) confirmed after %s days without an answer", confirmed, after_days)
    return confirmed
