"""GraphQL queries of the auth slice: the viewer, their tokens, the hub's directory."""
from typing import Annotated, Optional

import strawberry

from app.api.context import Info
from app.api.permissions import require_for_query
from app.api.relay import Connection, paginate, preload
from app.auth import queries
from app.auth.api.types import ApiTokenType, MemberType, OrganizationType
from models import Member, Organization


def resolve_member_node(info: Info, pk: int) -> Optional[MemberType]:
    if info.context.viewer is None:
        return None
    member = info.context.session.get(Member, pk)
    return MemberType.from_model(member) if member else None


def resolve_organization_node(info: Info, pk: int) -> Optional[OrganizationType]:
    if info.context.viewer is None:
        return None
    organization = info.context.session.get(Organization, pk)
    return OrganizationType.from_model(organization) if organization else None


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The signed-in member, or null.")
    def viewer(self, info: Info) -> Optional[MemberType]:
        viewer = info.context.viewer
        return MemberType.from_model(viewer) if viewer else None

    @strawberry.field(description="The viewer's API tokens, newest first.")
    def api_tokens(self, info: Info) -> list[ApiTokenType]:
        viewer = info.context.viewer
        if viewer is None:
            return []
        return [ApiTokenType.from_model(t) for t in queries.api_tokens(info.context.session, viewer)]

    @strawberry.field(description="Members of the hub, by name (signed-in members).")
    def members(
        self,
        info: Info,
        search: Optional[str] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
        without_organization: Annotated[
            Optional[bool], strawberry.argument(description="Only the members who belong to no organisation.")
        ] = None,
    ) -> Connection[MemberType]:
        viewer = require_for_query(info)
        session = info.context.session
        stmt = queries.members(viewer, search)
        if without_organization:
            stmt = stmt.where(Member.organization_id.is_(None))
        return paginate(session, stmt, first, after, lambda rows: _members_with_organizations(session, rows))

    @strawberry.field(description="Organisations of the hub, by name (signed-in members).")
    def organizations(self, info: Info) -> list[OrganizationType]:
        require_for_query(info)
        session = info.context.session
        rows = queries.organizations(session)
        preload(session, Member, (o.manager_id for o in rows))
        # Noted so that their accounts, if asked for, load together (app.ledger.api).
        session.info.setdefault("listed_organizations", set()).update(o.id for o in rows)
        return [OrganizationType.from_model(o) for o in rows]


def _members_with_organizations(session, members: list[Member]) -> list[MemberType]:
    preload(session, Organization, (m.organization_id for m in members))
    # Noted so that their accounts, if asked for, load together (app.ledger.api).
    session.info.setdefault("listed_members", set()).update(m.id for m in members)
    return [MemberType.from_model(m) for m in members]
