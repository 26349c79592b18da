"""GraphQL types of members, organisations and API tokens."""
import datetime as dt
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.relay import Node, node_type, to_global_id
from app.ledger.api import AccountType, visible_account
from models import ApiToken, Member, MemberStatus, Organization, OrganizationKind, Role

RoleEnum = strawberry.enum(Role, name="Role")
OrganizationKindEnum = strawberry.enum(OrganizationKind, name="OrganizationKind")
MemberStatusEnum = strawberry.enum(MemberStatus, name="MemberStatus")


@node_type
@strawberry.type(name="Organization")
class OrganizationType(Node):
    name: str
    kind: OrganizationKindEnum
    siret: Optional[str]
    town: Optional[str]
    model: strawberry.Private[Organization]

    @classmethod
    def from_model(cls, organization: Organization) -> "OrganizationType":
        return cls(
            id=to_global_id("Organization", organization.id),
            name=organization.name,
            kind=organization.kind,
            siret=organization.siret,
            town=organization.town,
            model=organization,
        )

    @strawberry.field(description="Null to anonymous clients: the public catalogue shows organisations, not people.")
    def manager(self, info: Info) -> Optional["MemberType"]:
        if self.model.manager_id is None or not permissions.is_signed_in(info.context.viewer):
            return None
        return MemberType.from_model(info.context.session.get(Member, self.model.manager_id))

    @strawberry.field
    def account(self, info: Info) -> Optional[AccountType]:
        return visible_account(info, organization_id=self.model.id)


@node_type
@strawberry.type(name="Member")
class MemberType(Node):
    name: str
    role: RoleEnum
    language: str
    model: strawberry.Private[Member]

    @classmethod
    def from_model(cls, member: Member) -> "MemberType":
        return cls(
            id=to_global_id("Member", member.id),
            name=member.name,
            role=member.role,
            language=member.language,
            model=member,
        )

    @strawberry.field(description="Visible to the member, the treasurer and the admin.")
    def email(self, info: Info) -> Optional[str]:
        return self.model.email if permissions.can_see_email(info.context.viewer, self.model) else None

    @strawberry.field
    def status(self) -> MemberStatusEnum:
        return self.model.status

    @strawberry.field
    def organization(self, info: Info) -> Optional[OrganizationType]:
        if self.model.organization_id is None:
            return None
        return OrganizationType.from_model(
            info.context.session.get(Organization, self.model.organization_id)
        )

    @strawberry.field(
        description="The account this member pays from: their organisation's when they manage "
        "one, else their own. Null for anyone but the member and the treasurer."
    )
    def account(self, info: Info) -> Optional[AccountType]:
        return visible_account(info, paying_for=self.model)


@strawberry.type(name="ApiToken")
class ApiTokenType(Node):
    name: str
    created_at: dt.datetime
    last_used_at: Optional[dt.datetime]
    revoked_at: Optional[dt.datetime]

    @classmethod
    def from_model(cls, token: ApiToken) -> "ApiTokenType":
        return cls(
            id=to_global_id("ApiToken", token.id),
            name=token.name,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )
