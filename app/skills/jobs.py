"""Jobs: a client asks for work on a skill offer, the provider quotes (again, when the client
asks for changes), either side may decline before acceptance. What follows acceptance is in
app.skills.fulfilment.

Every step locks the job's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one
writer at a time), then checks who acts and from which state: two requests for the same step
run one after the other, and the second finds the job already moved on (INVALID_STATE), so
credit moves once. Each step's ledger operations run in the request's transaction: a refusal
anywhere rolls all of it back.
"""
import datetime as dt
import logging
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.hub import MAX_AMOUNT, MEMO_LENGTH
from app.ledger import services as ledger
from app.permissions import can_provide_for, is_job_client, is_job_provider
from app.skills import links, notices
from app.skills.offers import offer_of, skill_resource
from models import (
    Job,
    JobEvent,
    JobEventKind,
    JobQuote,
    JobStatus,
    Member,
    Resource,
    ResourceStatus,
    SkillPricing,
    utcnow,
)

log = logging.getLogger("alveole.skills")

NO_JOB = N_("This job does not exist.")
CLIENT_ONLY = N_("Only the client of this job can do this.")
PROVIDER_ONLY = N_("Only the provider of this job can do this.")
SIDES_ONLY = N_("Only the two sides of this job can do this.")
GIVE_REASON = N_("Give a reason.")
SAY_WHAT = N_("Say what you need.")
WRITE_SOMETHING = N_("Write something first.")

MAX_HUNDREDTHS = 10_000 * 100  # 10,000 hours: far above any job, far below an integer's range
DESCRIPTION_LENGTH = 5000
OPEN_STATUSES = (JobStatus.REQUESTED, JobStatus.QUOTED)  # before acceptance


def hours_text(hundredths: Optional[int]) -> str:
    return "" if hundredths is None else f"{Decimal(hundredths) / 100:.2f}"


# --- Lookups and checks ------------------------------------------------------------------------


def get_job(session: so.Session, job_id: int, lock: bool = True) -> Job:
    """The job, its row locked. Anyone but its sides then reads FORBIDDEN from the step."""
    job = session.get(Job, job_id, with_for_update=lock or None, populate_existing=lock)
    if job is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_JOB, "jobId")
    return job


def require_client(session: so.Session, actor: Member, job: Job) -> None:
    if not is_job_client(session, actor, job):
        raise DomainError(ErrorCode.FORBIDDEN, CLIENT_ONLY)


def require_provider(session: so.Session, actor: Member, job: Job) -> None:
    if not is_job_provider(session, actor, job):
        raise DomainError(ErrorCode.FORBIDDEN, PROVIDER_ONLY)


def require_status(job: Job, *allowed: JobStatus) -> None:
    if job.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_STATE, "This cannot be done in the job's current state (%(status)s).", "jobId",
            status=job.status.value,
        )


def check_hours(hundredths: Optional[int], field: str, allow_zero: bool = False) -> None:
    if hundredths is None or isinstance(hundredths, bool) or not isinstance(hundredths, int):
        raise DomainError(ErrorCode.INVALID, "Enter a number of hours such as 7.5.", field)
    if hundredths < 0 or (hundredths == 0 and not allow_zero):
        raise DomainError(ErrorCode.INVALID, "The number of hours must be greater than zero.", field)
    if hundredths > MAX_HUNDREDTHS:
        raise DomainError(ErrorCode.INVALID, "At most %(n)s hours.", field, n=MAX_HUNDREDTHS // 100)


def check_interval(start: Optional[dt.datetime], end: Optional[dt.datetime], field: str = "end") -> None:
    if start is not None and end is not None and end <= start:
        raise DomainError(ErrorCode.INVALID, "The end must be after the start.", field)


def text_field(value: Optional[str], field: str, limit: int, required: Optional[str] = None) -> str:
    """A trimmed text of at most `limit` characters; `required`: the message when it is empty."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID, required, field)
    if len(value) > limit:
        raise DomainError(ErrorCode.INVALID, "At most %(n)s characters.", field, n=limit)
    return value


def event(session: so.Session, job: Job, kind: JobEventKind, actor: Optional[Member], body: str = "") -> JobEvent:
    entry = JobEvent(job_id=job.id, kind=kind, actor_id=actor.id if actor else None, body=body)
    session.add(entry)
    return entry


def last_quote(session: so.Session, job_id: int) -> Optional[JobQuote]:
    return session.scalar(
        sa.select(JobQuote).where(JobQuote.job_id == job_id).order_by(JobQuote.id.desc()).limit(1)
    )


def tell(session: so.Session, job: Job, side: str, what: str, actor: Optional[Member], **params) -> None:
    """Notify the other side of the job (`side`: who hears, CLIENT or PROVIDER)."""
    title = session.scalar(sa.select(Resource.title).where(Resource.id == job.resource_id))
    members = [job.client_id] if side == "CLIENT" else notices.provider_members(session, job.provider_organization_id)
    notices.notify(session, members, what, links.job_page(job.id), title=title, who=actor.name if actor else "", **params)


# --- Request and quotes ------------------------------------------------------------------------


def request_skill(
    session: so.Session,
    actor: Member,
    resource_id: int,
    *,
    description: str,
    preferred_start: Optional[dt.datetime] = None,
    preferred_end: Optional[dt.datetime] = None,
    estimated_hundredths: Optional[int] = None,
    pay_on_account: bool = False,
) -> Job:
    """A member asks a provider for work on one of its skill offers, paid from their account."""
    resource = skill_resource(session, resource_id)
    if resource.status != ResourceStatus.AVAILABLE:
        raise DomainError(ErrorCode.INVALID_STATE, "This offer is not available at the moment.", "resourceId")
    if resource.owner_organization_id is None:
        raise DomainError(ErrorCode.INVALID_STATE, "This offer has no provider organisation.", "resourceId")
    if offer_of(session, resource.id).is_training:
        raise DomainError(ErrorCode.INVALID, "A training is booked by the seats of its sessions.", "resourceId")
    if can_provide_for(session, actor, resource.owner_organization_id):
        raise DomainError(ErrorCode.FORBIDDEN, "You provide this offer: you cannot request it.")
    account = ledger.paying_account(session, actor)
    if account is None:
        raise DomainError(ErrorCode.INVALID_STATE, "You have no account to pay from.")
    if account.organization_id == resource.owner_organization_id:
        raise DomainError(ErrorCode.INVALID, "This offer is your own organisation's.", "resourceId")
    description = text_field(description, "description", DESCRIPTION_LENGTH, required=SAY_WHAT)
    check_interval(preferred_start, preferred_end, "preferredEnd")
    if estimated_hundredths is not None:
        check_hours(estimated_hundredths, "estimatedHours")
    job = Job(
        resource_id=resource.id, client_id=actor.id, client_account_id=account.id,
        provider_organization_id=resource.owner_organization_id, status=JobStatus.REQUESTED,
        description=description, preferred_start=preferred_start, preferred_end=preferred_end,
        estimated_hundredths=estimated_hundredths, pay_on_account=bool(pay_on_account),
    )
    session.add(job)
    session.flush()
    event(session, job, JobEventKind.REQUESTED, actor, description)
    tell(session, job, "PROVIDER", "requested", actor)
    log.info("job %s requested: offer %s, member %s, account %s", job.id, resource.id, actor.id, account.id)
    return job


def quote_price(resource: Resource, pricing: SkillPricing, hundredths: int) -> Optional[int]:
    """The price an offer's pricing gives for these hours (None when it comes with the quote):
    the hourly price times the hours, rounded up to the cent, or the price per job."""
    if pricing == SkillPricing.HOURLY:
        return -(-resource.price * hundredths // 100)
    if pricing == SkillPricing.PER_JOB:
        return resource.price
    return None


def quote_job(
    session: so.Session,
    actor: Member,
    job_id: int,
    *,
    hundredths: int,
    price: Optional[int] = None,
    start: Optional[dt.datetime] = None,
    end: Optional[dt.datetime] = None,
    conditions: str = "",
) -> JobQuote:
    """The provider quotes (again, when the client asks for changes): the last quote counts.
    Without a price, the offer's pricing gives it (ON_QUOTE offers must give one)."""
    job = get_job(session, job_id)
    require_provider(session, actor, job)
    require_status(job, *OPEN_STATUSES)
    check_hours(hundredths, "hours")
    check_interval(start, end)
    if price is None:
        resource = session.get(Resource, job.resource_id)
        price = quote_price(resource, offer_of(session, resource.id).pricing, hundredths)
        if price is None:
            raise DomainError(ErrorCode.INVALID, "Give the price of the work.", "price")
    if price <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", "price")
    if price >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "price")
    quote = JobQuote(
        job_id=job.id, hours_hundredths=hundredths, price=price, start=start, end=end,
        conditions=text_field(conditions, "conditions", DESCRIPTION_LENGTH), author_id=actor.id,
    )
    session.add(quote)
    job.status = JobStatus.QUOTED
    event(session, job, JobEventKind.QUOTED, actor)  # the page shows the quote itself
    session.flush()
    tell(session, job, "CLIENT", "quoted", actor, price=price)
    log.info("job %s quoted by member %s: %s for %s hundredths of an hour", job.id, actor.id, price, hundredths)
    return quote


def decline_job(session: so.Session, actor: Member, job_id: int, reason: str) -> Job:
    """Either side turns the job down before acceptance."""
    job = get_job(session, job_id)
    if is_job_client(session, actor, job):
        told = "PROVIDER"
    elif is_job_provider(session, actor, job):
        told = "CLIENT"
    else:
        raise DomainError(ErrorCode.FORBIDDEN, SIDES_ONLY)
    require_status(job, *OPEN_STATUSES)
    job.reason = text_field(reason, "reason", MEMO_LENGTH, required=GIVE_REASON)
    job.status = JobStatus.DECLINED
    job.closed_at = utcnow()
    event(session, job, JobEventKind.DECLINED, actor, job.reason)
    session.flush()
    tell(session, job, told, "declined", actor)
    log.info("job %s declined by member %s", job.id, actor.id)
    return job
