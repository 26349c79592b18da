"""notices of jobs and receipts: the jobs' notices, written as free texts filed under
bookings before they had kinds of their own, move to the category SKILLS, and the payments'
receipts to PAYMENTS, so that a member's filter and choices find them where they now belong

Revision ID: 0021_job_and_receipt_notices
Revises: 0020_resources_free_search_index
"""
import sqlalchemy as sa
from alembic import op


revision = "0021_job_and_receipt_notices"
down_revision = "0020_resources_free_search_index"
branch_labels = None
depends_on = None

notifications = sa.table("notifications", sa.column("category", sa.String), sa.column("kind", sa.String),
                         sa.column("link", sa.String))
# The link each kind of free text pointed to, and the category it belongs to.
MOVED = [("/skills/jobs/%", "SKILLS"), ("/payments/%", "PAYMENTS")]


def upgrade() -> None:
    for link, category in MOVED:
        op.execute(notifications.update()
                   .where(notifications.c.kind == "MESSAGE", notifications.c.category == "BOOKINGS",
                          notifications.c.link.like(link))
                   .values(category=category))


def downgrade() -> None:
    for link, category in MOVED:
        op.execute(notifications.update()
                   .where(notifications.c.kind == "MESSAGE", notifications.c.category == category,
                          notifications.c.link.like(link))
                   .values(category="BOOKINGS"))
