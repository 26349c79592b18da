"""Telling the other side of a job what happened, through the hub's notices: in the app, and
by email as each member chose for the category SKILLS (app.notices.kinds holds the words)."""
import logging
from typing import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.notices import services
from app.notices.kinds import Category, Kind
from app.permissions import treasurer_filter
from models import Member, Organization

log = logging.getLogger("alveole.skills")


def notify(session: so.Session, member_ids: Iterable[int], event: str, link: str, **params) -> int:
    """Tell members that `event` ("quoted", "delivered", ...) happened to a job; how many heard.
    Its parameters: `title` (the offer), `who` (the member who acted), `price` (minor units)."""
    count = services.notify(session, sorted(set(member_ids)), Category.SKILLS, Kind[f"JOB_{event.upper()}"], params, link)
    log.info("job notice %s sent to %s member(s)", event, count)
    return count


def provider_members(session: so.Session, organization_id: int) -> list[int]:
    """Who hears for the provider side: the organisation's manager."""
    manager = session.scalar(sa.select(Organization.manager_id).where(Organization.id == organization_id))
    return [manager] if manager else []


def treasurers(session: so.Session) -> list[int]:
    return list(session.scalars(sa.select(Member.id).where(treasurer_filter())))
