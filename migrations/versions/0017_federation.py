"""federation: peer hubs (each with a mirror account in the ledger), the nonces of their
signed messages, and the payments between hubs (two-phase, one row on each side)

Revision ID: 0017_federation
Revises: 0016_audit
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = "0017_federation"
down_revision = "0016_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('peer_hubs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('base_url', sa.String(length=300), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('rate', sa.String(length=30), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'SUSPENDED', name='peerstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_peer_hubs_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_hubs')),
    sa.UniqueConstraint('account_id', name=op.f('uq_peer_hubs_account_id')),
    sa.UniqueConstraint('hub_id', name=op.f('uq_peer_hubs_hub_id'))
    )
    op.create_table('peer_nonces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['peer_hubs.id'], name=op.f('fk_peer_nonces_peer_id_peer_hubs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_nonces')),
    sa.UniqueConstraint('peer_id', 'nonce', name='uq_peer_nonces_peer_id_nonce')
    )
    with op.batch_alter_table('peer_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_nonces_created_at'), ['created_at'], unique=False)

    op.create_table('inter_hub_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('COORDINATOR', 'PARTICIPANT', name='transferrole', native_enum=False, length=20), nullable=False),
    sa.Column('direction', sa.Enum('OUT', 'IN', name='transferdirection', native_enum=False, length=20), nullable=False),
    sa.Column('local_account_id', sa.Integer(), nullable=False),
    sa.Column('remote_account_ref', sa.String(length=40), nullable=False),
    sa.Column('remote_label', sa.String(length=160), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('remote_amount', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=500), nullable=False),
    sa.Column('state', sa.Enum('PREPARING', 'PREPARED', 'COMMITTING', 'ABORTING', 'COMMITTED', 'ABORTED', name='interhubstate', native_enum=False, length=20), nullable=False),
    sa.Column('failure', sa.String(length=200), nullable=True),
    sa.Column('hold_id', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0 AND remote_amount > 0', name=op.f('ck_inter_hub_transfers_amounts_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['members.id'], name=op.f('fk_inter_hub_transfers_actor_id_members')),
    sa.ForeignKeyConstraint(['hold_id'], ['holds.id'], name=op.f('fk_inter_hub_transfers_hold_id_holds')),
    sa.ForeignKeyConstraint(['local_account_id'], ['accounts.id'], name=op.f('fk_inter_hub_transfers_local_account_id_accounts')),
    sa.ForeignKeyConstraint(['peer_id'], ['peer_hubs.id'], name=op.f('fk_inter_hub_transfers_peer_id_peer_hubs')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_inter_hub_transfers_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inter_hub_transfers')),
    sa.UniqueConstraint('peer_id', 'uuid', name='uq_inter_hub_transfers_peer_id_uuid')
    )
    with op.batch_alter_table('inter_hub_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inter_hub_transfers_local_account_id'), ['local_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inter_hub_transfers_peer_id'), ['peer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inter_hub_transfers_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_inter_hub_transfers_transfer_id'), ['transfer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inter_hub_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inter_hub_transfers_transfer_id'))
        batch_op.drop_index(batch_op.f('ix_inter_hub_transfers_state'))
        batch_op.drop_index(batch_op.f('ix_inter_hub_transfers_peer_id'))
        batch_op.drop_index(batch_op.f('ix_inter_hub_transfers_local_account_id'))

    op.drop_table('inter_hub_transfers')
    with op.batch_alter_table('peer_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_nonces_created_at'))

    op.drop_table('peer_nonces')
    op.drop_table('peer_hubs')
