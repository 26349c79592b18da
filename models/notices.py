"""What the hub tells its members: in-app notices, each member's choice of how they hear of
each category (in the app only, an email at once, or a daily digest), and the email outbox.

A notice stores its kind and parameters, never a sentence: it is put into words in the
reader's language when it is shown or mailed. `delivery` is the member's choice when the notice
was made; `emailed_at` is set, once, when its email (or the digest holding it) enters the
outbox. The outbox is shared with every other email of the hub (invitations, password
resets): `flask notices send-mail` claims rows atomically and sends each one once.
"""
import datetime as dt
import enum
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import _enum


class NoticeChannel(str, enum.Enum):
    IN_APP = "IN_APP"  # in the app only
    IMMEDIATE = "IMMEDIATE"  # and an email at once
    DIGEST = "DIGEST"  # and in a daily digest email


class Notification(Base):
    """An in-app notice to a member: a kind (see app.notices.kinds) and its parameters."""

    __tablename__ = "notifications"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    category: so.Mapped[str] = so.mapped_column(sa.String(20), default="BOOKINGS")
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), default="MESSAGE")
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # A free text, only for notices of kind MESSAGE (written before kinds existed).
    message: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    link: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    delivery: so.Mapped[NoticeChannel] = so.mapped_column(_enum(NoticeChannel), default=NoticeChannel.IN_APP)
    # A reminder's key ("booking:12:BOOKING_RETURN_DUE"): a member gets each one once.
    dedup_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[Optional[dt.datetime]]
    emailed_at: so.Mapped[Optional[dt.datetime]]

    __table_args__ = (
        # Partial: only reminders have a key, so most notices (a payment's) skip this index.
        sa.Index("uq_notifications_member_key", "member_id", "dedup_key", unique=True,
                 postgresql_where=sa.text("dedup_key IS NOT NULL"), sqlite_where=sa.text("dedup_key IS NOT NULL")),
        sa.Index("ix_notifications_delivery_emailed_at", "delivery", "emailed_at"),
    )


class NotificationPreference(Base):
    """How a member hears of one category of notices; without a row, the category's default."""

    __tablename__ = "notification_preferences"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    category: so.Mapped[str] = so.mapped_column(sa.String(20))
    channel: so.Mapped[NoticeChannel] = so.mapped_column(_enum(NoticeChannel))

    __table_args__ = (sa.UniqueConstraint("member_id", "category", name="uq_notification_preferences_member_category"),)


class OutboxEmail(Base):
    """An email waiting to be sent by `flask notices send-mail` (when SMTP is configured).
    A sender claims a row (claim_token, claimed_until) before sending it; a failure sets
    next_attempt_at further each time (the email is retried, never dropped)."""

    __tablename__ = "email_outbox"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    sent_at: so.Mapped[Optional[dt.datetime]]
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    next_attempt_at: so.Mapped[Optional[dt.datetime]] = so.mapped_column(index=True)
    claimed_until: so.Mapped[Optional[dt.datetime]]
    claim_token: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
