"""Engine and per-request session. SQLite runs in WAL mode with foreign keys on, and every
transaction takes the write lock up front (BEGIN IMMEDIATE) so that concurrent writers queue
instead of failing with 'database is locked' half-way through a request."""
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g, has_request_context


def make_engine(url: str, **kwargs) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        # IMMEDIATE unless the session asked for a read-only start (see begin_write).
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def init_app(app: Flask) -> None:
    # Tests share one engine (and its pool) across the many apps they create.
    engine = app.config.get("DATABASE_ENGINE") or make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = so.sessionmaker(engine, expire_on_commit=False)
    # Requests start reading without the SQLite write lock; a mutation takes it (begin_write).
    app.extensions["db_request_sessionmaker"] = so.sessionmaker(
        engine, expire_on_commit=False, execution_options={"sqlite_begin": "DEFERRED"}
    )

    @app.teardown_appcontext
    def close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # anything not committed is rolled back


def get_session() -> so.Session:
    """The request's session: one per request, committed in one place (app.api.execution)."""
    if "db_session" not in g:
        # Only web requests start read-only: commands and workers write without a mutation.
        maker = "db_request_sessionmaker" if has_request_context() else "db_sessionmaker"
        g.db_session = current_app.extensions[maker]()
    return g.db_session


def begin_write(session: so.Session) -> None:
    """Before a request writes: on SQLite, restart its transaction with the write lock taken up
    front, so that it queues behind other writers instead of failing half-way when it upgrades
    a read snapshot that another writer has made stale. Nothing to do on PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.execution_options.get("sqlite_begin") == "IMMEDIATE" and session.in_transaction():
        return
    session.rollback()
    session.execution_options = session.execution_options.union({"sqlite_begin": "IMMEDIATE"})


def get_engine() -> sa.Engine:
    return current_app.extensions["db_engine"]
