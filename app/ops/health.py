"""`GET /healthz`: 200 when the database answers and its schema is at the migrations' head,
503 otherwise. For load balancers and monitors: no secrets, no counts, no sign-in."""
import logging
from functools import cache

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, jsonify

from app.database import get_engine
from app.migrations import alembic_config

log = logging.getLogger("alveole.ops")
bp = Blueprint("ops_health", __name__)


@cache
def head_revisions() -> frozenset[str]:
    """The revisions the code expects (read once: the migrations do not change while it runs)."""
    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    return frozenset(script.get_heads())


def database_revisions(engine: sa.Engine) -> frozenset[str]:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def check(engine: sa.Engine) -> tuple[bool, dict]:
    try:
        current = database_revisions(engine)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return False, {"status": "unavailable", "database": "unreachable"}
    if current != head_revisions():
        return False, {"status": "unavailable", "database": "ok", "schema": "behind"}
    return True, {"status": "ok", "database": "ok", "schema": "current"}


@bp.route("/healthz")
def healthz():
    healthy, body = check(get_engine())
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
