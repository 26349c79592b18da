"""memos the hub writes, stored as a key and arguments

Revision ID: 0006_system_memos
Revises: 0005_bookings_on_account
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_system_memos"
down_revision = "0005_bookings_on_account"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("transfers", "holds", "invoices"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("system_memo", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("transfers", "holds", "invoices"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("system_memo")
