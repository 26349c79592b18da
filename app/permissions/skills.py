"""Who acts on which side of a skill job (app.skills)."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.permissions import (  # the core rules these build on
    Right,
    has_right,
    is_treasurer,
    managed_organization_ids,
    usable_account_ids,
    usable_account_ids_query,
)
from models import (
    Job,
    JobStatus,
    Member,
    MemberRights,
    Organization,
)

# --- Skills: jobs ------------------------------------------------------------------------------


def can_provide_for(
    session: so.Session, member: Optional[Member], organization_id: Optional[int], managed: Optional[set[int]] = None
) -> bool:
    """Acts for the provider of a skill offer: quotes, delivers, declines, records attendance.
    The offering organisation's manager, and its members granted the right to provide skills.
    The admin is no provider: a job has two sides. `managed`: the member's
    managed_organization_ids, when the request already has them."""
    if member is None or organization_id is None:
        return False
    managed = managed_organization_ids(session, member) if managed is None else managed
    return organization_id in managed or has_right(session, member, organization_id, Right.PROVIDE_SKILLS)


def provider_organization_filter(member: Member):
    """can_provide_for as a WHERE clause on jobs."""
    managed = sa.select(Organization.id).where(Organization.manager_id == member.id)
    granted = sa.select(MemberRights.organization_id).where(
        MemberRights.member_id == member.id, MemberRights.organization_id == member.organization_id,
        MemberRights.can_provide_skills.is_(True),
    )
    return Job.provider_organization_id.in_(sa.union(managed, granted))


def is_job_client(session: so.Session, member: Optional[Member], job: Job, usable: Optional[set[int]] = None) -> bool:
    """The client side: the member who asked, and whoever acts for the account that pays."""
    if member is None:
        return False
    if member.id == job.client_id:
        return True
    usable = usable_account_ids(session, member) if usable is None else usable
    return job.client_account_id in usable


def client_job_filter(member: Member):
    """is_job_client as a WHERE clause on jobs."""
    return sa.or_(Job.client_id == member.id, Job.client_account_id.in_(usable_account_ids_query(member)))


def is_job_provider(session: so.Session, member: Optional[Member], job: Job, managed: Optional[set[int]] = None) -> bool:
    return can_provide_for(session, member, job.provider_organization_id, managed)


def can_settle_dispute(member: Optional[Member], job: Job) -> bool:
    """The treasurer decides a disputed job, and only a disputed one."""
    return is_treasurer(member) and job.status == JobStatus.DISPUTED


def can_see_job(session: so.Session, member: Optional[Member], job: Job) -> bool:
    """Its two sides, and the treasurer (who may have a dispute to settle)."""
    if member is None:
        return False
    return is_treasurer(member) or is_job_client(session, member, job) or is_job_provider(session, member, job)


def visible_job_filter(member: Member):
    """can_see_job as a WHERE clause, for lists."""
    if is_treasurer(member):
        return sa.true()
    return sa.or_(client_job_filter(member), provider_organization_filter(member))
