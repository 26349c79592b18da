"""Shared by the tests of invitations, password links, sessions and sign-in throttling."""
import re

import sqlalchemy as sa

from models import Member, OutboxEmail

LINK = re.compile(r"(https?://\S+?)(/(?:invitation|password/reset)/(\S+))")

VIEWER = "{ viewer { id name language } }"

INVITE = """mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { member { id name email organization { id name } } errors { code field message } }
}"""
ACCEPT = """mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { viewer { id name } errors { code field message } }
}"""
REQUEST_RESET = """mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { code field message } }
}"""
RESET = """mutation($input: ResetPasswordInput!) {
  resetPassword(input: $input) { viewer { id name } errors { code field message } }
}"""
CHANGE = """mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) { member { id } errors { code field message } }
}"""
LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { viewer { id } errors { code field message } }
}"""
PASSWORD_LINK = """query($token: String!, $purpose: PasswordLinkPurpose!) {
  passwordLink(token: $token, purpose: $purpose) { purpose name email expiresAt }
}"""


def outbox(db, to_address: str) -> list[OutboxEmail]:
    db.rollback()
    return list(db.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == to_address).order_by(OutboxEmail.id)))


def last_link(db, to_address: str) -> tuple[str, str, str]:
    """(base URL, path, token) of the link in the last email to this address."""
    mails = outbox(db, to_address)
    assert mails, f"no email to {to_address}"
    match = LINK.search(mails[-1].body)
    assert match, mails[-1].body
    return match.group(1), match.group(2), match.group(3)


def member_row(db, email: str) -> Member:
    db.rollback()
    return db.scalar(sa.select(Member).where(Member.email == email))


def org_id_of(api) -> str:
    return api.data("{ viewer { organization { id } } }")["viewer"]["organization"]["id"]
