"""Engine and per-request session. SQLite runs in WAL mode with foreign keys on, and every
transaction takes the write lock up front (BEGIN IMMEDIATE) so that concurrent writers queue
instead of failing with 'database is locked' half-way through a request."""
import datetime as dt
import functools
import re
import time
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g, has_request_context

TIMEOUT_KEY = "alveole_statement_timeout_ms"


def literal_ids(ids) -> sa.BindParameter:
    """Thousands of ids for an IN (...), written into the SQL: as many bound parameters cost
    more than the query (psycopg parses the statement for each placeholder; a clearing run
    names ~3,000 accounts). Ints only, so nothing else can be written into the SQL."""
    return sa.bindparam("ids", [int(i) for i in ids], expanding=True, literal_execute=True)


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

    @sa.event.listens_for(engine, "before_cursor_execute")
    def start_clock(connection, _cursor, _statement, _parameters, _context, _executemany):
        # The statement timeout of a request (see _deadline): a progress handler interrupts
        # a statement that runs past it.
        timeout_ms = connection.info.get(TIMEOUT_KEY)
        if timeout_ms:
            deadline = time.monotonic() + timeout_ms / 1000
            connection.connection.dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection, record):
        if record.info.pop(TIMEOUT_KEY, None):  # the request's timeout ends with it
            dbapi_connection.set_progress_handler(None, 0)

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

    timeout_ms = int(app.config.get("STATEMENT_TIMEOUT_MS") or 0)
    if timeout_ms > 0:
        sa.event.listen(app.extensions["db_request_sessionmaker"], "after_begin", _deadline(timeout_ms))

    @app.teardown_appcontext
    def close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # anything not committed is rolled back


def _deadline(timeout_ms: int):
    """Each statement of a web request may run `timeout_ms`: PostgreSQL cancels a longer one
    (statement_timeout, for this transaction only); on SQLite a progress handler interrupts it
    (see _configure_sqlite). Either way the request fails with a masked, logged error and the
    worker is free again."""

    def after_begin(_session, _transaction, connection):
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout_ms}")
        elif connection.dialect.name == "sqlite":
            connection.info[TIMEOUT_KEY] = timeout_ms

    return after_begin


def get_session() -> so.Session:
    """The request's session: one per request, committed in one place (app.api.execution)."""
    if "db_session" not in g:
        # Only web requests start read-only: commands and workers write without a mutation.
        maker = "db_request_sessionmaker" if has_request_context() else "db_sessionmaker"
        g.db_session = current_app.extensions[maker]()
    return g.db_session


def opened_session() -> Optional[so.Session]:
    """The request's session if something opened it, else None (nothing to commit or roll back)."""
    return g.get("db_session")


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


# --- Plain SQL on the session's connection ----------------------------------------------------
#
# The hot paths (a payment, a clearing run) run their statements as plain SQL on the session's
# own DBAPI connection, inside its transaction: SQLAlchemy's per-statement work costs more than
# the database round trip itself. Statements are written with `:name` parameters.


@functools.lru_cache(maxsize=None)
def _dialect_sql(sql: str, paramstyle: str) -> str:
    # `::type` is a PostgreSQL cast, not a parameter.
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql) if paramstyle == "pyformat" else sql


def execute(session: so.Session, sql: str, params: dict | list[dict]):
    """Run plain SQL on the session's connection, in its transaction; returns the cursor."""
    connection = session.connection()
    return _run(connection.connection, connection.dialect.paramstyle, sql, params)


def _run(dbapi_connection, paramstyle: str, sql: str, params: dict | list[dict]):
    cursor = dbapi_connection.cursor()
    if isinstance(params, list):
        cursor.executemany(_dialect_sql(sql, paramstyle), params)
    else:
        cursor.execute(_dialect_sql(sql, paramstyle), params)
    return cursor


def execute_together(session: so.Session, statements: list[tuple[str, dict]]) -> list:
    """Run statements in order, in one round trip on PostgreSQL (psycopg's pipeline mode: a
    payment's statements would otherwise wait for the network one after the other); returns
    their cursors, to be read afterwards. An error in one aborts the transaction, as alone."""
    connection = session.connection()
    dbapi_connection, paramstyle = connection.connection, connection.dialect.paramstyle
    if connection.dialect.name != "postgresql" or len(statements) < 2:
        return [_run(dbapi_connection, paramstyle, sql, params) for sql, params in statements]
    with dbapi_connection.driver_connection.pipeline():
        return [_run(dbapi_connection, paramstyle, sql, params) for sql, params in statements]


def execute_as_one(session: so.Session, statements: list[tuple[str, dict]]):
    """Statements whose answers are not read, but the last one's, as one statement on
    PostgreSQL (one parse, bind and execute instead of one each): the first ones as
    data-modifying WITH clauses, which run exactly once each on the same snapshot, so none may
    depend on another's changes, and their parameter names must differ. Elsewhere they run in
    order. Returns the cursor of the last."""
    if session.get_bind().dialect.name != "postgresql" or len(statements) == 1:
        return [execute(session, sql, params) for sql, params in statements][-1]
    *first, (last_sql, _) = statements
    clauses = ", ".join(f"_{i} AS ({sql})" for i, (sql, _) in enumerate(first))
    params = {name: value for _, values in statements for name, value in values.items()}
    assert len(params) == sum(len(values) for _, values in statements), "parameter names must differ"
    return execute(session, f"WITH {clauses} {last_sql}", params)


def attach_loaded(session: so.Session, cls: type, values: dict):
    """An object of `cls` with these column values (its primary key among them), in the
    session as if it had loaded the row: persistent, nothing changed, its other attributes
    loaded when read. For rows read or written as plain SQL on a hot path: built as the ORM
    builds a loaded row, without the constructor's per-attribute events, which cost more than
    the query. An object of a rolled-back attempt with the same key (SQLite reuses ids) makes way."""
    instance = so.class_mapper(cls).class_manager.new_instance()
    instance.__dict__.update(values)
    so.make_transient_to_detached(instance)
    stale = session.identity_map.get(sa.inspect(instance).key)  # the key it was just given
    if stale is not None:
        session.expunge(stale)
    session.add(instance)
    return instance


def db_time(session: so.Session, value: dt.datetime):
    """A UTC datetime as the column stores it (SQLite: SQLAlchemy's naive text format)."""
    value = value.astimezone(dt.timezone.utc)
    if session.get_bind().dialect.name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
