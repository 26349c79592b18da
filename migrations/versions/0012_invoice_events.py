"""invoice events: cancellations and corrections with their reason

Revision ID: 0012_invoice_events
Revises: 0011_org_rights
"""
from alembic import op
import sqlalchemy as sa

import models.base

revision = "0012_invoice_events"
down_revision = "0011_org_rights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("CANCELLED", "CORRECTED", name="invoiceeventkind", native_enum=False, length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("amount_before", sa.BigInteger(), nullable=True),
        sa.Column("amount_after", sa.BigInteger(), nullable=True),
        sa.Column("due_date_before", sa.Date(), nullable=True),
        sa.Column("due_date_after", sa.Date(), nullable=True),
        sa.Column("memo_before", sa.String(length=500), nullable=True),
        sa.Column("memo_after", sa.String(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_invoice_events_actor_id_members")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_events_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_events")),
    )
    op.create_index(op.f("ix_invoice_events_invoice_id"), "invoice_events", ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_events_invoice_id"), table_name="invoice_events")
    op.drop_table("invoice_events")
