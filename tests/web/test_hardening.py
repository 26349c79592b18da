"""Issue 10: hostile requests at the edge of the web app (timeouts, control characters, deep
JSON, failing commits) and the hardening headers."""
import time

import pytest
import sqlalchemy as sa

from app import create_app, database
from tests.conftest import TEST_CONFIG


def _app_with(app, **config):
    """Another app on the test's database, with some settings changed at creation."""
    return create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                       "DATABASE_ENGINE": app.extensions["db_engine"], **config})


# --- Finding 3: a statement timeout per request -------------------------------------------------


def _slow_statement(session):
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(sa.text("SELECT pg_sleep(2)"))
    return session.execute(sa.text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) SELECT count(*) FROM n"
    ))


def test_a_request_statement_runs_at_most_the_statement_timeout(app):
    limited = _app_with(app, STATEMENT_TIMEOUT_MS=200)
    with limited.test_request_context():
        session = database.get_session()
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            _slow_statement(session)
        assert time.monotonic() - started < 1.5
        session.rollback()
        assert session.execute(sa.text("SELECT 1")).scalar() == 1  # the next statement has its own time
    # The connection goes back to the pool without the deadline: commands run free.
    with limited.extensions["db_engine"].connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
