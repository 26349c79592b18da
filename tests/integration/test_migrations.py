"""Alembic owns the schema: from an empty database, the migrations build exactly the models."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import migrations
from app.database import make_engine
from models import Base, Member, Notification


def _fresh_engine(backend, tmp_path):
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'fresh.db'}"), None
    from tests.conftest import PG_ADMIN_URL, _drop_postgres_database, _postgres_database

    url = _postgres_database(PG_ADMIN_URL, prefix="alveole_m")
    return make_engine(url), lambda: _drop_postgres_database(url)


# Made by the migrations on PostgreSQL only, with SQL the models cannot express portably.
POSTGRESQL_ONLY = {"ix_resources_search_text_trgm"}


def _compared(name, type_, parent_names) -> bool:
    return name not in POSTGRESQL_ONLY


def test_migrations_from_empty_match_the_models(backend, tmp_path):
    engine, cleanup = _fresh_engine(backend, tmp_path)
    try:
        migrations.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": _compared})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        # And back down to nothing, then up again.
        migrations.downgrade(engine, "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert "members" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
        if cleanup:
            cleanup()


def test_notices_written_before_jobs_had_kinds_move_to_their_category(backend, tmp_path):
    engine, cleanup = _fresh_engine(backend, tmp_path)
    notices = Notification.__table__
    try:
        migrations.upgrade(engine, "0020_resources_free_search_index")
        with engine.begin() as connection:
            member_id = connection.execute(
                Member.__table__.insert().values(email="a@example.test", name="A", password_hash="")
            ).inserted_primary_key[0]
            for link in ("/skills/jobs/Sm9iOjE=", "/payments/UGF5bWVudDox", "/bookings"):
                connection.execute(notices.insert().values(member_id=member_id, message="texte", link=link))
        migrations.upgrade(engine)
        with engine.connect() as connection:
            moved = dict(connection.execute(sa.select(notices.c.link, notices.c.category)).all())
        assert moved == {"/skills/jobs/Sm9iOjE=": "SKILLS", "/payments/UGF5bWVudDox": "PAYMENTS", "/bookings": "BOOKINGS"}
    finally:
        engine.dispose()
        if cleanup:
            cleanup()
