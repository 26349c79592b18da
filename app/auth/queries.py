"""Read-side SQL of the auth slice: who is in the hub, as statements the API, the pages and the
commands share (so that one visibility rule serves them all)."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from models import ApiToken, JobRating, Member, Organization, utcnow

MAX_SEARCH = 200


def members(viewer: Member, search: Optional[str] = None) -> sa.Select:
    """Members by name; `search` matches names, and emails for those who may see them (a
    member must not learn an email by searching for it)."""
    stmt = sa.select(Member).order_by(Member.name, Member.id)
    if search:
        term = search.strip().lower()[:MAX_SEARCH]
        matches = sa.func.lower(Member.name).contains(term, autoescape=True)
        if permissions.can_see_emails(viewer):
            matches = matches | Member.email.contains(term, autoescape=True)
        stmt = stmt.where(matches)
    return stmt


def organizations(session: so.Session) -> list[Organization]:
    return list(session.scalars(sa.select(Organization).order_by(Organization.name)))


def api_tokens(session: so.Session, member: Member) -> list[ApiToken]:
    """A member's API tokens, newest first."""
    stmt = sa.select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def organization_ratings(session: so.Session, organization_ids) -> dict[int, tuple[float, int]]:
    """(average stars, count) of the ratings each organisation received on skill jobs, as
    client or provider, counting only those that may be shown now (see models.skills)."""
    ids = set(organization_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(JobRating.rated_organization_id, sa.func.avg(JobRating.stars), sa.func.count())
        .where(JobRating.rated_organization_id.in_(ids), JobRating.shown(utcnow()))
        .group_by(JobRating.rated_organization_id)
    )
    return {org_id: (float(average), count) for org_id, average, count in rows}


def organization_members(session: so.Session, organization_id: int) -> list[Member]:
    """An organisation's members, by name."""
    stmt = sa.select(Member).where(Member.organization_id == organization_id).order_by(Member.name, Member.id)
    return list(session.scalars(stmt))
