"""The skills marketplace: skill offers (a SKILL resource and how it is sold), jobs and their
quotes, timeline and ratings, and training sessions with their seats.

A job ties a client (a member paying from an account) to an offer of a provider organisation.
Its money follows the ledger: accepting a quote places a hold of its price on the client's
account (or none, left on account); confirming captures it to the provider (or invoices it);
cancelling after acceptance releases it minus the offer's cancellation terms; a dispute's
settlement moves exactly the amount the treasurer decides.

Hours are integers in hundredths of an hour (`*_hundredths`: 150 is 1.50 h); money in minor
units. A rating's `visible_at` is when it may be shown: when both sides have rated, or 14 days
after it was given, so that the averages are a plain filter on it.
"""
import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import Base, utcnow
from models.members import _enum


class SkillPricing(str, enum.Enum):
    HOURLY = "HOURLY"  # the resource's price per hour
    PER_JOB = "PER_JOB"  # the resource's price for the whole job
    ON_QUOTE = "ON_QUOTE"  # the price comes with the provider's quote


class SkillDelivery(str, enum.Enum):
    ON_SITE = "ON_SITE"  # at the client's site
    AT_PROVIDER = "AT_PROVIDER"  # at the provider's premises
    REMOTE = "REMOTE"


class JobStatus(str, enum.Enum):
    REQUESTED = "REQUESTED"
    QUOTED = "QUOTED"
    ACCEPTED = "ACCEPTED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    DISPUTED = "DISPUTED"
    SETTLED = "SETTLED"


class JobSide(str, enum.Enum):
    CLIENT = "CLIENT"
    PROVIDER = "PROVIDER"


class JobEventKind(str, enum.Enum):
    REQUESTED = "REQUESTED"
    QUOTED = "QUOTED"
    DECLINED = "DECLINED"
    ACCEPTED = "ACCEPTED"
    CANCELLED = "CANCELLED"
    DELIVERED = "DELIVERED"
    CONFIRMED = "CONFIRMED"
    AUTO_CONFIRMED = "AUTO_CONFIRMED"
    DISPUTED = "DISPUTED"
    SETTLED = "SETTLED"
    MESSAGE = "MESSAGE"
    RATED = "RATED"


class SkillOffer(Base):
    """How a SKILL resource is sold. A skill resource without this row is sold by the hour,
    on site, and is not a training."""

    __tablename__ = "skill_offers"

    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    pricing: so.Mapped[SkillPricing] = so.mapped_column(_enum(SkillPricing), default=SkillPricing.HOURLY)
    delivery: so.Mapped[SkillDelivery] = so.mapped_column(_enum(SkillDelivery), default=SkillDelivery.ON_SITE)
    is_training: so.Mapped[bool] = so.mapped_column(default=False)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class SkillOfferProvider(Base):
    """A person of the provider organisation who delivers the offer."""

    __tablename__ = "skill_offer_providers"

    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)


class Job(Base):
    __tablename__ = "jobs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id"), index=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id"), index=True)
    client_account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accounts.id"), index=True)
    provider_organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    status: so.Mapped[JobStatus] = so.mapped_column(_enum(JobStatus), default=JobStatus.REQUESTED, index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    preferred_start: so.Mapped[Optional[dt.datetime]]
    preferred_end: so.Mapped[Optional[dt.datetime]]
    estimated_hundredths: so.Mapped[Optional[int]]
    pay_on_account: so.Mapped[bool] = so.mapped_column(default=False)
    # Fixed when the client accepts the last quote (no quote comes after an acceptance).
    price: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    accept_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(100))
    hold_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("holds.id"))
    transfer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("transfers.id"))
    invoice_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("invoices.id"))
    cancellation_fee: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    settled_amount: so.Mapped[Optional[int]] = so.mapped_column(sa.BigInteger)
    # Delivered: hours worked, and of them by people in an insertion programme or in training.
    worked_hundredths: so.Mapped[Optional[int]]
    insertion_hundredths: so.Mapped[Optional[int]]
    training_hundredths: so.Mapped[Optional[int]]
    reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")  # of a decline, cancellation or dispute
    decision: so.Mapped[str] = so.mapped_column(sa.String(2000), default="")  # the treasurer's, on a dispute
    decided_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    accepted_at: so.Mapped[Optional[dt.datetime]]
    delivered_at: so.Mapped[Optional[dt.datetime]]
    closed_at: so.Mapped[Optional[dt.datetime]]  # completed, declined, cancelled or settled

    __table_args__ = (
        sa.CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
        sa.CheckConstraint("cancellation_fee >= 0", name="cancellation_fee_not_negative"),
        sa.CheckConstraint("settled_amount IS NULL OR settled_amount >= 0", name="settled_amount_not_negative"),
        sa.CheckConstraint(
            "insertion_hundredths IS NULL OR insertion_hundredths <= worked_hundredths", name="insertion_within_worked"
        ),
        sa.CheckConstraint(
            "training_hundredths IS NULL OR training_hundredths <= worked_hundredths", name="training_within_worked"
        ),
        sa.UniqueConstraint("client_id", "accept_key", name="uq_jobs_accept_key"),
        sa.Index("ix_jobs_status_delivered_at", "status", "delivered_at"),
    )


class JobQuote(Base):
    """One quote of the provider; the last one counts."""

    __tablename__ = "job_quotes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    hours_hundredths: so.Mapped[int]
    price: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    start: so.Mapped[Optional[dt.datetime]]
    end: so.Mapped[Optional[dt.datetime]]
    conditions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("hours_hundredths > 0", name="hours_positive"),
    )


class JobEvent(Base):
    """A line of a job's timeline: a step, or a message between the two sides."""

    __tablename__ = "job_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[JobEventKind] = so.mapped_column(_enum(JobEventKind))
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("members.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class JobRating(Base):
    """One side's rating of the other, once per side and job."""

    __tablename__ = "job_ratings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    side: so.Mapped[JobSide] = so.mapped_column(_enum(JobSide))  # the side that rates
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id"))
    stars: so.Mapped[int]
    comment: so.Mapped[str] = so.mapped_column(sa.String(2000), default="")
    # Who is rated: the organisation (the provider, or the client's), and for a client's
    # rating the offer.
    rated_organization_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    resource_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("resources.id"), index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    visible_at: so.Mapped[dt.datetime]

    @classmethod
    def shown(cls, now: dt.datetime):
        """The WHERE clause of the ratings that may be shown at `now`."""
        return cls.visible_at <= now

    __table_args__ = (
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        sa.UniqueConstraint("job_id", "side", name="uq_job_ratings_job_side"),
    )


class TrainingSession(Base):
    """A dated session of a training offer, with a number of seats."""

    __tablename__ = "training_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    start: so.Mapped[dt.datetime]
    end: so.Mapped[dt.datetime]
    seats: so.Mapped[int]
    attendance_recorded_at: so.Mapped[Optional[dt.datetime]]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint('"end" > start', name="end_after_start"),
        sa.CheckConstraint("seats >= 1", name="seats_positive"),
    )


class SeatStatus(str, enum.Enum):
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"


class TrainingSeat(Base):
    """A member's seat in a session; `attended` once the provider recorded attendance."""

    __tablename__ = "training_seats"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[SeatStatus] = so.mapped_column(_enum(SeatStatus), default=SeatStatus.BOOKED)
    attended: so.Mapped[Optional[bool]]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("session_id", "member_id", name="uq_training_seats_session_member"),)
