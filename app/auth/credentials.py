"""Accounts that run themselves: invitations by email, password change and reset, and the end of
every session of a member. The emails go through the mail outbox (`flask catalog send-mail`)
with absolute links built on the hub's BASE_URL.

A link is `<selector>.<verifier>`: the selector finds its row, only the verifier's SHA-256 is
stored, compared in constant time; a link works once, until it expires."""
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale, gettext

from app import permissions
from app.auth import services
from app.auth.passwords import Passwords
from app.errors import N_, DomainError, ErrorCode
from models import Member, MemberStatus, MemberToken, Organization, OutboxEmail, Role, TokenPurpose, utcnow

log = logging.getLogger("alveole.auth")

LINK_INVALID = N_("This link is not valid any more. Ask for a new one.")
WRONG_PASSWORD = N_("Your current password is not right.")
NO_SUCH_ORGANIZATION = N_("This organisation does not exist.")
# A member asking again within this time gets no second email (the same answer, though).
RESET_RESEND_AFTER = dt.timedelta(minutes=2)
PATHS = {TokenPurpose.INVITATION: "/invitation/", TokenPurpose.PASSWORD_RESET: "/password/reset/"}


@dataclasses.dataclass(frozen=True)
class MailSettings:
    base_url: str
    hub_name: str
    invitation_ttl: dt.timedelta
    reset_ttl: dt.timedelta

    @classmethod
    def from_config(cls, config) -> "MailSettings":
        return cls(
            base_url=config["BASE_URL"].rstrip("/"),
            hub_name=config["HUB_NAME"],
            invitation_ttl=dt.timedelta(days=config["INVITATION_DAYS"]),
            reset_ttl=dt.timedelta(minutes=config["PASSWORD_RESET_MINUTES"]),
        )


# --- Links -------------------------------------------------------------------------------------


def _digest(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def issue_link(
    session: so.Session, member: Member, purpose: TokenPurpose, ttl: dt.timedelta,
    created_by: Optional[Member] = None, now: Optional[dt.datetime] = None,
) -> str:
    """A new single-use link's token (shown once: only its verifier's hash is kept)."""
    now = now or utcnow()
    selector, verifier = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
    session.add(MemberToken(
        member_id=member.id, purpose=purpose, selector=selector, verifier_hash=_digest(verifier),
        created_by_id=created_by.id if created_by else None, created_at=now, expires_at=now + ttl,
    ))
    session.flush()
    return f"{selector}.{verifier}"


def find_link(
    session: so.Session, token: str, purpose: TokenPurpose, now: Optional[dt.datetime] = None
) -> Optional[tuple[MemberToken, Member]]:
    """The live link behind a token and its member, or None (unknown, used, expired, wrong
    purpose, or its member no longer active). Reads only."""
    now = now or utcnow()
    selector, _, verifier = (token or "").strip().partition(".")
    if not selector or not verifier or len(token) > 200:
        return None
    row = session.scalar(sa.select(MemberToken).where(MemberToken.selector == selector))
    if row is None or not hmac.compare_digest(row.verifier_hash, _digest(verifier)):
        return None
    if row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
        return None
    member = session.get(Member, row.member_id)
    if member is None or member.status != MemberStatus.ACTIVE:
        return None
    return row, member


def use_link(
    session: so.Session, passwords: Passwords, token: str, purpose: TokenPurpose, password: str,
    now: Optional[dt.datetime] = None,
) -> Member:
    """Set the member's password through a link, which then stops working, as do the member's
    other links and sessions. Two uses at once: one wins (a guarded update)."""
    now = now or utcnow()
    found = find_link(session, token, purpose, now)
    if found is None:
        raise DomainError(ErrorCode.INVALID, LINK_INVALID, "token")
    row, member = found
    claimed = session.execute(
        sa.update(MemberToken)
        .where(MemberToken.id == row.id, MemberToken.used_at.is_(None), MemberToken.expires_at > now)
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise DomainError(ErrorCode.INVALID, LINK_INVALID, "token")
    _set_password(session, passwords, member, password, now)
    member.last_login_at = now
    log.info("member %s set a password through a %s link", member.id, purpose.value.lower())
    return member


def _set_password(session: so.Session, passwords: Passwords, member: Member, password: str, now: dt.datetime) -> None:
    member.password_hash = passwords.hash(password)
    services.end_sessions(member, "new password")
    session.execute(
        sa.update(MemberToken)
        .where(MemberToken.member_id == member.id, MemberToken.used_at.is_(None))
        .values(used_at=now)
    )
    session.flush()


# --- Password change and reset ---------------------------------------------------------------


def change_password(
    session: so.Session, passwords: Passwords, member: Member, current: str, new: str
) -> Member:
    """The member's new password, given the current one. Every other session ends (the caller
    keeps its own going with the new session version)."""
    if not passwords.verify(member.password_hash, current):
        raise DomainError(ErrorCode.INVALID, WRONG_PASSWORD, "currentPassword")
    _set_password(session, passwords, member, new, utcnow())
    log.info("member %s changed their password", member.id)
    return member


def request_password_reset(
    session: so.Session, settings: MailSettings, email: str, now: Optional[dt.datetime] = None
) -> None:
    """Email a reset link to an active member with this address. The caller answers the same
    whatever happened, so that nobody learns who is a member."""
    now = now or utcnow()
    member = session.scalar(sa.select(Member).where(Member.email == services.normalize_email(email)))
    if member is None or member.status != MemberStatus.ACTIVE:
        log.info("password reset asked for no active member")
        return
    recent = session.scalar(
        sa.select(sa.func.count(MemberToken.id)).where(
            MemberToken.member_id == member.id,
            MemberToken.purpose == TokenPurpose.PASSWORD_RESET,
            MemberToken.created_at > now - RESET_RESEND_AFTER,
        )
    )
    if recent:
        log.info("password reset for member %s not sent again so soon", member.id)
        return
    token = issue_link(session, member, TokenPurpose.PASSWORD_RESET, settings.reset_ttl, now=now)
    minutes = int(settings.reset_ttl.total_seconds() // 60)
    with force_locale(member.language):
        subject = gettext("%(hub)s: choose a new password", hub=settings.hub_name)
        body = gettext(
            "Hello %(name)s,\n\nSomeone (you, we hope) asked to choose a new password for your account "
            "%(email)s on %(hub)s. Follow this link within %(minutes)s minutes; it works once:\n\n%(link)s\n\n"
            "If you did not ask, ignore this email: your password stays as it is.",
            name=member.name, email=member.email, hub=settings.hub_name, minutes=minutes,
            link=settings.base_url + PATHS[TokenPurpose.PASSWORD_RESET] + token,
        )
    session.add(OutboxEmail(to_address=member.email, subject=subject[:200], body=body))
    session.flush()
    log.info("password reset link sent to member %s", member.id)


# --- Invitations -----------------------------------------------------------------------------


def invite_member(
    session: so.Session,
    passwords: Passwords,
    actor: Member,
    settings: MailSettings,
    *,
    email: str,
    name: str,
    role: Role = Role.MEMBER,
    language: str = "fr",
    organization_id: Optional[int] = None,
) -> Member:
    """A new member, who chooses their password from the link emailed to them (their account
    cannot be signed into before). The admin invites anyone; an organisation's manager invites
    members into their organisation."""
    organization = None
    if organization_id is not None:
        organization = session.get(Organization, organization_id)
        if organization is None:
            raise DomainError(ErrorCode.NOT_FOUND, NO_SUCH_ORGANIZATION, "organizationId")
    if not permissions.can_invite_member(session, actor, organization_id, role):
        raise DomainError(ErrorCode.FORBIDDEN, services.NOT_ALLOWED)
    member = services.create_member(
        session, passwords, email=email, name=name,
        # Nobody knows it: the member signs in once they chose theirs through the link.
        password=secrets.token_urlsafe(32),
        role=role, language=language, organization_id=organization_id, invited_by=actor,
    )
    token = issue_link(session, member, TokenPurpose.INVITATION, settings.invitation_ttl, created_by=actor)
    with force_locale(member.language):
        subject = gettext("%(name)s invites you to %(hub)s", name=actor.name, hub=settings.hub_name)
        body = gettext(
            "Hello %(name)s,\n\n%(inviter)s invites you to %(hub)s: the shared equipment, spaces and skills "
            "of the hub, paid in mutual credit.\n\nChoose your password with this link (it works once, "
            "for %(days)s days):\n\n%(link)s\n\nYou will then sign in with this email address: %(email)s",
            name=member.name, inviter=actor.name, hub=settings.hub_name, email=member.email,
            days=settings.invitation_ttl.days, link=settings.base_url + PATHS[TokenPurpose.INVITATION] + token,
        )
    session.add(OutboxEmail(to_address=member.email, subject=subject[:200], body=body))
    session.flush()
    log.info("member %s invited by member %s (organisation %s)", member.id, actor.id, organization_id or "-")
    return member
