"""GraphQL mutations of the auth slice: sign-in, API tokens, members and organisations."""
from typing import Optional

import strawberry
from flask import current_app, request, session

from app import permissions
from app.api.context import Info
from app.api.errors import to_user_errors
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.auth import schemas, services, throttle
from app.auth.api.types import ApiTokenType, MemberStatusEnum, MemberType, OrganizationKindEnum, RoleEnum
from app.auth.loaders import end_session, start_session
from app.errors import N_, DomainError, ErrorCode
from models import OrganizationKind, Role

INVALID_CREDENTIALS = N_("Unknown email or wrong password.")
NO_SUCH_MEMBER = N_("This member does not exist.")
NO_SUCH_TOKEN = N_("This token does not exist.")
NO_SUCH_ORGANIZATION = N_("This organisation does not exist.")


def passwords():
    return current_app.extensions["passwords"]


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.type
class LoginPayload(Payload):
    viewer: Optional[MemberType] = None


@strawberry.type
class LogoutPayload(Payload):
    pass


@strawberry.input
class CreateApiTokenInput:
    name: str


@strawberry.type
class CreateApiTokenPayload(Payload):
    token: Optional[str] = strawberry.field(default=None, description="The secret, shown once.")
    api_token: Optional[ApiTokenType] = None


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload(Payload):
    api_token: Optional[ApiTokenType] = None


@strawberry.input
class CreateMemberInput:
    email: str
    name: str
    password: str
    role: RoleEnum = Role.MEMBER
    language: str = "fr"
    organization_name: Optional[str] = strawberry.field(
        default=None, description="A new organisation, created with this member as its manager."
    )
    organization_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="An existing organisation the member joins, with no rights until its manager grants them."
    )
    organization_kind: OrganizationKindEnum = OrganizationKind.FIRM
    siret: Optional[str] = None
    credit_limit: Optional[str] = strawberry.field(
        default=None, description='A Decimal string such as "500.00".'
    )


@strawberry.type
class CreateMemberPayload(Payload):
    member: Optional[MemberType] = None


@strawberry.input
class UpdateProfileInput:
    name: Optional[str] = None
    language: Optional[str] = None


@strawberry.type
class UpdateProfilePayload(Payload):
    member: Optional[MemberType] = None


@strawberry.input
class SetMemberStatusInput:
    member_id: strawberry.ID
    status: MemberStatusEnum


@strawberry.input
class SetMemberRoleInput:
    member_id: strawberry.ID
    role: RoleEnum


@strawberry.input
class UpdateMemberInput:
    member_id: strawberry.ID
    role: Optional[RoleEnum] = strawberry.field(default=None, description="Null: unchanged.")
    status: Optional[MemberStatusEnum] = strawberry.field(default=None, description="Null: unchanged.")


@strawberry.type
class SetMemberStatusPayload(Payload):
    member: Optional[MemberType] = None


@strawberry.type
class SetMemberRolePayload(Payload):
    member: Optional[MemberType] = None


@strawberry.type
class UpdateMemberPayload(Payload):
    member: Optional[MemberType] = None


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Sign in; starts a session cookie.")
    @mutation_payload(LoginPayload, allowed=None)
    def login(self, info: Info, input: LoginInput) -> LoginPayload:
        data = load(schemas.LoginSchema(), strawberry.asdict(input))
        db = info.context.session
        policy = throttle.Policy.from_config(current_app.config)
        attempt = throttle.begin_attempt(db, policy, data["email"], request.remote_addr)
        member = services.authenticate(db, passwords(), data["email"], data["password"])
        if member is None:
            # No exception, so no rollback: the attempt stays counted and slows the next ones.
            services.log.info("sign-in failed")
            return LoginPayload(
                errors=to_user_errors(DomainError(ErrorCode.UNAUTHENTICATED, INVALID_CREDENTIALS))
            )
        throttle.succeeded(db, attempt)
        start_session(member)
        info.context.viewer = member
        return LoginPayload(viewer=MemberType.from_model(member))

    @strawberry.mutation(description="Sign out; ends every session of the member, on every device.")
    @mutation_payload(LogoutPayload, allowed=None)
    def logout(self, info: Info) -> LogoutPayload:
        viewer = info.context.viewer
        if viewer is not None:
            services.end_sessions(viewer, "sign-out")
            info.context.session.flush()
        end_session()
        info.context.viewer = None
        return LogoutPayload()

    @strawberry.mutation(description="A bearer token for API clients; the secret is shown once.")
    @mutation_payload(CreateApiTokenPayload)
    def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        data = load(schemas.CreateApiTokenSchema(), strawberry.asdict(input))
        token, secret = services.create_api_token(info.context.session, info.context.viewer, data["name"])
        return CreateApiTokenPayload(token=secret, api_token=ApiTokenType.from_model(token))

    @strawberry.mutation(description="Revoke one of the viewer's API tokens.")
    @mutation_payload(RevokeApiTokenPayload)
    def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
        pk = node_pk(input.token_id, "ApiToken", "tokenId", NO_SUCH_TOKEN)
        token = services.revoke_api_token(info.context.session, info.context.viewer, pk)
        return RevokeApiTokenPayload(api_token=ApiTokenType.from_model(token))

    @strawberry.mutation(description="Add a member (admin).")
    @mutation_payload(CreateMemberPayload, allowed=permissions.is_admin)
    def create_member(self, info: Info, input: CreateMemberInput) -> CreateMemberPayload:
        data = load(schemas.CreateMemberSchema(), strawberry.asdict(input) | {"organization_id": None})
        if input.organization_id:
            data["organization_id"] = node_pk(input.organization_id, "Organization", "organizationId", NO_SUCH_ORGANIZATION)
        member = services.create_member(info.context.session, passwords(), actor=info.context.viewer, **data)
        return CreateMemberPayload(member=MemberType.from_model(member))

    @strawberry.mutation(description="Change the viewer's name or language.")
    @mutation_payload(UpdateProfilePayload)
    def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
        viewer = info.context.viewer
        data = load(schemas.UpdateProfileSchema(), strawberry.asdict(input))
        services.update_profile(viewer, **data)
        info.context.session.flush()
        if "language" in data:
            # The stored language now applies, rather than one picked for this session only.
            session.pop("lang", None)
        return UpdateProfilePayload(member=MemberType.from_model(viewer))

    @strawberry.mutation(description="Suspend, reinstate or mark a member as having left (admin).")
    @mutation_payload(SetMemberStatusPayload, allowed=permissions.is_admin)
    def set_member_status(self, info: Info, input: SetMemberStatusInput) -> SetMemberStatusPayload:
        member = services.update_member(info.context.session, info.context.viewer, node_pk(input.member_id, "Member", "memberId", NO_SUCH_MEMBER), status=input.status)
        return SetMemberStatusPayload(member=MemberType.from_model(member))

    @strawberry.mutation(description="Make a member a treasurer, an admin or a plain member (admin).")
    @mutation_payload(SetMemberRolePayload, allowed=permissions.is_admin)
    def set_member_role(self, info: Info, input: SetMemberRoleInput) -> SetMemberRolePayload:
        member = services.update_member(info.context.session, info.context.viewer, node_pk(input.member_id, "Member", "memberId", NO_SUCH_MEMBER), role=input.role)
        return SetMemberRolePayload(member=MemberType.from_model(member))

    @strawberry.mutation(description="Change a member's role and status at once, only what differs (admin).")
    @mutation_payload(UpdateMemberPayload, allowed=permissions.is_admin)
    def update_member(self, info: Info, input: UpdateMemberInput) -> UpdateMemberPayload:
        member = services.update_member(
            info.context.session, info.context.viewer, node_pk(input.member_id, "Member", "memberId", NO_SUCH_MEMBER), role=input.role, status=input.status
        )
        return UpdateMemberPayload(member=MemberType.from_model(member))
