"""Members, organisations, sign-in and API tokens: the rules, as plain functions."""
import datetime as dt
import hashlib
import logging
import secrets
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit, permissions
from app.auth.passwords import Passwords
from app.database import attach_loaded
from app.errors import N_, DomainError, ErrorCode
from app.ledger import services as ledger
from models import (
    ApiToken,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Role,
    utcnow,
)

log = logging.getLogger("alveole.auth")

TOKEN_PREFIX = "alv_"
NOT_ALLOWED = N_("You are not allowed to do this.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def siret_is_valid(siret: str) -> bool:
    """14 digits passing the Luhn check (La Poste's SIRETs follow another rule)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000"):
        return sum(int(d) for d in siret) % 5 == 0
    total = 0
    for i, digit in enumerate(reversed(siret)):
        n = int(digit) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _require_admin(actor: Optional[Member]) -> None:
    """`actor` None is the hub itself (demo seeding, commands); a person must be an admin."""
    if actor is not None and not permissions.is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, NOT_ALLOWED)


def create_organization(
    session: so.Session,
    name: str,
    kind: OrganizationKind = OrganizationKind.FIRM,
    siret: Optional[str] = None,
    town: Optional[str] = None,
    credit_limit: int = 0,
    actor: Optional[Member] = None,
    address: Optional[str] = None,
) -> Organization:
    """An organisation and its account, without a manager yet: the caller names one in the
    same transaction (create_member with a new organisation name, or
    app.organizations.services.create_organization)."""
    _require_admin(actor)
    name = name.strip()
    if session.scalar(sa.select(Organization.id).where(Organization.name == name)):
        raise DomainError(ErrorCode.CONFLICT, "An organisation with this name already exists.", "organizationName")
    if siret:
        siret = siret.replace(" ", "")
        if not siret_is_valid(siret):
            raise DomainError(ErrorCode.INVALID, "This SIRET number is not valid.", "siret")
        if session.scalar(sa.select(Organization.id).where(Organization.siret == siret)):
            raise DomainError(ErrorCode.CONFLICT, "An organisation with this SIRET already exists.", "siret")
    organization = Organization(name=name, kind=kind, siret=siret or None, town=town, address=address)
    session.add(organization)
    session.flush()
    ledger.open_organization_account(session, organization, credit_limit)
    log.info("organisation %s created by member %s", organization.id, actor.id if actor else "-")
    return organization


def create_member(
    session: so.Session,
    passwords: Passwords,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.MEMBER,
    language: str = "fr",
    organization_name: Optional[str] = None,
    organization_id: Optional[int] = None,
    organization_kind: OrganizationKind = OrganizationKind.FIRM,
    siret: Optional[str] = None,
    credit_limit: int = 0,
    is_demo: bool = False,
    actor: Optional[Member] = None,
    invited_by: Optional[Member] = None,
) -> Member:
    """A new member. A new `organization_name` creates that organisation with the member as
    its manager and the credit limit on its account; an existing organisation (`organization_id`,
    or the name of one) is joined, with no rights until its manager grants them, and the limit
    then goes to the member's own account. The trail records who added the member: the admin
    `actor`, or `invited_by` (whose right to invite the caller checked)."""
    _require_admin(actor)
    given = {"role": role, "credit_limit": credit_limit}
    if organization_id is not None:
        if organization_name:
            raise DomainError(
                ErrorCode.INVALID, "Choose an existing organisation or name a new one, not both.", "organizationName"
            )
        joined = session.get(Organization, organization_id)
        if joined is None:
            raise DomainError(ErrorCode.NOT_FOUND, "This organisation does not exist.", "organizationId")
        organization_name = joined.name
    email = normalize_email(email)
    if session.scalar(sa.select(Member.id).where(Member.email == email)):
        raise DomainError(ErrorCode.CONFLICT, "A member with this email already exists.", "email")
    member = Member(
        email=email,
        name=name.strip(),
        password_hash=passwords.hash(password),
        role=role,
        language=language,
        is_demo=is_demo,
    )
    session.add(member)
    organization = None
    if organization_name:
        organization = session.scalar(
            sa.select(Organization).where(Organization.name == organization_name.strip())
        )
        if organization is None:
            organization = create_organization(
                session, organization_name, organization_kind, siret, credit_limit=credit_limit
            )
            organization.manager = member
            credit_limit = 0
        member.organization = organization
    session.flush()
    if organization is None or organization.manager_id != member.id:
        ledger.open_member_account(session, member, credit_limit)
    author = invited_by or actor
    if author is not None:  # the hub seeding itself (demo, fixtures) is nobody's change
        if member.organization_id is not None:
            given["organization_id"] = member.organization_id
        action = "member.invited" if invited_by else "member.created"
        audit.record(session, author, action, member, None, given, subject=member)
    log.info(
        "member %s created (role %s, organisation %s) by member %s",
        member.id, role.value, member.organization_id or "-", actor.id if actor else "-",
    )
    return member


def update_profile(member: Member, name: Optional[str] = None, language: Optional[str] = None) -> Member:
    if name is not None:
        member.name = name.strip()
    if language is not None:
        member.language = language
    return member


def update_member(
    session: so.Session,
    actor: Member,
    member_id: int,
    role: Optional[Role] = None,
    status: Optional[MemberStatus] = None,
) -> Member:
    """Change a member's role and status (admin), each only if given and different. A suspended
    member's sessions and tokens stop working at their next request."""
    member = _other_member(session, actor, member_id)
    if status is not None and status != MemberStatus.ACTIVE:
        _require_not_managing(session, member)
    if role is not None and role != member.role:
        log.info("member %s role %s -> %s by member %s", member.id, member.role.value, role.value, actor.id)
        audit.record(session, actor, "member.role_set", member, {"role": member.role}, {"role": role}, subject=member)
        member.role = role
    if status is not None and status != member.status:
        log.info("member %s status %s -> %s by member %s", member.id, member.status.value, status.value, actor.id)
        audit.record(session, actor, "member.status_set", member, {"status": member.status}, {"status": status}, subject=member)
        member.status = status
        if status != MemberStatus.ACTIVE:
            end_sessions(member, "status " + status.value)
    session.flush()
    return member


def _require_not_managing(session: so.Session, member: Member) -> None:
    """An organisation always has a manager: its manager is not suspended, nor leaves, before
    another member takes the role over."""
    managed = session.scalar(sa.select(Organization).where(Organization.manager_id == member.id).limit(1))
    if managed is not None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "%(name)s manages %(organization)s: name another manager of it first.",
            "memberId", name=member.name, organization=managed.name,
        )


def _other_member(session: so.Session, actor: Member, member_id: int) -> Member:
    if not permissions.is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, NOT_ALLOWED)
    member = session.get(Member, member_id)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This member does not exist.", "memberId")
    if member.id == actor.id:
        # An admin who suspends or demotes themselves could lock the hub out of its own admin.
        raise DomainError(ErrorCode.INVALID, "You cannot change your own role or status.", "memberId")
    return member


def authenticate(
    session: so.Session, passwords: Passwords, email: str, password: str
) -> Optional[Member]:
    """The active member with these credentials, or None. Unknown email, wrong password and a
    suspended member all look the same to the caller."""
    member = session.scalar(sa.select(Member).where(Member.email == normalize_email(email)))
    ok = passwords.verify(member.password_hash if member else None, password)
    if not ok or member is None or member.status != MemberStatus.ACTIVE:
        return None
    member.last_login_at = utcnow()
    return member


def end_sessions(member: Member, reason: str) -> None:
    """End every session of the member: a session keeps the version it began with
    (app.auth.loaders), and no longer matches."""
    member.session_version = (member.session_version or 1) + 1
    log.info("sessions of member %s ended (%s)", member.id, reason)


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(session: so.Session, member: Member, name: str) -> tuple[ApiToken, str]:
    """A new token and its secret; only the secret's hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(member_id=member.id, name=name.strip(), token_hash=_token_hash(secret))
    session.add(token)
    session.flush()
    log.info("API token %s created by member %s", token.id, member.id)
    return token, secret


def revoke_api_token(session: so.Session, member: Member, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id:
        raise DomainError(ErrorCode.NOT_FOUND, "This token does not exist.", "tokenId")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        log.info("API token %s revoked by member %s", token.id, member.id)
    return token


# The active member behind a live token, and the token's id and last use: one query on the
# unique index of token_hash (built once: every API request runs it), read as plain rows: the
# ORM's loading of one row costs more than the query itself.
_MEMBER_ATTRIBUTES = tuple((prop.key, prop.columns[0]) for prop in so.class_mapper(Member).column_attrs)
_MEMBER_OF_TOKEN = (
    sa.select(ApiToken.id, ApiToken.last_used_at, *(column for _, column in _MEMBER_ATTRIBUTES))
    .join_from(ApiToken, Member, ApiToken.member_id == Member.id)
    .where(
        ApiToken.token_hash == sa.bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        Member.status == MemberStatus.ACTIVE,
    )
)
# A token's last use is recorded this precisely: a busy client must not turn every read into a write.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def member_for_token(session: so.Session, secret: str) -> Optional[tuple[Member, int, Optional[dt.datetime]]]:
    """(member, token id, token last used at) for a live bearer secret of an active member,
    else None. Reads only."""
    row = session.connection().execute(_MEMBER_OF_TOKEN, {"token_hash": _token_hash(secret)}).first()
    if row is None:
        return None
    token_id, last_used_at, *values = row
    attributes = {key: value for (key, _), value in zip(_MEMBER_ATTRIBUTES, values, strict=True)}
    member = session.identity_map.get(so.util.identity_key(Member, attributes["id"]))
    if member is None:
        member = attach_loaded(session, Member, attributes)
    return member, token_id, last_used_at


def token_use_is_stale(last_used_at: Optional[dt.datetime], now: Optional[dt.datetime] = None) -> bool:
    return last_used_at is None or last_used_at < (now or utcnow()) - TOKEN_USE_PRECISION


def touch_token(session: so.Session, token_id: int, now: Optional[dt.datetime] = None) -> None:
    """Record a token's use, unless another request recorded it within TOKEN_USE_PRECISION."""
    now = now or utcnow()
    session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token_id,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_USE_PRECISION),
        )
        .values(last_used_at=now)
    )
