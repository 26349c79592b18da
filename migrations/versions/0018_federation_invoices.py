"""federation invoices: cross-hub invoices (their side on each hub), joint clearing runs
between two hubs and their lines, the hold a prepared joint run keeps on an invoice, and the
invoice a payment between hubs pays

Revision ID: 0018_federation_invoices
Revises: 0017_federation
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = "0018_federation_invoices"
down_revision = "0017_federation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('joint_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('COORDINATOR', 'PARTICIPANT', name='transferrole', native_enum=False, length=20), nullable=False),
    sa.Column('state', sa.Enum('PROPOSED', 'ACCEPTED', 'PREPARING', 'PREPARED', 'COMMITTING', 'ABORTING', 'COMMITTED', 'ABORTED', name='jointrunstate', native_enum=False, length=20), nullable=False),
    sa.Column('gross_before', sa.BigInteger(), nullable=True),
    sa.Column('cleared', sa.BigInteger(), nullable=True),
    sa.Column('cleared_alone_here', sa.BigInteger(), nullable=True),
    sa.Column('cleared_alone_there', sa.BigInteger(), nullable=True),
    sa.Column('clearing_run_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('failure', sa.String(length=200), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['members.id'], name=op.f('fk_joint_runs_accepted_by_id_members')),
    sa.ForeignKeyConstraint(['clearing_run_id'], ['clearing_runs.id'], name=op.f('fk_joint_runs_clearing_run_id_clearing_runs')),
    sa.ForeignKeyConstraint(['peer_id'], ['peer_hubs.id'], name=op.f('fk_joint_runs_peer_id_peer_hubs')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['members.id'], name=op.f('fk_joint_runs_proposed_by_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_runs')),
    sa.UniqueConstraint('peer_id', 'uuid', name='uq_joint_runs_peer_id_uuid')
    )
    with op.batch_alter_table('joint_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_runs_peer_id'), ['peer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_runs_state'), ['state'], unique=False)

    op.create_table('peer_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('side', sa.Enum('CREDITOR', 'DEBTOR', name='invoiceside', native_enum=False, length=20), nullable=False),
    sa.Column('remote_account_ref', sa.String(length=40), nullable=False),
    sa.Column('remote_label', sa.String(length=160), nullable=False),
    sa.Column('synced', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_peer_invoices_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['peer_id'], ['peer_hubs.id'], name=op.f('fk_peer_invoices_peer_id_peer_hubs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_invoices')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_peer_invoices_invoice_id')),
    sa.UniqueConstraint('peer_id', 'uuid', name='uq_peer_invoices_peer_id_uuid')
    )
    with op.batch_alter_table('peer_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_invoices_peer_id'), ['peer_id'], unique=False)

    op.create_table('joint_run_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('joint_run_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('outstanding_before', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0 AND amount <= outstanding_before', name=op.f('ck_joint_run_lines_amount_bounds')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_joint_run_lines_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['joint_run_id'], ['joint_runs.id'], name=op.f('fk_joint_run_lines_joint_run_id_joint_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_run_lines'))
    )
    with op.batch_alter_table('joint_run_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_run_lines_joint_run_id'), ['joint_run_id'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_run_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invoices_joint_run_id'), ['joint_run_id'], unique=False)

    with op.batch_alter_table('inter_hub_transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inter_hub_transfers_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inter_hub_transfers_invoice_id_invoices'), 'invoices', ['invoice_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('inter_hub_transfers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inter_hub_transfers_invoice_id_invoices'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inter_hub_transfers_invoice_id'))
        batch_op.drop_column('invoice_id')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_joint_run_id'))
        batch_op.drop_column('joint_run_id')

    with op.batch_alter_table('joint_run_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_run_lines_joint_run_id'))

    op.drop_table('joint_run_lines')
    with op.batch_alter_table('peer_invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_invoices_peer_id'))

    op.drop_table('peer_invoices')
    with op.batch_alter_table('joint_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_runs_state'))
        batch_op.drop_index(batch_op.f('ix_joint_runs_peer_id'))

    op.drop_table('joint_runs')
