"""resources free search index: the catalogue's index by status and title also holds the
capacity, so that the free search walks it in title order without reading each resource's row
(the capacity decides how a booking in the window counts)

Revision ID: 0020_resources_free_search_index
Revises: 0019_clearing_indexes
"""
from alembic import op


revision = "0020_resources_free_search_index"
down_revision = "0019_clearing_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_resources_status_title_capacity', 'resources', ['status', 'title', 'id', 'capacity'], unique=False)
    op.drop_index('ix_resources_status_title', table_name='resources')


def downgrade() -> None:
    op.create_index('ix_resources_status_title', 'resources', ['status', 'title', 'id'], unique=False)
    op.drop_index('ix_resources_status_title_capacity', table_name='resources')
