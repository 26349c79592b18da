"""photos of the damage found at a return

Revision ID: 0008_booking_ux
Revises: 0007_auth_flows
"""
from alembic import op
import sqlalchemy as sa

import models.base

revision = "0008_booking_ux"
down_revision = "0007_auth_flows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_booking_photos_booking_id_bookings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_photos")),
    )
    op.create_index(op.f("ix_booking_photos_booking_id"), "booking_photos", ["booking_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_booking_photos_booking_id"), table_name="booking_photos")
    op.drop_table("booking_photos")
