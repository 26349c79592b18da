"""The catalogue (tools, workspace slots, skills) and the bookings made on it.

A resource belongs to an organisation, or to the hub's shared pool when `owner_organization_id`
is NULL. Its rules are plain columns whose defaults are the hub's contract: bookable at any
hour, for any duration, up to a year ahead, without approval, cancelled free until 48 hours
before the start.

A booking occupies its resource over [start, end) and keeps it blocked for the resource's
buffer after it; `blocked_from`/`blocked_until` (start - buffer, end + buffer) are stored so
that both the booking service and the availability search compare plain columns:
two bookings clash when [start1, end1 + buffer) and [start2, end2 + buffer) overlap.
"""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import Member, Organization, _enum


class ResourceKind(str, enum.Enum):
    TOOL = "TOOL"
    WORKSPACE = "WORKSPACE"
    SKILL = "SKILL"


class PriceUnit(str, enum.Enum):
    HOUR = "HOUR"
    HALF_DAY = "HALF_DAY"
    DAY = "DAY"


# Length of one price unit. A half-day is half of a 24-hour day, like DAY is a whole one.
PRICE_UNIT_SECONDS = {PriceUnit.HOUR: 3600, PriceUnit.HALF_DAY: 12 * 3600, PriceUnit.DAY: 24 * 3600}


class ResourceStatus(str, enum.Enum):
    AVAILABLE = "AVAILABLE"
    MAINTENANCE = "MAINTENANCE"
    RETIRED = "RETIRED"


class BookingStatus(str, enum.Enum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    CHECKED_OUT = "CHECKED_OUT"
    RETURNED = "RETURNED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    NO_SHOW = "NO_SHOW"
    EXPIRED = "EXPIRED"  # a request nobody answered before its start


# Bookings in these states hold their slot in the calendar.
ACTIVE_BOOKING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_OUT)
ACTIVE_STATUS_VALUES = tuple(s.value for s in ACTIVE_BOOKING_STATUSES)


class ClosureKind(str, enum.Enum):
    CLOSED = "CLOSED"
    MAINTENANCE = "MAINTENANCE"


class Resource(Base):
    __tablename__ = "resources"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[ResourceKind] = so.mapped_column(_enum(ResourceKind), index=True)
    owner_organization_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    title: so.Mapped[str] = so.mapped_column(sa.String(160))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    category: so.Mapped[str] = so.mapped_column(sa.String(80), default="", index=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    town: so.Mapped[str] = so.mapped_column(sa.String(120), default="", index=True)
    condition: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # Lower-case, accent-free text of title, description, category and town, kept by the service.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    price: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    price_unit: so.Mapped[PriceUnit] = so.mapped_column(_enum(PriceUnit), default=PriceUnit.DAY)
    capacity: so.Mapped[int] = so.mapped_column(default=1)
    deposit: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)  # euro cents
    # --- Rules ---
    min_duration_minutes: so.Mapped[Optional[int]]
    max_duration_minutes: so.Mapped[Optional[int]]
    max_advance_days: so.Mapped[int] = so.mapped_column(default=365)
    # How long before its start a booking must be made ("book at least 24 h ahead"); 0: none.
    min_notice_hours: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    buffer_minutes: so.Mapped[int] = so.mapped_column(default=0)
    # {"0": [[480, 1080]], ...}: minutes from midnight (hub time) per ISO weekday - 1 (0 = Monday);
    # NULL means open at any hour; a missing weekday means closed that day.
    opening_hours: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)
    approval_required: so.Mapped[bool] = so.mapped_column(default=False)
    free_cancellation_hours: so.Mapped[int] = so.mapped_column(default=48)
    late_cancellation_fee_percent: so.Mapped[int] = so.mapped_column(default=50)
    late_fee_per_day: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    # A maintenance block closes the calendar after every N loans of a tool (None: never).
    maintenance_every_loans: so.Mapped[Optional[int]]
    maintenance_minutes: so.Mapped[int] = so.mapped_column(default=1440)
    status: so.Mapped[ResourceStatus] = so.mapped_column(
        _enum(ResourceStatus), default=ResourceStatus.AVAILABLE, index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    owner: so.Mapped[Optional[Organization]] = so.relationship(lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("deposit IS NULL OR deposit >= 0", name="deposit_not_negative"),
        sa.CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
        sa.CheckConstraint("max_advance_days >= 0", name="max_advance_not_negative"),
        sa.CheckConstraint("min_notice_hours >= 0", name="min_notice_not_negative"),
        sa.CheckConstraint(
            "late_cancellation_fee_percent BETWEEN 0 AND 100", name="cancellation_fee_percent"
        ),
        # The catalogue in title order; the capacity too, for the free search (queries.free_in_window).
        sa.Index("ix_resources_status_title_capacity", "status", "title", "id", "capacity"),
    )


class ResourceClosure(Base):
    """A period when the resource cannot be booked: closed, or in maintenance."""

    __tablename__ = "resource_closures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[ClosureKind] = so.mapped_column(_enum(ClosureKind), default=ClosureKind.CLOSED)
    start: so.Mapped[dt.datetime]
    end: so.Mapped[dt.datetime]
    reason: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint('"end" > start', name="end_after_start"),)


class BookingSeries(Base):
    """A weekly recurring booking (every Tuesday 8:00-12:00 until June): its occurrences are
    ordinary bookings that point to it."""

    __tablename__ = "booking_series"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id"), index=True)
    booker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id"), index=True)
    every_weeks: so.Mapped[int] = so.mapped_column(default=1)
    until: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class Booking(Base):
    __tablename__ = "bookings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id"))
    booker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id"), index=True)
    account_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("accounts.id"))
    start: so.Mapped[dt.datetime]
    end: so.Mapped[dt.datetime]
    blocked_from: so.Mapped[dt.datetime]
    blocked_until: so.Mapped[dt.datetime]
    quantity: so.Mapped[int] = so.mapped_column(default=1)
    # True when the resource had capacity 1 at booking time: PostgreSQL then also refuses any
    # overlap with an exclusion constraint, a second guard behind the resource row lock.
    exclusive: so.Mapped[bool] = so.mapped_column(default=True)
    status: so.Mapped[BookingStatus] = so.mapped_column(_enum(BookingStatus), index=True)
    price: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)  # fixed at booking time
    hold_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("holds.id"))
    # Left on account: no hold; what is due is invoiced to the booker when it falls due.
    on_account: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"))
    fee_transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"))
    idempotency_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(100))
    series_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("booking_series.id"), index=True)
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    decision_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    checkout_note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    return_note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    damage_reported: so.Mapped[bool] = so.mapped_column(default=False)
    cancellation_fee: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    late_fee: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    decided_at: so.Mapped[Optional[dt.datetime]]
    checked_out_at: so.Mapped[Optional[dt.datetime]]
    returned_at: so.Mapped[Optional[dt.datetime]]
    completed_at: so.Mapped[Optional[dt.datetime]]
    cancelled_at: so.Mapped[Optional[dt.datetime]]

    resource: so.Mapped[Resource] = so.relationship(lazy="raise")
    booker: so.Mapped[Member] = so.relationship(lazy="raise")

    __table_args__ = (
        sa.CheckConstraint('"end" > start', name="end_after_start"),
        sa.CheckConstraint("quantity >= 1", name="quantity_positive"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.UniqueConstraint("booker_id", "idempotency_key", name="uq_bookings_idempotency"),
        sa.Index("ix_bookings_resource_id_blocked_from", "resource_id", "blocked_from"),
        sa.Index("ix_bookings_resource_id_start", "resource_id", "start"),
    )


class CalendarFeed(Base):
    """A private iCalendar URL: a member's bookings, or a resource's calendar (for its owner).
    The token is the secret of the URL; creating a new feed replaces the old one."""

    __tablename__ = "calendar_feeds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    resource_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("member_id", "resource_id", name="uq_calendar_feeds_member_resource"),
        # One feed of a member's own bookings too (NULLs are distinct to the constraint above).
        sa.Index(
            "uq_calendar_feeds_member_own", "member_id", unique=True,
            sqlite_where=sa.text("resource_id IS NULL"), postgresql_where=sa.text("resource_id IS NULL"),
        ),
    )


class WaitlistStatus(str, enum.Enum):
    WAITING = "WAITING"
    NOTIFIED = "NOTIFIED"
    LEFT = "LEFT"


class WaitlistEntry(Base):
    """A member waiting for a taken slot; told when it frees up, first come first served."""

    __tablename__ = "waitlist_entries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    start: so.Mapped[dt.datetime]
    end: so.Mapped[dt.datetime]
    quantity: so.Mapped[int] = so.mapped_column(default=1)
    status: so.Mapped[WaitlistStatus] = so.mapped_column(_enum(WaitlistStatus), default=WaitlistStatus.WAITING)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    notified_at: so.Mapped[Optional[dt.datetime]]

    __table_args__ = (sa.Index("ix_waitlist_entries_resource_id_status", "resource_id", "status"),)


class ResourcePhoto(Base):
    """A photo of a resource, stored re-encoded as JPEG (never the uploaded bytes) with its
    thumbnail: the database holds everything, so a backup is complete."""

    __tablename__ = "resource_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    width: so.Mapped[int]
    height: so.Mapped[int]
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    thumbnail: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class BookingPhoto(Base):
    """A photo taken when a loan came back damaged (re-encoded JPEG and thumbnail, like a
    resource's photos): what the owner found, for the booker and a deposit claim to see."""

    __tablename__ = "booking_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    booking_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    width: so.Mapped[int]
    height: so.Mapped[int]
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    thumbnail: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
