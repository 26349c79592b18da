"""The skills queries and nodes: a job the viewer may not see reads null; the disputes are the
treasurer's list."""
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, QueryError, decode_id, paginate
from app.auth.api import MemberType
from app.skills import queries
from app.skills.api.types import JobRoleEnum, JobStatusEnum, JobType, TrainingSessionType
from models import Job, Resource, ResourceKind, TrainingSession


def resolve_job_node(info: Info, pk: int) -> Optional[JobType]:
    viewer = info.context.viewer
    job = info.context.session.get(Job, pk) if viewer else None
    if job is None or not permissions.can_see_job(info.context.session, viewer, job):
        return None
    return JobType.from_model(job)


def resolve_training_session_node(info: Info, pk: int) -> Optional[TrainingSessionType]:
    row = info.context.session.get(TrainingSession, pk) if info.context.viewer else None
    if row is None:
        return None
    return TrainingSessionType.from_model(row, queries.seats_of(info.context.session, [row.id])[row.id])


def training_sessions(info: Info, resource_ids: list[int], upcoming_only: bool) -> dict[int, list[TrainingSessionType]]:
    """The sessions of the offers and their booked seats, in two queries."""
    session = info.context.session
    sessions = queries.sessions_of(session, resource_ids, upcoming_only)
    seats = queries.seats_of(session, [s.id for rows in sessions.values() for s in rows])
    return {rid: [TrainingSessionType.from_model(s, seats[s.id]) for s in rows] for rid, rows in sessions.items()}


@strawberry.type(description="What the skills slice adds to a skill offer: who delivers it, its training sessions.")
class SkillOfferInfo:
    can_provide: bool = strawberry.field(description="The viewer acts for the provider (quotes, sessions, attendance).")
    providers: list[MemberType] = strawberry.field(description="The people of the organisation who deliver it.")
    team: Optional[list[MemberType]] = strawberry.field(description="The organisation's members, for its manager.")
    sessions: list[TrainingSessionType] = strawberry.field(description="Its training sessions, first one first.")


@strawberry.type
class JobCount:
    status: JobStatusEnum
    count: int


@strawberry.type
class SkillsQuery:
    @strawberry.field(description="The viewer's jobs, newest first: as client, as provider, or both.")
    def jobs(
        self,
        info: Info,
        role: Optional[JobRoleEnum] = None,
        status: Optional[list[JobStatusEnum]] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[JobType]:
        viewer = require_for_query(info)
        return paginate(info.context.session, queries.jobs(viewer, role, status), first, after, JobType.page)

    @strawberry.field(description="How many of the viewer's jobs are in each status.")
    def job_counts(self, info: Info, role: Optional[JobRoleEnum] = None) -> list[JobCount]:
        viewer = require_for_query(info)
        counts = queries.counts_by_status(info.context.session, queries.jobs(viewer, role))
        return [JobCount(status=status, count=count) for status, count in sorted(counts.items())]

    @strawberry.field(description="A job, for its two sides and the treasurer; null otherwise.")
    def job(self, info: Info, id: strawberry.ID) -> Optional[JobType]:
        pk = decode_id(id, "Job")
        return resolve_job_node(info, pk) if pk else None

    @strawberry.field(description="Open disputes, oldest first (treasurer).")
    def disputes(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[JobType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        return paginate(info.context.session, queries.disputes(), first, after, JobType.page)

    @strawberry.field(description="Who delivers a skill offer and its training sessions; null for other resources.")
    def skill_offer(self, info: Info, resource_id: strawberry.ID) -> Optional[SkillOfferInfo]:
        viewer = require_for_query(info)
        session = info.context.session
        pk = decode_id(resource_id, "Resource")
        resource = session.get(Resource, pk) if pk else None
        if resource is None or resource.kind != ResourceKind.SKILL:
            return None
        providers = queries.offer_providers(session, [pk])[pk]
        team = None
        if permissions.can_manage_resource(session, viewer, resource) and resource.owner_organization_id:
            team = [MemberType.from_model(m) for m in session.scalars(queries.organization_members(resource.owner_organization_id))]
        return SkillOfferInfo(
            can_provide=permissions.can_provide_for(session, viewer, resource.owner_organization_id),
            providers=[MemberType.from_model(m) for m in providers], team=team,
            sessions=training_sessions(info, [pk], upcoming_only=False)[pk],
        )

    @strawberry.field(description="The sessions of a training offer, upcoming ones unless `all`.")
    def training_sessions(self, info: Info, resource_id: strawberry.ID, all: bool = False) -> list[TrainingSessionType]:
        require_for_query(info)
        pk = decode_id(resource_id, "Resource")
        if pk is None:
            raise QueryError("Unknown resource id.")
        return training_sessions(info, [pk], upcoming_only=not all)[pk]
