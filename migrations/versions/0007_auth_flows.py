"""accounts that run themselves: session versions, single-use email links, sign-in throttling

Revision ID: 0007_auth_flows
Revises: 0006_system_memos
"""
from alembic import op
import sqlalchemy as sa
import models


revision = "0007_auth_flows"
down_revision = "0006_system_memos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))

    op.create_table(
        "member_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Enum("INVITATION", "PASSWORD_RESET", name="tokenpurpose", native_enum=False, length=20), nullable=False),
        sa.Column("selector", sa.String(length=32), nullable=False),
        sa.Column("verifier_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["members.id"], name=op.f("fk_member_tokens_created_by_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_tokens_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_tokens")),
        sa.UniqueConstraint("selector", name=op.f("uq_member_tokens_selector")),
    )
    op.create_index(op.f("ix_member_tokens_member_id"), "member_tokens", ["member_id"], unique=False)

    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_index(op.f("ix_login_throttles_last_failure_at"), "login_throttles", ["last_failure_at"], unique=False)

    # The per-email failure log it replaces: only recent rows mattered, none need keeping.
    op.drop_index(op.f("ix_login_failures_email"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_created_at"), table_name="login_failures")
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_created_at"), "login_failures", ["created_at"], unique=False)
    op.create_index(op.f("ix_login_failures_email"), "login_failures", ["email"], unique=False)

    op.drop_index(op.f("ix_login_throttles_last_failure_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
    op.drop_index(op.f("ix_member_tokens_member_id"), table_name="member_tokens")
    op.drop_table("member_tokens")

    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("session_version")
