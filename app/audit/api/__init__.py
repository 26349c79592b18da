"""The audit trail in the API: `auditEntries` and `auditActors` (treasurer and admin; a
FORBIDDEN error for anyone else), each entry with its sentence in the reader's language."""
import datetime as dt
from typing import Annotated, Optional

import strawberry
from strawberry.scalars import JSON

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, Node, QueryError, as_node, decode_id, paginate, parse_global_id, preload, to_global_id
from app.audit import queries
from app.audit.summary import Names, summary
from models import AuditEntry, Member

MemberRef = Annotated["MemberType", strawberry.lazy("app.auth.api")]  # noqa: F821  (the auth slice sits above)


@strawberry.type(name="AuditEntry", description="One change of the audit trail: who, when, what, before and after.")
class AuditEntryType(Node):
    created_at: dt.datetime
    action: str = strawberry.field(description="A stable key, such as `ledger.credit_limit_set`.")
    object_type: str
    object_id: strawberry.ID = strawberry.field(description="The global id of the object changed.")
    before: Optional[JSON] = strawberry.field(description="The values before (amounts in minor units); null for a creation.")
    after: Optional[JSON] = strawberry.field(description="The values after; null for a removal.")
    request_id: str = strawberry.field(description="The id of the request that made it (\"-\" for a command).")
    reason: Optional[str]
    summary: str = strawberry.field(description="The change told in a sentence, in the viewer's language.")
    actor_id: strawberry.Private[Optional[int]]
    subject_id: strawberry.Private[Optional[int]]

    @strawberry.field(description="Who made the change; null for a command or the system.")
    def actor(self, info: Info) -> Optional[MemberRef]:
        return _member(info, self.actor_id)

    @strawberry.field(description="The member the entry is about, when there is one.")
    def subject(self, info: Info) -> Optional[MemberRef]:
        return _member(info, self.subject_id)

    @classmethod
    def many(cls, info: Info, rows: list[AuditEntry]) -> list["AuditEntryType"]:
        session = info.context.session
        names = Names(session, rows)
        preload(session, Member, (i for row in rows for i in (row.actor_id, row.subject_member_id)))
        return [
            cls(
                id=to_global_id("AuditEntry", row.id), created_at=row.created_at, action=row.action,
                object_type=row.object_type, object_id=to_global_id(row.object_type, row.object_id), before=row.before,
                after=row.after, request_id=row.request_id, reason=row.reason, summary=summary(row, names),
                actor_id=row.actor_id, subject_id=row.subject_member_id,
            )
            for row in rows
        ]


def _member(info: Info, member_id: Optional[int]):
    return None if member_id is None else as_node("Member", info.context.session.get(Member, member_id))


def _object(object_type: Optional[str], object_id: Optional[strawberry.ID]) -> tuple[Optional[str], Optional[int]]:
    """The object filter: a global id names its type too (which must agree with `objectType`)."""
    if object_id is None:
        return object_type, None
    try:
        type_name, pk = parse_global_id(object_id)
    except ValueError:
        raise QueryError(f"Invalid object id: {object_id!r}") from None
    if object_type is not None and object_type != type_name:
        raise QueryError("`objectId` names an object of another type than `objectType`.")
    return type_name, pk


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The audit trail, newest first, narrowed by action, object, actor and period "
                                  "([since, until)) (treasurer and admin; FORBIDDEN for anyone else).")
    def audit_entries(
        self,
        info: Info,
        action: Optional[str] = None,
        object_type: Optional[str] = None,
        object_id: Optional[strawberry.ID] = None,
        actor_id: Optional[strawberry.ID] = None,
        since: Optional[dt.datetime] = None,
        until: Optional[dt.datetime] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[AuditEntryType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        object_type, pk = _object(object_type, object_id)
        actor_pk = None
        if actor_id is not None:
            actor_pk = decode_id(actor_id, "Member")
            if actor_pk is None:
                raise QueryError(f"Invalid member id: {actor_id!r}")
        stmt = queries.entries(action=action, object_type=object_type, object_id=pk, actor_id=actor_pk,
                               since=since, until=until)
        return paginate(info.context.session, stmt, first, after, lambda rows: AuditEntryType.many(info, rows))

    @strawberry.field(description="The members who made at least one audit entry, by name (treasurer and admin).")
    def audit_actors(self, info: Info) -> list[MemberRef]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        return [as_node("Member", member) for member in info.context.session.scalars(queries.actors())]
