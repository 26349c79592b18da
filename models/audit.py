"""The audit trail: who changed what, when, with the values before and after. Append-only:
the code only inserts, and the database refuses UPDATE and DELETE (triggers of migration
0016). Names are never copied into it: the actor, the subject and the object are ids, shown
through their rows (a member anonymised later shows their pseudonym)."""
import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    # Null for a command or the system (no member acted).
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    # The member the entry is about, when there is one (their personal-data export lists it).
    subject_member_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"), index=True)
    before: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    after: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    request_id: so.Mapped[str] = so.mapped_column(sa.String(64), default="-")
    reason: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
