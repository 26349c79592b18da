"""the balance cap in the limit history; a resource's minimum notice

Revision ID: 0014_exports
Revises: 0013_notices
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_exports"
down_revision = "0013_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each change of an account's limits keeps both: the credit limit and the balance cap
    # (NULL: no cap). Before this revision nothing could set a cap, so NULL is the truth.
    with op.batch_alter_table("credit_limit_changes") as batch:
        batch.add_column(sa.Column("old_cap", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("new_cap", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("min_notice_hours", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint(op.f("ck_resources_min_notice_not_negative"), "min_notice_hours >= 0")


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_constraint(op.f("ck_resources_min_notice_not_negative"), type_="check")
        batch.drop_column("min_notice_hours")
    with op.batch_alter_table("credit_limit_changes") as batch:
        batch.drop_column("new_cap")
        batch.drop_column("old_cap")
