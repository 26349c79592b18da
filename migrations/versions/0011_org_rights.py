"""organisations that run themselves: members' rights, the actor of each transfer, the
organisation's address and status

Revision ID: 0011_org_rights
Revises: 0010_skills
"""
from alembic import op
import sqlalchemy as sa
import models


revision = "0011_org_rights"
down_revision = "0010_skills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_rights",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("can_book", sa.Boolean(), nullable=False),
        sa.Column("can_pay", sa.Boolean(), nullable=False),
        sa.Column("can_handle_invoices", sa.Boolean(), nullable=False),
        sa.Column("can_list_resources", sa.Boolean(), nullable=False),
        sa.Column("can_provide_skills", sa.Boolean(), nullable=False),
        sa.Column("booking_cap", sa.BigInteger(), nullable=True),
        sa.Column("monthly_cap", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("booking_cap IS NULL OR booking_cap >= 0", name=op.f("ck_member_rights_booking_cap_not_negative")),
        sa.CheckConstraint("monthly_cap IS NULL OR monthly_cap >= 0", name=op.f("ck_member_rights_monthly_cap_not_negative")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_rights_member_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_member_rights_organization_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["members.id"], name=op.f("fk_member_rights_updated_by_id_members"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_rights")),
    )
    op.create_index(op.f("ix_member_rights_organization_id"), "member_rights", ["organization_id"], unique=False)
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum("ACTIVE", "SUSPENDED", name="organizationstatus", native_enum=False, length=20),
                server_default="ACTIVE",
                nullable=False,
            )
        )
    # Existing entries keep a null actor: who acted was not recorded then, and reads as unknown.
    with op.batch_alter_table("transfers") as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_transfers_actor_id_members"), "members", ["actor_id"], ["id"])
        batch_op.create_index(
            "ix_transfers_actor_id_from_account_id_created_at", ["actor_id", "from_account_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transfers") as batch_op:
        batch_op.drop_index("ix_transfers_actor_id_from_account_id_created_at")
        batch_op.drop_constraint(op.f("fk_transfers_actor_id_members"), type_="foreignkey")
        batch_op.drop_column("actor_id")
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("address")
    op.drop_index(op.f("ix_member_rights_organization_id"), table_name="member_rights")
    op.drop_table("member_rights")
