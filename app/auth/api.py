"""GraphQL types and operations of members, organisations, sign-in and API tokens."""
import datetime as dt
from typing import Optional

import flask_login
import sqlalchemy as sa
import strawberry
from flask import current_app, request

from app import permissions
from app.api.context import Info
from app.api.errors import UserError, to_user_errors
from app.api.mutations import mutation_payload
from app.api.permissions import require, require_for_query
from app.api.relay import Connection, Node, decode_id, node_type, paginate, preload, to_global_id
from app.api.validation import load
from app.auth import schemas, services
from app.errors import N_, DomainError, ErrorCode
from app.ledger.api import AccountType, visible_account
from models import ApiToken, Member, MemberStatus, Organization, OrganizationKind, Role

RoleEnum = strawberry.enum(Role, name="Role")
OrganizationKindEnum = strawberry.enum(OrganizationKind, name="OrganizationKind")
MemberStatusEnum = strawberry.enum(MemberStatus, name="MemberStatus")


def passwords():
    return current_app.extensions["passwords"]


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

    @strawberry.field
    def manager(self, info: Info) -> Optional["MemberType"]:
        if self.model.manager_id is None:
            return None
        return MemberType.from_model(info.context.session.get(Member, self.model.manager_id))

    @strawberry.field
    def account(self, info: Info) -> Optional[AccountType]:
        return visible_account(info, organization_id=self.model.id)


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
        viewer = info.context.viewer
        if viewer and (viewer.id == self.model.id or viewer.role != Role.MEMBER):
            return self.model.email
        return None

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


# --- Queries ---------------------------------------------------------------------------------


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
        tokens = info.context.session.scalars(
            sa.select(ApiToken).where(ApiToken.member_id == viewer.id).order_by(ApiToken.id.desc())
        )
        return [ApiTokenType.from_model(t) for t in tokens]

    @strawberry.field(description="Members of the hub, by name (signed-in members).")
    def members(
        self,
        info: Info,
        search: Optional[str] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[MemberType]:
        viewer = require_for_query(info)
        stmt = sa.select(Member).order_by(Member.name, Member.id)
        if search:
            term = search.strip().lower()[:MAX_SEARCH]
            matches = sa.func.lower(Member.name).contains(term, autoescape=True)
            if viewer.role != Role.MEMBER:  # emails are hidden from members: not searchable either
                matches = matches | Member.email.contains(term, autoescape=True)
            stmt = stmt.where(matches)
        session = info.context.session
        return paginate(session, stmt, first, after, lambda rows: _members_with_organizations(session, rows))

    @strawberry.field(description="Organisations of the hub, by name (signed-in members).")
    def organizations(self, info: Info) -> list[OrganizationType]:
        require_for_query(info)
        session = info.context.session
        rows = session.scalars(sa.select(Organization).order_by(Organization.name)).all()
        preload(session, Member, (o.manager_id for o in rows))
        session.info.setdefault("listed_organizations", set()).update(o.id for o in rows)
        return [OrganizationType.from_model(o) for o in rows]


MAX_SEARCH = 200


def _members_with_organizations(session, members: list[Member]) -> list[MemberType]:
    preload(session, Organization, (m.organization_id for m in members))
    # Noted so that their accounts, if asked for, load together (app.ledger.api._paying_accounts).
    session.info.setdefault("listed_members", set()).update(m.id for m in members)
    return [MemberType.from_model(m) for m in members]


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.type
class LoginPayload:
    viewer: Optional[MemberType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateApiTokenInput:
    name: str


@strawberry.type
class CreateApiTokenPayload:
    token: Optional[str] = strawberry.field(default=None, description="The secret, shown once.")
    api_token: Optional[ApiTokenType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: Optional[ApiTokenType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateMemberInput:
    email: str
    name: str
    password: str
    role: RoleEnum = Role.MEMBER
    language: str = "fr"
    organization_name: Optional[str] = None
    organization_kind: OrganizationKindEnum = OrganizationKind.FIRM
    siret: Optional[str] = None
    credit_limit: Optional[str] = strawberry.field(
        default=None, description='A Decimal string such as "500.00".'
    )


@strawberry.type
class CreateMemberPayload:
    member: Optional[MemberType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateOrganizationInput:
    name: str
    kind: OrganizationKindEnum = OrganizationKind.FIRM
    siret: Optional[str] = None
    town: Optional[str] = None
    credit_limit: Optional[str] = None


@strawberry.type
class CreateOrganizationPayload:
    organization: Optional[OrganizationType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateProfileInput:
    name: Optional[str] = None
    language: Optional[str] = None


@strawberry.type
class UpdateProfilePayload:
    member: Optional[MemberType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetMemberStatusInput:
    member_id: strawberry.ID
    status: MemberStatusEnum


@strawberry.input
class SetMemberRoleInput:
    member_id: strawberry.ID
    role: RoleEnum


@strawberry.type
class SetMemberStatusPayload:
    member: Optional[MemberType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetMemberRolePayload:
    member: Optional[MemberType] = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _member_pk(member_id: str) -> int:
    pk = decode_id(member_id, "Member")
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This member does not exist.", "memberId")
    return pk


INVALID_CREDENTIALS = N_("Unknown email or wrong password.")


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Sign in; starts a session cookie.")
    @mutation_payload(LoginPayload, allowed=None)
    def login(self, info: Info, input: LoginInput) -> LoginPayload:
        data = load(schemas.LoginSchema(), strawberry.asdict(input))
        session, config = info.context.session, current_app.config
        services.check_login_allowed(
            session, data["email"], config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCKOUT_MINUTES"]
        )
        member = services.authenticate(session, passwords(), data["email"], data["password"])
        if member is None:
            # Kept (no exception, so no rollback): the failures slow down the next attempts.
            services.record_login_failure(session, data["email"], request.remote_addr)
            return LoginPayload(
                errors=to_user_errors(DomainError(ErrorCode.UNAUTHENTICATED, INVALID_CREDENTIALS))
            )
        flask_login.login_user(member)
        info.context.viewer = member
        return LoginPayload(viewer=MemberType.from_model(member))

    @strawberry.mutation(description="Sign out; ends the session cookie.")
    def logout(self, info: Info) -> LogoutPayload:
        flask_login.logout_user()
        info.context.viewer = None
        return LogoutPayload()

    @strawberry.mutation(description="A bearer token for API clients; the secret is shown once.")
    @mutation_payload(CreateApiTokenPayload)
    def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        viewer = require(info)
        data = load(schemas.CreateApiTokenSchema(), strawberry.asdict(input))
        token, secret = services.create_api_token(info.context.session, viewer, data["name"])
        return CreateApiTokenPayload(token=secret, api_token=ApiTokenType.from_model(token))

    @strawberry.mutation(description="Revoke one of the viewer's API tokens.")
    @mutation_payload(RevokeApiTokenPayload)
    def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
        viewer = require(info)
        pk = decode_id(input.token_id, "ApiToken")
        if pk is None:
            raise DomainError(ErrorCode.NOT_FOUND, "This token does not exist.", "tokenId")
        token = services.revoke_api_token(info.context.session, viewer, pk)
        return RevokeApiTokenPayload(api_token=ApiTokenType.from_model(token))

    @strawberry.mutation(description="Add a member (admin).")
    @mutation_payload(CreateMemberPayload)
    def create_member(self, info: Info, input: CreateMemberInput) -> CreateMemberPayload:
        viewer = require(info, permissions.is_admin)
        data = load(schemas.CreateMemberSchema(), strawberry.asdict(input))
        member = services.create_member(info.context.session, passwords(), actor=viewer, **data)
        return CreateMemberPayload(member=MemberType.from_model(member))

    @strawberry.mutation(description="Add an organisation and its account (admin).")
    @mutation_payload(CreateOrganizationPayload)
    def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> CreateOrganizationPayload:
        viewer = require(info, permissions.is_admin)
        data = load(schemas.CreateOrganizationSchema(), strawberry.asdict(input))
        organization = services.create_organization(info.context.session, actor=viewer, **data)
        return CreateOrganizationPayload(organization=OrganizationType.from_model(organization))

    @strawberry.mutation(description="Change the viewer's name or language.")
    @mutation_payload(UpdateProfilePayload)
    def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
        viewer = require(info)
        data = load(schemas.UpdateProfileSchema(), strawberry.asdict(input))
        services.update_profile(viewer, **data)
        info.context.session.flush()
        return UpdateProfilePayload(member=MemberType.from_model(viewer))

    @strawberry.mutation(description="Suspend, reinstate or mark a member as having left (admin).")
    @mutation_payload(SetMemberStatusPayload)
    def set_member_status(self, info: Info, input: SetMemberStatusInput) -> SetMemberStatusPayload:
        viewer = require(info, permissions.is_admin)
        member = services.set_member_status(info.context.session, viewer, _member_pk(input.member_id), input.status)
        return SetMemberStatusPayload(member=MemberType.from_model(member))

    @strawberry.mutation(description="Make a member a treasurer, an admin or a plain member (admin).")
    @mutation_payload(SetMemberRolePayload)
    def set_member_role(self, info: Info, input: SetMemberRoleInput) -> SetMemberRolePayload:
        viewer = require(info, permissions.is_admin)
        member = services.set_member_role(info.context.session, viewer, _member_pk(input.member_id), input.role)
        return SetMemberRolePayload(member=MemberType.from_model(member))
