"""People, the organisations they belong to, their API tokens, the single-use links that set a
password, and the throttling of sign-in attempts."""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow


class Role(str, enum.Enum):
    MEMBER = "MEMBER"
    TREASURER = "TREASURER"
    ADMIN = "ADMIN"


class MemberStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    LEFT = "LEFT"


class OrganizationStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class OrganizationKind(str, enum.Enum):
    FIRM = "FIRM"
    ASSOCIATION = "ASSOCIATION"
    INSERTION = "INSERTION"
    TRAINING = "TRAINING"
    PUBLIC_BODY = "PUBLIC_BODY"


def _enum(cls) -> sa.Enum:
    # Stored as plain strings (no native ENUM type) so that adding a value is a code change only.
    return sa.Enum(cls, native_enum=False, length=20, validate_strings=True)


class Organization(Base):
    __tablename__ = "organizations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160), unique=True)
    kind: so.Mapped[OrganizationKind] = so.mapped_column(_enum(OrganizationKind))
    siret: so.Mapped[Optional[str]] = so.mapped_column(sa.String(14), unique=True)
    town: so.Mapped[Optional[str]] = so.mapped_column(sa.String(120))
    address: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))
    # A suspended organisation keeps its members and its account, but nobody acts for it.
    status: so.Mapped[OrganizationStatus] = so.mapped_column(
        _enum(OrganizationStatus), default=OrganizationStatus.ACTIVE, server_default="ACTIVE"
    )
    manager_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("members.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    members: so.Mapped[list["Member"]] = so.relationship(
        back_populates="organization", foreign_keys="Member.organization_id", lazy="raise"
    )
    manager: so.Mapped[Optional["Member"]] = so.relationship(
        foreign_keys=[manager_id], post_update=True, lazy="raise"
    )


class Member(Base):
    __tablename__ = "members"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Stored lower-cased: the unique constraint then makes emails case-insensitive.
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    language: so.Mapped[str] = so.mapped_column(sa.String(2), default="fr")
    role: so.Mapped[Role] = so.mapped_column(_enum(Role), default=Role.MEMBER)
    status: so.Mapped[MemberStatus] = so.mapped_column(
        _enum(MemberStatus), default=MemberStatus.ACTIVE
    )
    organization_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    is_demo: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[Optional[dt.datetime]]
    # Kept in the session cookie at sign-in and compared at each request: raising it (sign-out,
    # a new password, a suspension) ends every session of the member, saved cookies included.
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    organization: so.Mapped[Optional[Organization]] = so.relationship(
        back_populates="members", foreign_keys=[organization_id], lazy="raise"
    )

    __table_args__ = (sa.CheckConstraint("language IN ('fr', 'en')", name="language"),)

    # flask-login's protocol, kept here so the model needs no Flask import.
    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class MemberRights(Base):
    """What a member may do for their organisation, as its manager set it; one row per member.
    The manager needs none (they may do everything); a member without a row may do nothing
    for the organisation. The rights hold for `organization_id` only: a member who moves to
    another organisation starts again with none. Caps in minor units, None for no cap."""

    __tablename__ = "member_rights"

    member_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    can_book: so.Mapped[bool] = so.mapped_column(default=False)
    can_pay: so.Mapped[bool] = so.mapped_column(default=False)
    can_handle_invoices: so.Mapped[bool] = so.mapped_column(default=False)
    can_list_resources: so.Mapped[bool] = so.mapped_column(default=False)
    can_provide_skills: so.Mapped[bool] = so.mapped_column(default=False)
    booking_cap: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    monthly_cap: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )

    __table_args__ = (
        sa.CheckConstraint("booking_cap IS NULL OR booking_cap >= 0", name="booking_cap_not_negative"),
        sa.CheckConstraint("monthly_cap IS NULL OR monthly_cap >= 0", name="monthly_cap_not_negative"),
    )


class ApiToken(Base):
    """A named bearer token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[Optional[dt.datetime]]
    revoked_at: so.Mapped[Optional[dt.datetime]]

    member: so.Mapped[Member] = so.relationship(lazy="raise")


class TokenPurpose(str, enum.Enum):
    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"


class MemberToken(Base):
    """A single-use, expiring link sent by email (an invitation, a password reset). The link
    carries `selector.verifier`: the selector finds the row, the verifier's SHA-256 is stored and
    compared in constant time, so the database never holds a usable link."""

    __tablename__ = "member_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[TokenPurpose] = so.mapped_column(_enum(TokenPurpose))
    selector: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    verifier_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime]
    used_at: so.Mapped[Optional[dt.datetime]]


class LoginThrottle(Base):
    """Failed sign-ins counted per key (`email:<address>` and `addr:<client address>`); after a
    few, each further attempt on the key waits until `blocked_until`, a delay that doubles."""

    __tablename__ = "login_throttles"

    key: so.Mapped[str] = so.mapped_column(sa.String(300), primary_key=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    blocked_until: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    last_failure_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
