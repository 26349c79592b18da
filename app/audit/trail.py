"""The one writer of the audit trail, and the request id it stamps entries with."""
import datetime as dt
import enum
from typing import Any, Mapping, Optional

import sqlalchemy.orm as so
from flask import g, has_request_context

from app.audit.actions import ACTIONS
from models import AuditEntry, Member


def current_request_id() -> str:
    """The id of the request being served ("-" for a command or a worker). Read from `g`,
    never from `flask.request`: services stay free of the web."""
    return g.get("request_id", "-") if has_request_context() else "-"


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: enums by their value, dates in ISO form."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def snapshot(values: Optional[Mapping[str, Any]]) -> Optional[dict[str, Any]]:
    return None if values is None else {key: _plain(value) for key, value in values.items()}


def record(
    session: so.Session,
    actor: Optional[Member],
    action: str,
    obj: Any,
    before: Optional[Mapping[str, Any]],
    after: Optional[Mapping[str, Any]],
    *,
    subject: Optional[Member | int] = None,
    reason: Optional[str] = None,
) -> AuditEntry:
    """Add one entry about `obj` (a model row with an id) to the caller's transaction: it is
    written with the change and rolled back with it. Only ids go in, never names."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: declare it in app/audit/actions.py")
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        subject_member_id=subject.id if isinstance(subject, Member) else subject,
        before=snapshot(before),
        after=snapshot(after),
        request_id=current_request_id(),
        reason=(reason or "").strip() or None,
    )
    session.add(entry)
    session.flush()
    return entry
