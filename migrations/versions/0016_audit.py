"""audit: the append-only audit trail of administrative and money-shaping changes

Revision ID: 0016_audit
Revises: 0015_hardening
"""
from alembic import op
import sqlalchemy as sa


revision = "0016_audit"
down_revision = "0015_hardening"
branch_labels = None
depends_on = None

REFUSAL = "audit_entries is append-only"

# The database itself refuses to change or remove an entry, whatever the code does.
POSTGRESQL_UP = [
    f"""CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'raise_exception'; END $$""",
    """CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "DROP FUNCTION IF EXISTS audit_entries_append_only()",
]
SQLITE_UP = [
    f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_entries_no_delete", "DROP TRIGGER IF EXISTS audit_entries_no_update"]


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_member_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_audit_entries_actor_id_members")),
        sa.ForeignKeyConstraint(
            ["subject_member_id"], ["members.id"], name=op.f("fk_audit_entries_subject_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_created_at"), "audit_entries", ["created_at"])
    op.create_index(op.f("ix_audit_entries_actor_id"), "audit_entries", ["actor_id"])
    op.create_index(op.f("ix_audit_entries_action"), "audit_entries", ["action"])
    op.create_index(op.f("ix_audit_entries_subject_member_id"), "audit_entries", ["subject_member_id"])
    op.create_index("ix_audit_entries_object", "audit_entries", ["object_type", "object_id"])
    for statement in POSTGRESQL_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("audit_entries")
