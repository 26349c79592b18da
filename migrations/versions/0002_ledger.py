"""ledger: index for statements by period

Revision ID: 0002_ledger
Revises: 0001_foundation
Create Date: 2026-11-26 04:47:13
"""
from alembic import op


revision = "0002_ledger"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A statement for a period reads one account's postings between two instants.
    op.create_index(
        "ix_postings_account_id_created_at", "postings", ["account_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_postings_account_id_created_at", table_name="postings")
