"""hardening: one calendar feed of their own bookings per member

Revision ID: 0015_hardening
Revises: 0014_exports
"""
from alembic import op
import sqlalchemy as sa


revision = "0015_hardening"
down_revision = "0014_exports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Concurrent requests could leave several feeds of a member's own bookings: keep the newest.
    op.execute(
        "DELETE FROM calendar_feeds WHERE resource_id IS NULL AND id NOT IN ("
        " SELECT max(id) FROM calendar_feeds WHERE resource_id IS NULL GROUP BY member_id)"
    )
    op.create_index(
        "uq_calendar_feeds_member_own", "calendar_feeds", ["member_id"], unique=True,
        sqlite_where=sa.text("resource_id IS NULL"), postgresql_where=sa.text("resource_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_calendar_feeds_member_own", table_name="calendar_feeds")
