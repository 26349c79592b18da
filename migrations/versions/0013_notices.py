"""notices: kinds and parameters, preferences per category, an outbox that claims and retries

Revision ID: 0013_notices
Revises: 0012_invoice_events

The notices written before kinds existed keep their text as kind MESSAGE (category WAITLIST:
the waitlist was the only one to write them; their emails were already queued).
"""
from alembic import op
import sqlalchemy as sa

import models.base

revision = "0013_notices"
down_revision = "0012_invoice_events"
branch_labels = None
depends_on = None

CHANNEL = sa.Enum("IN_APP", "IMMEDIATE", "DIGEST", name="noticechannel", native_enum=False, length=20)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=20), server_default="WAITLIST", nullable=False))
        batch_op.add_column(sa.Column("kind", sa.String(length=40), server_default="MESSAGE", nullable=False))
        batch_op.add_column(sa.Column("params", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("delivery", CHANNEL, server_default="IN_APP", nullable=False))
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("emailed_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_notifications_delivery_emailed_at", ["delivery", "emailed_at"], unique=False)
    # Partial: only reminders have a key, so most notices (a payment's) skip this index.
    op.create_index(
        "uq_notifications_member_key", "notifications", ["member_id", "dedup_key"], unique=True,
        postgresql_where=sa.text("dedup_key IS NOT NULL"), sqlite_where=sa.text("dedup_key IS NOT NULL"),
    )

    with op.batch_alter_table("email_outbox") as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_email_outbox_next_attempt_at"), ["next_attempt_at"], unique=False)

    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("channel", CHANNEL, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_notification_preferences_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("member_id", "category", name="uq_notification_preferences_member_category"),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    with op.batch_alter_table("email_outbox") as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_outbox_next_attempt_at"))
        batch_op.drop_column("claim_token")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("next_attempt_at")
    op.drop_index("uq_notifications_member_key", table_name="notifications")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_index("ix_notifications_delivery_emailed_at")
        batch_op.drop_column("emailed_at")
        batch_op.drop_column("dedup_key")
        batch_op.drop_column("delivery")
        batch_op.drop_column("params")
        batch_op.drop_column("kind")
        batch_op.drop_column("category")
