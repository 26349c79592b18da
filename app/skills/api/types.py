"""GraphQL types of the skills marketplace: jobs, their quotes, timeline, messages and ratings,
and training sessions. The related rows of a page of jobs come from one JobBatch, never one
by one."""
import datetime as dt
import enum
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.relay import Node, to_global_id
from app.api.scalars import Money, money
from app.auth.api import MemberType, OrganizationType
from app.catalog.api.loaders import ResourcesOf
from app.catalog.api.types import ResourceType
from app.skills import queries
from app.skills.fulfilment import cancellation_fee
from models import (
    Job,
    JobEvent,
    JobEventKind,
    JobQuote,
    JobRating,
    JobSide,
    JobStatus,
    Member,
    Organization,
    Resource,
    TrainingSession,
    utcnow,
)

JobStatusEnum = strawberry.enum(JobStatus, name="JobStatus")
JobSideEnum = strawberry.enum(JobSide, name="JobSide", description="The two sides of a job.")
JobEventKindEnum = strawberry.enum(JobEventKind, name="JobEventKind")
JobRoleEnum = strawberry.enum(queries.JobRole, name="JobRole", description="Which side of the viewer's jobs to list.")


@strawberry.enum(description="What the viewer may do with a job now.")
class JobAction(enum.Enum):
    QUOTE = "QUOTE"
    DECLINE = "DECLINE"
    ACCEPT = "ACCEPT"
    CANCEL = "CANCEL"
    DELIVER = "DELIVER"
    CONFIRM = "CONFIRM"
    DISPUTE = "DISPUTE"
    SETTLE = "SETTLE"
    MESSAGE = "MESSAGE"
    RATE = "RATE"


def hours(hundredths: Optional[int]) -> Optional[Decimal]:
    return None if hundredths is None else (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


class JobBatch(ResourcesOf):
    """A page of jobs and what their fields need, each loaded once for the whole page."""

    def __init__(self, jobs: list[Job]):
        super().__init__(jobs)
        self.ids = [j.id for j in jobs]
        self._loaded: dict[str, dict] = {}

    def _load(self, name: str, session, loader):
        if name not in self._loaded:
            self._loaded[name] = loader(session)
        return self._loaded[name]

    def quotes(self, session, job_id: int) -> list[JobQuote]:
        return self._load("quotes", session, lambda s: queries.quotes_of(s, self.ids))[job_id]

    def events(self, session, job_id: int) -> list[JobEvent]:
        return self._load("events", session, lambda s: queries.events_of(s, self.ids))[job_id]

    def ratings(self, session, job_id: int) -> list[JobRating]:
        return self._load("ratings", session, lambda s: queries.ratings_of(s, self.ids))[job_id]

    def member(self, session, member_id: int) -> Member:
        """The clients, and the authors of the page's events and ratings, in one query."""
        def load(s):
            ids = {j.client_id for j in self.rows}
            for job_id in self.ids:
                ids |= {e.actor_id for e in self.events(s, job_id) if e.actor_id}
                ids |= {r.author_id for r in self.ratings(s, job_id)}
            return {m.id: m for m in s.scalars(sa.select(Member).where(Member.id.in_(ids)))} if ids else {}
        return self._load("members", session, load)[member_id]

    def organization(self, session, organization_id: int) -> Organization:
        def load(s):
            ids = {j.provider_organization_id for j in self.rows}
            return {o.id: o for o in s.scalars(sa.select(Organization).where(Organization.id.in_(ids)))}
        return self._load("organizations", session, load)[organization_id]

    def side(self, info: Info, job: Job) -> Optional[JobSide]:
        """The viewer's side of the job, if any (their accounts and organisations read once)."""
        viewer = info.context.viewer
        if viewer is None:
            return None
        cache = info.context.cache
        if "skills_sides" not in cache:
            session = info.context.session
            cache["skills_sides"] = (
                permissions.usable_account_ids(session, viewer), permissions.managed_organization_ids(session, viewer)
            )
        usable, managed = cache["skills_sides"]
        if permissions.is_job_client(info.context.session, viewer, job, usable):
            return JobSide.CLIENT
        if permissions.is_job_provider(info.context.session, viewer, job, managed):
            return JobSide.PROVIDER
        return None


@strawberry.type(name="Quote", description="A provider's quote; the last one of a job counts.")
class QuoteType:
    hours: Decimal
    price: Money
    start: Optional[dt.datetime]
    end: Optional[dt.datetime]
    conditions: str
    created_at: dt.datetime

    @classmethod
    def from_model(cls, quote: JobQuote) -> "QuoteType":
        return cls(hours=hours(quote.hours_hundredths), price=money(quote.price), start=quote.start, end=quote.end,
                   conditions=quote.conditions, created_at=quote.created_at)


@strawberry.type(name="JobMessage")
class JobMessageType:
    body: str
    created_at: dt.datetime
    by: Optional[MemberType]


@strawberry.type(name="JobEvent", description="A line of a job's timeline: a step or a message.")
class JobEventType:
    kind: JobEventKindEnum
    body: str
    created_at: dt.datetime
    by: Optional[MemberType]


@strawberry.type(name="Rating", description="One side's rating of the other, shown once both sides rated or "
                                           "14 days after it was given.")
class RatingType:
    stars: int
    comment: str
    side: JobSideEnum
    created_at: dt.datetime
    by: MemberType


@strawberry.type(name="Job")
class JobType(Node):
    status: JobStatusEnum
    description: str
    preferred_start: Optional[dt.datetime]
    preferred_end: Optional[dt.datetime]
    pay_on_account: bool = strawberry.field(description="No hold: the price is invoiced to the client on completion.")
    reason: str = strawberry.field(description="Why it was declined, cancelled or disputed.")
    decision: str = strawberry.field(description="The treasurer's decision on a dispute.")
    created_at: dt.datetime
    accepted_at: Optional[dt.datetime]
    delivered_at: Optional[dt.datetime]
    closed_at: Optional[dt.datetime]
    model: strawberry.Private[Job]
    batch: strawberry.Private[JobBatch]

    @classmethod
    def from_model(cls, job: Job, batch: Optional[JobBatch] = None) -> "JobType":
        return cls(
            id=to_global_id("Job", job.id), status=job.status, description=job.description,
            preferred_start=job.preferred_start, preferred_end=job.preferred_end, pay_on_account=job.pay_on_account,
            reason=job.reason, decision=job.decision, created_at=job.created_at, accepted_at=job.accepted_at,
            delivered_at=job.delivered_at, closed_at=job.closed_at, model=job, batch=batch or JobBatch([job]),
        )

    @staticmethod
    def page(rows: list[Job]) -> list["JobType"]:
        batch = JobBatch(rows)
        return [JobType.from_model(j, batch) for j in rows]

    @strawberry.field(description="The skill offer (a SKILL resource).")
    def offer(self, info: Info) -> ResourceType:
        resource = self.batch.resource(info.context.session, self.model.resource_id)
        return ResourceType.from_model(resource, self.batch.batch)

    @strawberry.field(description="The member who asked for the work.")
    def client(self, info: Info) -> MemberType:
        return MemberType.from_model(self.batch.member(info.context.session, self.model.client_id))

    @strawberry.field(description="The organisation that offers the skill.")
    def provider(self, info: Info) -> OrganizationType:
        return OrganizationType.from_model(self.batch.organization(info.context.session, self.model.provider_organization_id))

    @strawberry.field(description="Every quote, oldest first.")
    def quotes(self, info: Info) -> list[QuoteType]:
        return [QuoteType.from_model(q) for q in self.batch.quotes(info.context.session, self.model.id)]

    @strawberry.field(description="The last quote, the one that counts.")
    def quote(self, info: Info) -> Optional[QuoteType]:
        quotes = self.batch.quotes(info.context.session, self.model.id)
        return QuoteType.from_model(quotes[-1]) if quotes else None

    @strawberry.field(description="The accepted price; before acceptance, the last quote's; null before any quote.")
    def price(self, info: Info) -> Optional[Money]:
        if self.model.price is not None:
            return money(self.model.price)
        quotes = self.batch.quotes(info.context.session, self.model.id)
        return money(quotes[-1].price) if quotes else None

    @strawberry.field(description="The client's estimate of the hours needed.")
    def estimated_hours(self) -> Optional[Decimal]:
        return hours(self.model.estimated_hundredths)

    @strawberry.field(description="Hours actually worked, as delivered.")
    def hours_worked(self) -> Optional[Decimal]:
        return hours(self.model.worked_hundredths)

    @strawberry.field(description="Of the hours worked, those by people in an insertion programme.")
    def insertion_hours(self) -> Optional[Decimal]:
        return hours(self.model.insertion_hundredths)

    @strawberry.field(description="Of the hours worked, those by people in training.")
    def training_hours(self) -> Optional[Decimal]:
        return hours(self.model.training_hundredths)

    @strawberry.field(description="What a cancellation cost the client.")
    def cancellation_fee(self) -> Money:
        return money(self.model.cancellation_fee)

    @strawberry.field(description="What cancelling now would cost the client (the offer's terms).")
    def cancellation_fee_if_cancelled_now(self, info: Info) -> Money:
        session = info.context.session
        quotes = self.batch.quotes(session, self.model.id)
        resource = self.batch.resource(session, self.model.resource_id)
        return money(cancellation_fee(self.model, resource, quotes[-1] if quotes else None, utcnow()))

    @strawberry.field(description="What the treasurer's settlement paid the provider.")
    def settled_amount(self) -> Optional[Money]:
        return None if self.model.settled_amount is None else money(self.model.settled_amount)

    @strawberry.field(description="When a delivered job counts as confirmed if the client says nothing.")
    def auto_confirm_at(self) -> Optional[dt.datetime]:
        if self.model.status != JobStatus.DELIVERED or self.model.delivered_at is None:
            return None
        return self.model.delivered_at + dt.timedelta(days=current_app.config["JOB_CONFIRM_DAYS"])

    def _by(self, info: Info, member_id: Optional[int]) -> Optional[MemberType]:
        return MemberType.from_model(self.batch.member(info.context.session, member_id)) if member_id else None

    @strawberry.field(description="Messages between the two sides, oldest first.")
    def messages(self, info: Info) -> list[JobMessageType]:
        return [
            JobMessageType(body=e.body, created_at=e.created_at, by=self._by(info, e.actor_id))
            for e in self.batch.events(info.context.session, self.model.id) if e.kind == JobEventKind.MESSAGE
        ]

    @strawberry.field(description="Requests, quotes, messages, delivery and decisions, oldest first.")
    def timeline(self, info: Info) -> list[JobEventType]:
        return [
            JobEventType(kind=e.kind, body=e.body, created_at=e.created_at, by=self._by(info, e.actor_id))
            for e in self.batch.events(info.context.session, self.model.id)
        ]

    @strawberry.field(description="The ratings that may be shown (both sides rated, or 14 days passed), "
                                  "and the viewer's own.")
    def ratings(self, info: Info) -> list[RatingType]:
        now = utcnow()
        viewer_id = info.context.viewer.id if info.context.viewer else None
        return [
            RatingType(stars=r.stars, comment=r.comment, side=r.side, created_at=r.created_at,
                       by=self._by(info, r.author_id))
            for r in self.batch.ratings(info.context.session, self.model.id)
            if r.visible_at <= now or r.author_id == viewer_id
        ]

    @strawberry.field(description="The viewer's side of this job; null for the treasurer.")
    def viewer_side(self, info: Info) -> Optional[JobSideEnum]:
        return self.batch.side(info, self.model)

    @strawberry.field(description="What the viewer may do with this job now.")
    def viewer_actions(self, info: Info) -> list[JobAction]:
        side = self.batch.side(info, self.model)
        rated = {r.side for r in self.batch.ratings(info.context.session, self.model.id)}
        return allowed_actions(self.model, side, permissions.is_treasurer(info.context.viewer), side in rated)


_ACTIONS = {
    (JobSide.CLIENT, JobStatus.REQUESTED): [JobAction.CANCEL, JobAction.DECLINE],
    (JobSide.CLIENT, JobStatus.QUOTED): [JobAction.ACCEPT, JobAction.DECLINE, JobAction.CANCEL],
    (JobSide.CLIENT, JobStatus.ACCEPTED): [JobAction.CANCEL],
    (JobSide.CLIENT, JobStatus.DELIVERED): [JobAction.CONFIRM, JobAction.DISPUTE],
    (JobSide.PROVIDER, JobStatus.REQUESTED): [JobAction.QUOTE, JobAction.DECLINE],
    (JobSide.PROVIDER, JobStatus.QUOTED): [JobAction.QUOTE, JobAction.DECLINE],
    (JobSide.PROVIDER, JobStatus.ACCEPTED): [JobAction.DELIVER],
}


def allowed_actions(job: Job, side: Optional[JobSide], treasurer: bool, rated: bool) -> list[JobAction]:
    """The mutations the services would allow this viewer now (the page shows those)."""
    actions = list(_ACTIONS.get((side, job.status), []))
    if side is not None:
        actions.append(JobAction.MESSAGE)
        if job.status in (JobStatus.COMPLETED, JobStatus.SETTLED) and not rated:
            actions.append(JobAction.RATE)
    elif treasurer and job.status == JobStatus.DISPUTED:
        actions += [JobAction.SETTLE, JobAction.MESSAGE]
    return actions


@strawberry.type(name="TrainingSeat")
class TrainingSeatType:
    member: MemberType
    attended: Optional[bool]


@strawberry.type(name="TrainingSession")
class TrainingSessionType(Node):
    start: dt.datetime
    end: dt.datetime
    seats: int
    attendance_recorded_at: Optional[dt.datetime]
    model: strawberry.Private[TrainingSession]
    booked: strawberry.Private[list]

    @classmethod
    def from_model(cls, row: TrainingSession, booked: list) -> "TrainingSessionType":
        return cls(id=to_global_id("TrainingSession", row.id), start=row.start, end=row.end, seats=row.seats,
                   attendance_recorded_at=row.attendance_recorded_at, model=row, booked=booked)

    @strawberry.field(description="Seats still free.")
    def free_seats(self) -> int:
        return max(self.model.seats - len(self.booked), 0)

    @strawberry.field(description="Whether the viewer has a seat.")
    def viewer_has_seat(self, info: Info) -> bool:
        viewer = info.context.viewer
        return viewer is not None and any(seat.member_id == viewer.id for seat in self.booked)

    @strawberry.field(description="Who booked, and whether they attended: for the provider (and the treasurer).")
    def attendees(self, info: Info) -> Optional[list[TrainingSeatType]]:
        session = info.context.session
        provider = session.scalar(sa.select(Resource.owner_organization_id).where(Resource.id == self.model.resource_id))
        viewer = info.context.viewer
        if not (permissions.is_treasurer(viewer) or permissions.can_provide_for(session, viewer, provider)):
            return None
        ids = [seat.member_id for seat in self.booked]
        members = {m.id: m for m in session.scalars(sa.select(Member).where(Member.id.in_(ids)))} if ids else {}
        return [TrainingSeatType(member=MemberType.from_model(members[seat.member_id]), attended=seat.attended)
                for seat in self.booked]
