"""The trail as it is read: newest first, narrowed by action, object, actor and period."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa

from models import AuditEntry, Member


def entries(
    *,
    action: Optional[str] = None,
    object_type: Optional[str] = None,
    object_id: Optional[int] = None,
    actor_id: Optional[int] = None,
    since: Optional[dt.datetime] = None,
    until: Optional[dt.datetime] = None,
) -> sa.Select:
    """`since` included, `until` excluded."""
    stmt = sa.select(AuditEntry)
    for column, value in (
        (AuditEntry.action, action), (AuditEntry.object_type, object_type), (AuditEntry.object_id, object_id),
        (AuditEntry.actor_id, actor_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.created_at < until)
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def actors() -> sa.Select:
    """The members who made at least one entry, by name."""
    made = sa.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    return sa.select(Member).where(Member.id.in_(made)).order_by(Member.name, Member.id)


def about_member(member_id: int) -> sa.Select:
    """The entries about a member (subject) and those they made (actor), oldest first."""
    return (
        sa.select(AuditEntry)
        .where(sa.or_(AuditEntry.subject_member_id == member_id, AuditEntry.actor_id == member_id))
        .order_by(AuditEntry.id)
    )
