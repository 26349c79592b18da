"""Fixtures after the flaskr tutorial: `app`, `client`, `runner`, and signed-in clients.

Every test that uses `app` runs twice: on SQLite and on PostgreSQL. Each pytest-xdist worker
gets its own SQLite file and its own PostgreSQL database, migrated once with Alembic; every
table is emptied after each test. Without a PostgreSQL server the PostgreSQL half is skipped,
except in CI (CI=true), where that is a failure.
"""
import contextlib
import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import appcontext_tearing_down

from app import create_app, migrations
from app.auth import services
from app.database import get_session, make_engine
from app.demo import DEMO_PASSWORD
from models import Base, Role

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("ALVEOLE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = os.environ.get("ALVEOLE_TEST_BACKENDS", "sqlite,postgresql").split(",")
TEST_CONFIG = {
    "TESTING": True,
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 256,
    # Requests of a test follow each other: the gate of anonymous API clients (one at a time,
    # half the time) is tested on its own (tests/api/test_request_limits.py, tests/load).
    "ANONYMOUS_API_GATE": False,
}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database(admin_url: str, prefix: str = "alveole_t") -> str:
    """Create an empty database for this checkout and worker; return its URL."""
    tag = hashlib.sha1(str(ROOT).encode()).hexdigest()[:6]
    name = f"{prefix}_{tag}_{_worker()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_available() -> str | None:
    engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql":
        problem = _postgres_available()
        if problem:
            if IN_CI:
                pytest.fail(f"PostgreSQL is required in CI but does not answer: {problem}")
            pytest.skip(f"PostgreSQL does not answer at {PG_ADMIN_URL}: {problem}")
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> str:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'alveole.db'}"
        return
    url = _postgres_database(PG_ADMIN_URL)
    yield url
    _drop_postgres_database(url)


@pytest.fixture(scope="session")
def engine(database_url):
    """The worker's engine, its schema created by the Alembic migrations."""
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


def empty_all_tables(engine) -> None:
    with engine.begin() as connection:
        with append_only_lifted(connection):
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@contextlib.contextmanager
def append_only_lifted(connection):
    """The audit trail refuses DELETE (its triggers, migration 0016): between tests only, they
    are set aside. PostgreSQL: this session fires no user trigger (superuser); SQLite: the
    triggers are dropped and created again from their own stored text."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield
        return
    triggers = connection.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'")
    ).all()
    for name, _sql in triggers:
        connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        connection.execute(sa.text(sql))


@pytest.fixture
def app(engine, tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": str(engine.url), "DATABASE_ENGINE": engine})
    yield app
    empty_all_tables(engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A session of its own, for arranging data and checking results. It starts read-only on
    SQLite (no write lock held while the test makes requests) and is rolled back after each
    request or command of the test's thread, so that its next read sees what they wrote. (No
    app context is kept pushed: requests would share its `g`, hence its session and user.)"""
    session = app.extensions["db_request_sessionmaker"]()
    thread = threading.get_ident()

    def refresh(sender, **extra):
        if threading.get_ident() == thread and not (session.new or session.dirty or session.deleted):
            session.rollback()

    appcontext_tearing_down.connect(refresh, app)
    yield session
    appcontext_tearing_down.disconnect(refresh, app)
    session.close()


# --- Arranging members ------------------------------------------------------------------------


@pytest.fixture
def make_member(app):
    """make_member(role=..., organization=..., credit_limit=cents) -> the member's email.
    Committed, so that requests and other threads see it."""
    counter = iter(range(1, 10_000))

    def make(name=None, role=Role.MEMBER, organization=None, credit_limit=0, language="fr", email=None):
        n = next(counter)
        with app.app_context():
            session = get_session()
            member = services.create_member(
                session,
                app.extensions["passwords"],
                email=email or f"member{n}@example.test",
                name=name or f"Member {n}",
                password=DEMO_PASSWORD,
                role=role,
                language=language,
                organization_name=organization,
                credit_limit=credit_limit,
            )
            session.commit()
            return member.email

    return make


class GraphQLClient:
    """A test client that speaks GraphQL: `gql(query, **variables)` returns the JSON body."""

    def __init__(self, client):
        self.client = client

    def gql(self, query: str, headers=None, **variables):
        response = self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
        assert response.status_code == 200, response.data
        return response.get_json()

    def data(self, query: str, **variables):
        body = self.gql(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def login(self, email: str, password: str = DEMO_PASSWORD):
        data = self.data(
            "mutation($input: LoginInput!) { login(input: $input) { viewer { id } errors { code message } } }",
            input={"email": email, "password": password},
        )
        assert data["login"]["errors"] == [], data
        return self


@pytest.fixture
def api(client) -> GraphQLClient:
    return GraphQLClient(client)


def _signed_in(app, make_member, role):
    email = make_member(role=getattr(Role, role), organization=f"{role.title()} org", credit_limit=100_000)
    return GraphQLClient(app.test_client()).login(email)


@pytest.fixture
def member_api(app, make_member) -> GraphQLClient:
    return _signed_in(app, make_member, "MEMBER")


@pytest.fixture
def treasurer_api(app, make_member) -> GraphQLClient:
    return _signed_in(app, make_member, "TREASURER")


@pytest.fixture
def admin_api(app, make_member) -> GraphQLClient:
    return _signed_in(app, make_member, "ADMIN")


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(url)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def sign_in(client, email, password=DEMO_PASSWORD):
    """Sign in through the login page, as a browser does; the response to the form."""
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client, "/login")})


def page_client(app, email):
    """A browser-like client signed in as `email`."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def assert_ledger_ok(app):
    """The ledger's invariants hold (balances sum to zero and equal their postings)."""
    from app.ledger.services import invariant_violations

    with app.app_context():
        assert invariant_violations(get_session()) == []


# --- Measuring work, not time (speed goals live in bench/) ---------------------------------------


class TooManyCalls(BaseException):
    """Raised inside the work measured by python_calls past its `stop_after` (a BaseException:
    no `except Exception` of the code under test swallows it)."""


def python_calls(work, stop_after: int | None = None) -> tuple[int, object]:
    """How many Python calls `work` makes (functions and builtins, as cProfile's total_calls),
    and its result: a measure of the work done that, unlike a stopwatch, does not depend on how
    loaded the machine is. With `stop_after`, a runaway is stopped there (TooManyCalls) rather
    than left to run for minutes."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event == "call" or event == "c_call":
            calls += 1
            if stop_after is not None and calls > stop_after:
                sys.setprofile(None)
                raise TooManyCalls(f"more than {stop_after:,} Python calls")

    sys.setprofile(count)
    try:
        result = work()
    finally:
        sys.setprofile(None)
    return calls, result


@contextlib.contextmanager
def sql_statements(engine):
    """The SQL statements sent through `engine` inside the block, as a list."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


class FakeClock:
    """A clock for a module that imported `time`: monkeypatch.setattr(module, "time", clock).
    sleep() records the delay asked for and moves the clock on at once, so a test checks the
    delay the code decided, not how long the machine took. Code that reads the clock in a loop
    without sleeping would never see it move: past `max_reads` reads, it fails the test."""

    def __init__(self, now: float = 1_000_000.0, max_reads: int = 10_000):
        self.now = now
        self.sleeps: list[float] = []
        self.reads = 0
        self.max_reads = max_reads

    def time(self) -> float:
        self.reads += 1
        if self.reads > self.max_reads:
            raise TooManyCalls(f"the clock read more than {self.max_reads:,} times: a busy wait?")
        return self.now

    monotonic = time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- Stripe through localstripe ------------------------------------------------------------------

STRIPE_TEST_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_alveole",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_alveole",
    "STRIPE_WEBHOOK_SECRET": "whsec_test_alveole",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe():
    """localstripe, the stateful Stripe emulator, on a free loopback port for the session; the
    real `stripe` library reaches it through STRIPE_API_BASE. Its URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def cards(app, localstripe) -> str:
    """Cards on: the app's Stripe settings point at localstripe, whose store starts empty."""
    urllib.request.urlopen(urllib.request.Request(f"{localstripe}/_config/data", method="DELETE"), timeout=10).close()
    app.config.update(STRIPE_TEST_KEYS, STRIPE_API_BASE=localstripe)
    return localstripe
