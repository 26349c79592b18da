"""GraphQL types of members, organisations and API tokens."""
import datetime as dt
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.relay import Connection, Node, node_type, provided, to_global_id
from app.auth import queries
from app.auth.api.rights import MemberRightsType, member_rights
from app.auth.queries import organization_ratings
from app.ledger.api import AccountType, visible_account
from models import ApiToken, Member, MemberStatus, Organization, OrganizationKind, OrganizationStatus, Role

if TYPE_CHECKING:
    from app.payments.api.types import MembershipFeeType, PaymentType

RoleEnum = strawberry.enum(Role, name="Role")
OrganizationKindEnum = strawberry.enum(OrganizationKind, name="OrganizationKind")
OrganizationStatusEnum = strawberry.enum(OrganizationStatus, name="OrganizationStatus")
MemberStatusEnum = strawberry.enum(MemberStatus, name="MemberStatus")


@strawberry.type(description="The average of the stars given on skill jobs, and how many ratings; a rating "
                             "counts once both sides of its job rated, or 14 days after it was given.")
class RatingSummary:
    average: Optional[float] = strawberry.field(description="From 1 to 5, one decimal; null without ratings.")
    count: int

    @classmethod
    def of(cls, found: Optional[tuple[float, int]]) -> "RatingSummary":
        if not found:
            return cls(average=None, count=0)
        return cls(average=round(found[0], 1), count=found[1])


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

    @strawberry.field(description="Street address.")
    def address(self) -> Optional[str]:
        return self.model.address

    @strawberry.field(description="A suspended organisation keeps its members and account; nobody acts for it.")
    def status(self) -> OrganizationStatusEnum:
        return self.model.status

    @strawberry.field(description="May the viewer edit it: its profile, its members' rights, its manager.")
    def viewer_can_manage(self, info: Info) -> bool:
        return permissions.can_manage_organization(info.context.session, info.context.viewer, self.model.id)

    @strawberry.field(description="Its members, by name (signed-in members).")
    def members(self, info: Info) -> list["MemberType"]:
        if info.context.viewer is None:
            return []
        rows = queries.organization_members(info.context.session, self.model.id)
        # Noted so that their rights and accounts, if asked for, load together.
        info.context.session.info.setdefault("listed_members", set()).update(m.id for m in rows)
        return [MemberType.from_model(m) for m in rows]

    @strawberry.field(description="Null to anonymous clients: the public catalogue shows organisations, not people.")
    def manager(self, info: Info) -> Optional["MemberType"]:
        if self.model.manager_id is None or not permissions.is_signed_in(info.context.viewer):
            return None
        return MemberType.from_model(info.context.session.get(Member, self.model.manager_id))

    @strawberry.field
    def account(self, info: Info) -> Optional[AccountType]:
        return visible_account(info, organization_id=self.model.id)

    @strawberry.field(description="Its yearly membership fee: to its members, the treasurer and the admin.")
    def membership_fee(self, info: Info) -> Optional[Annotated["MembershipFeeType", strawberry.lazy("app.payments.api.types")]]:
        return provided("Organization.membershipFee", info, self.model)

    @strawberry.field(description="The ratings it received on skill jobs, as provider or client.")
    def rating(self, info: Info) -> RatingSummary:
        cache = info.context.cache.setdefault("organization_ratings", {})
        if self.model.id not in cache:
            cache.update({self.model.id: None, **organization_ratings(info.context.session, [self.model.id])})
        return RatingSummary.of(cache[self.model.id])


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
        description="What the member may do for their organisation and what they spent from its account this "
        "month; null without an organisation, and for anyone but the member, its manager, the treasurer and the admin."
    )
    def rights(self, info: Info) -> Optional[MemberRightsType]:
        return member_rights(info, self.model)

    @strawberry.field(
        description="The account this member pays from: their organisation's when they manage it or hold a "
        "right to spend from it, else their own. Null for anyone but the member and the treasurer."
    )
    def account(self, info: Info) -> Optional[AccountType]:
        return visible_account(info, paying_for=self.model)

    @strawberry.field(description="The euro payments this member made or that concern their accounts, newest "
                      "first. Null for anyone but the member.")
    def payments(
        self, info: Info, first: Optional[int] = None, after: Optional[str] = None
    ) -> Optional[Connection[Annotated["PaymentType", strawberry.lazy("app.payments.api.types")]]]:
        return provided("Member.payments", info, self.model, first, after)


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
