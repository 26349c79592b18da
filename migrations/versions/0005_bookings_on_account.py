"""bookings left on account

Revision ID: 0005_bookings_on_account
Revises: 0004_treasury
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_bookings_on_account"
down_revision = "0004_treasury"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.add_column(sa.Column("on_account", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.drop_column("on_account")
