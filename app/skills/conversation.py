"""What the two sides of a job say to each other: messages, kept on the job's timeline, and
ratings once it is over (each side once, shown when both have rated or 14 days have passed,
so that neither rates in reaction to the other)."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.permissions import is_job_client, is_job_provider, is_treasurer
from app.skills.jobs import SIDES_ONLY, WRITE_SOMETHING, event, get_job, require_status, tell, text_field
from models import Account, JobEvent, JobEventKind, JobRating, JobSide, JobStatus, Member, utcnow

log = logging.getLogger("alveole.skills")

MESSAGE_LENGTH = 2000
COMMENT_LENGTH = 2000
RATING_DELAY = dt.timedelta(days=14)


def send_message(session: so.Session, actor: Member, job_id: int, body: str) -> JobEvent:
    """Either side writes to the other; the treasurer too, while the job is disputed."""
    job = get_job(session, job_id, lock=False)
    if is_job_client(session, actor, job):
        told = ["PROVIDER"]
    elif is_job_provider(session, actor, job):
        told = ["CLIENT"]
    elif is_treasurer(actor) and job.status == JobStatus.DISPUTED:
        told = ["CLIENT", "PROVIDER"]
    else:
        raise DomainError(ErrorCode.FORBIDDEN, SIDES_ONLY)
    body = text_field(body, "body", MESSAGE_LENGTH, required=WRITE_SOMETHING)
    message = event(session, job, JobEventKind.MESSAGE, actor, body)
    session.flush()
    for side in told:
        tell(session, job, side, "message", actor)
    log.info("message %s on job %s from member %s", message.id, job.id, actor.id)
    return message


def rate_job(session: so.Session, actor: Member, job_id: int, stars: int, comment: str = "",
             now: Optional[dt.datetime] = None) -> JobRating:
    """Each side rates the other once, after completion or settlement: the client rates the
    provider and its offer, the provider rates the client's organisation."""
    now = now or utcnow()
    job = get_job(session, job_id)  # locked: the two sides' ratings run one after the other
    if is_job_client(session, actor, job):
        side, rated_organization, resource = JobSide.CLIENT, job.provider_organization_id, job.resource_id
    elif is_job_provider(session, actor, job):
        side, resource = JobSide.PROVIDER, None
        rated_organization = session.scalar(sa.select(Account.organization_id).where(Account.id == job.client_account_id))
    else:
        raise DomainError(ErrorCode.FORBIDDEN, SIDES_ONLY)
    require_status(job, JobStatus.COMPLETED, JobStatus.SETTLED)
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError(ErrorCode.INVALID, "Give from 1 to 5 stars.", "stars")
    comment = text_field(comment, "comment", COMMENT_LENGTH)
    ratings = {r.side: r for r in session.scalars(sa.select(JobRating).where(JobRating.job_id == job.id))}
    if side in ratings:
        raise DomainError(ErrorCode.INVALID_STATE, "You have already rated this job.", "jobId")
    other = ratings.get(JobSide.PROVIDER if side == JobSide.CLIENT else JobSide.CLIENT)
    if other is not None:  # both sides have rated: both ratings show now
        other.visible_at = min(other.visible_at, now)
    rating = JobRating(
        job_id=job.id, side=side, author_id=actor.id, stars=stars, comment=comment,
        rated_organization_id=rated_organization, resource_id=resource, created_at=now,
        visible_at=now if other is not None else now + RATING_DELAY,
    )
    session.add(rating)
    event(session, job, JobEventKind.RATED, actor)
    session.flush()
    tell(session, job, "PROVIDER" if side == JobSide.CLIENT else "CLIENT", "rated", actor)
    log.info("job %s rated %s by its %s side, member %s", job.id, stars, side.value.lower(), actor.id)
    return rating
