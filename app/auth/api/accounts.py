"""GraphQL of accounts that run themselves: invitations by email, password change, and the
forgotten password; the single-use links they send are read by `passwordLink`."""
import datetime as dt
from typing import Optional

import strawberry
from flask import current_app

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.permissions import require
from app.api.validation import load
from app.auth import credentials, schemas
from app.auth.api.types import MemberType, RoleEnum
from app.auth.loaders import keep_session, start_session
from app.errors import N_
from app.permissions import is_signed_in
from models import Role, TokenPurpose

NO_SUCH_ORGANIZATION = N_("This organisation does not exist.")

TokenPurposeEnum = strawberry.enum(TokenPurpose, name="PasswordLinkPurpose")


def _passwords():
    return current_app.extensions["passwords"]


def _mail_settings() -> credentials.MailSettings:
    return credentials.MailSettings.from_config(current_app.config)


@strawberry.type(description="What a single-use link from an email is for, and for whom.")
class PasswordLink:
    purpose: TokenPurposeEnum
    name: str
    email: str
    expires_at: dt.datetime


@strawberry.input
class InviteMemberInput:
    email: str
    name: str
    role: RoleEnum = Role.MEMBER
    language: str = "fr"
    organization_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="The organisation the member joins; its manager may invite."
    )


@strawberry.type
class InviteMemberPayload(Payload):
    member: Optional[MemberType] = None


@strawberry.input
class AcceptInvitationInput:
    token: str
    password: str


@strawberry.type
class AcceptInvitationPayload(Payload):
    viewer: Optional[MemberType] = None


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.type
class RequestPasswordResetPayload(Payload):
    pass


@strawberry.input
class ResetPasswordInput:
    token: str
    password: str


@strawberry.type
class ResetPasswordPayload(Payload):
    viewer: Optional[MemberType] = None


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type
class ChangePasswordPayload(Payload):
    member: Optional[MemberType] = None


def _use_link(info: Info, token: str, password: str, purpose: TokenPurpose) -> MemberType:
    data = load(schemas.SetPasswordSchema(), {"token": token, "password": password})
    member = credentials.use_link(info.context.session, _passwords(), data["token"], purpose, data["password"])
    start_session(member)  # with the new session version: every other session has ended
    info.context.viewer = member
    return MemberType.from_model(member)


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The live single-use link behind a token from an email, or null "
                      "(unknown, used or expired).")
    def password_link(self, info: Info, token: str, purpose: TokenPurposeEnum) -> Optional[PasswordLink]:
        found = credentials.find_link(info.context.session, token, purpose)
        if found is None:
            return None
        row, member = found
        return PasswordLink(purpose=row.purpose, name=member.name, email=member.email, expires_at=row.expires_at)


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(description="Invite a person by email: they choose their password from a "
                         "single-use link valid 7 days (the admin; an organisation's manager into it).")
    @mutation_payload(InviteMemberPayload)
    def invite_member(self, info: Info, input: InviteMemberInput) -> InviteMemberPayload:
        organization_id = (
            node_pk(input.organization_id, "Organization", "organizationId", NO_SUCH_ORGANIZATION)
            if input.organization_id else None
        )
        data = load(schemas.InviteMemberSchema(), {
            "email": input.email, "name": input.name, "role": input.role, "language": input.language,
        })
        member = credentials.invite_member(
            info.context.session, _passwords(), info.context.viewer, _mail_settings(), organization_id=organization_id, **data
        )
        return InviteMemberPayload(member=MemberType.from_model(member))

    @strawberry.mutation(description="Choose one's password from an invitation link; signs in.")
    @mutation_payload(AcceptInvitationPayload, allowed=None)
    def accept_invitation(self, info: Info, input: AcceptInvitationInput) -> AcceptInvitationPayload:
        return AcceptInvitationPayload(viewer=_use_link(info, input.token, input.password, TokenPurpose.INVITATION))

    @strawberry.mutation(description="Email a link to choose a new password (valid one hour). The "
                         "answer is the same whether the email belongs to a member or not.")
    @mutation_payload(RequestPasswordResetPayload, allowed=None)
    def request_password_reset(self, info: Info, input: RequestPasswordResetInput) -> RequestPasswordResetPayload:
        data = load(schemas.RequestPasswordResetSchema(), {"email": input.email})
        credentials.request_password_reset(info.context.session, _mail_settings(), data["email"])
        return RequestPasswordResetPayload()

    @strawberry.mutation(description="Choose a new password from a reset link; ends every other "
                         "session of the member and signs in.")
    @mutation_payload(ResetPasswordPayload, allowed=None)
    def reset_password(self, info: Info, input: ResetPasswordInput) -> ResetPasswordPayload:
        return ResetPasswordPayload(viewer=_use_link(info, input.token, input.password, TokenPurpose.PASSWORD_RESET))

    @strawberry.mutation(description="Change the viewer's password, given the current one; ends "
                         "the viewer's other sessions.")
    @mutation_payload(ChangePasswordPayload)
    def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordPayload:
        viewer = require(info, is_signed_in)
        data = load(schemas.ChangePasswordSchema(), strawberry.asdict(input))
        credentials.change_password(info.context.session, _passwords(), viewer, data["current_password"], data["new_password"])
        keep_session(viewer)  # this browser's session goes on, at the new version
        return ChangePasswordPayload(member=MemberType.from_model(viewer))
