"""Read-side SQL of the skills slice: the lists of jobs, what a page of jobs shows (quotes,
timeline, ratings) loaded for the whole page at once, training sessions and their seats, and
the figures of the hub's impact report."""
import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from models import (
    Job,
    JobEvent,
    JobQuote,
    JobRating,
    JobStatus,
    Member,
    Resource,
    ResourceKind,
    ResourceStatus,
    SeatStatus,
    SkillOffer,
    SkillOfferProvider,
    TrainingSeat,
    TrainingSession,
    utcnow,
)


class JobRole(enum.Enum):
    CLIENT = "CLIENT"
    PROVIDER = "PROVIDER"


def jobs(viewer: Member, role: Optional[JobRole] = None, statuses: Optional[list[JobStatus]] = None) -> sa.Select:
    """The viewer's jobs, newest first: as client, as provider, or both (role None)."""
    if role == JobRole.CLIENT:
        side = permissions.client_job_filter(viewer)
    elif role == JobRole.PROVIDER:
        side = permissions.provider_organization_filter(viewer)
    else:
        side = sa.or_(permissions.client_job_filter(viewer), permissions.provider_organization_filter(viewer))
    stmt = sa.select(Job).where(side)
    if statuses:
        stmt = stmt.where(Job.status.in_(statuses))
    return stmt.order_by(Job.created_at.desc(), Job.id.desc())


def disputes() -> sa.Select:
    """Open disputes, oldest first: the treasurer's desk."""
    return sa.select(Job).where(Job.status == JobStatus.DISPUTED).order_by(Job.id)


def _grouped(rows: Iterable, key: str, ids) -> dict[int, list]:
    grouped = {i: [] for i in ids}
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def quotes_of(session: so.Session, job_ids) -> dict[int, list[JobQuote]]:
    ids = set(job_ids)
    rows = session.scalars(sa.select(JobQuote).where(JobQuote.job_id.in_(ids)).order_by(JobQuote.id)) if ids else []
    return _grouped(rows, "job_id", ids)


def events_of(session: so.Session, job_ids) -> dict[int, list[JobEvent]]:
    ids = set(job_ids)
    rows = session.scalars(sa.select(JobEvent).where(JobEvent.job_id.in_(ids)).order_by(JobEvent.id)) if ids else []
    return _grouped(rows, "job_id", ids)


def ratings_of(session: so.Session, job_ids) -> dict[int, list[JobRating]]:
    """Every rating of the jobs, shown or not: the types decide what the viewer sees."""
    ids = set(job_ids)
    rows = session.scalars(sa.select(JobRating).where(JobRating.job_id.in_(ids)).order_by(JobRating.id)) if ids else []
    return _grouped(rows, "job_id", ids)


# --- Offers and trainings -------------------------------------------------------------------------


def offer_providers(session: so.Session, resource_ids) -> dict[int, list[Member]]:
    ids = set(resource_ids)
    rows = session.execute(
        sa.select(SkillOfferProvider.resource_id, Member)
        .join(Member, Member.id == SkillOfferProvider.member_id)
        .where(SkillOfferProvider.resource_id.in_(ids))
        .order_by(Member.name)
    ) if ids else []
    grouped = {i: [] for i in ids}
    for resource_id, member in rows:
        grouped[resource_id].append(member)
    return grouped


def organization_members(organization_id: int) -> sa.Select:
    return sa.select(Member).where(Member.organization_id == organization_id).order_by(Member.name, Member.id)


def training_offers() -> sa.Select:
    """Training offers open for booking, by title."""
    return (
        sa.select(Resource)
        .join(SkillOffer, SkillOffer.resource_id == Resource.id)
        .where(Resource.kind == ResourceKind.SKILL, SkillOffer.is_training.is_(True),
               Resource.status == ResourceStatus.AVAILABLE)
        .order_by(Resource.title, Resource.id)
    )


def sessions_of(session: so.Session, resource_ids, upcoming_only: bool = False) -> dict[int, list[TrainingSession]]:
    ids = set(resource_ids)
    stmt = sa.select(TrainingSession).where(TrainingSession.resource_id.in_(ids)).order_by(TrainingSession.start)
    if upcoming_only:
        stmt = stmt.where(TrainingSession.end > utcnow())
    return _grouped(session.scalars(stmt) if ids else [], "resource_id", ids)


def seats_of(session: so.Session, session_ids) -> dict[int, list[TrainingSeat]]:
    """The booked seats of the sessions, in booking order."""
    ids = set(session_ids)
    rows = session.scalars(
        sa.select(TrainingSeat).where(TrainingSeat.session_id.in_(ids), TrainingSeat.status == SeatStatus.BOOKED)
        .order_by(TrainingSeat.id)
    ) if ids else []
    return _grouped(rows, "session_id", ids)


# --- The impact report -----------------------------------------------------------------------------


@dataclass
class SkillImpact:
    jobs_delivered: int
    worked_hours: float
    insertion_hours: float  # worked by people in an insertion programme
    training_hours: float  # worked by people in training
    trainees: int  # members who attended a training session
    attended_training_hours: float  # hours of training sessions, per trainee who attended
    clients: set  # members whose jobs were delivered


def impact(session: so.Session, lo: dt.datetime, hi: dt.datetime) -> SkillImpact:
    """Jobs delivered in [lo, hi) and their hours; training sessions started in [lo, hi) and
    who attended them."""
    delivered = sa.and_(
        Job.delivered_at >= lo, Job.delivered_at < hi,
        Job.status.in_([JobStatus.DELIVERED, JobStatus.COMPLETED, JobStatus.DISPUTED, JobStatus.SETTLED]),
    )
    rows = session.execute(
        sa.select(Job.client_id, Job.worked_hundredths, Job.insertion_hundredths, Job.training_hundredths).where(delivered)
    ).all()
    attended = session.execute(
        sa.select(TrainingSeat.member_id, TrainingSession.start, TrainingSession.end)
        .join(TrainingSession, TrainingSession.id == TrainingSeat.session_id)
        .where(TrainingSeat.attended.is_(True), TrainingSeat.status == SeatStatus.BOOKED,
               TrainingSession.start >= lo, TrainingSession.start < hi)
    ).all()
    return SkillImpact(
        jobs_delivered=len(rows), worked_hours=sum(r[1] or 0 for r in rows) / 100,
        insertion_hours=sum(r[2] or 0 for r in rows) / 100, training_hours=sum(r[3] or 0 for r in rows) / 100,
        trainees=len({member for member, _, _ in attended}),
        attended_training_hours=sum((end - start).total_seconds() for _, start, end in attended) / 3600,
        clients={r[0] for r in rows},
    )


def counts_by_status(session: so.Session, stmt: sa.Select) -> dict[str, int]:
    """How many of the jobs of `stmt` are in each status (for the tabs of the jobs page)."""
    sub = stmt.order_by(None).subquery()
    found = defaultdict(int)
    for status, count in session.execute(sa.select(sub.c.status, sa.func.count()).group_by(sub.c.status)):
        found[JobStatus(status).value] += count
    return dict(found)
