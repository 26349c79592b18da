"""clearing indexes: the invoices' source_booking_id and joint_run_id indexes keep only the
invoices that have one (posting a 10^5-invoice clearing run no longer re-inserts every
reduced invoice into them), and clearing_lines loses its (run, debtor) index, which no query
uses any more (a run's lines are read through the (run, invoice) unique constraint)

Revision ID: 0019_clearing_indexes
Revises: 0018_federation_invoices
"""
from alembic import op
import sqlalchemy as sa


revision = "0019_clearing_indexes"
down_revision = "0018_federation_invoices"
branch_labels = None
depends_on = None

PARTIAL = ("source_booking_id", "joint_run_id")


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        for column in PARTIAL:
            batch_op.drop_index(f'ix_invoices_{column}')
            batch_op.create_index(f'ix_invoices_{column}', [column], unique=False,
                                  postgresql_where=sa.text(f'{column} IS NOT NULL'),
                                  sqlite_where=sa.text(f'{column} IS NOT NULL'))
    with op.batch_alter_table('clearing_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_clearing_lines_run_debtor')


def downgrade() -> None:
    with op.batch_alter_table('clearing_lines', schema=None) as batch_op:
        batch_op.create_index('ix_clearing_lines_run_debtor', ['run_id', 'debtor_account_id'], unique=False)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        for column in PARTIAL:
            batch_op.drop_index(f'ix_invoices_{column}')
            batch_op.create_index(f'ix_invoices_{column}', [column], unique=False)
