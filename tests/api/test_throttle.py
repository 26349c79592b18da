"""Sign-in throttling: per email and per client address, a delay that doubles, never a lock-out of
the owner, and atomic under a parallel burst (threads against the real database)."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.auth import throttle
from app.database import get_session
from app.demo import DEMO_PASSWORD
from app.errors import DomainError
from models import LoginThrottle
from tests.api.accounts_helpers import LOGIN

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def sign_in(app, email, password, address=ATTACKER):
    response = app.test_client().post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": email, "password": password}}},
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 200
    result = response.get_json()["data"]["login"]
    return result["errors"][0]["code"] if result["errors"] else "OK"


def test_a_spray_over_many_emails_from_one_address_is_slowed(app, make_member):
    app.config["LOGIN_DELAY_SECONDS"] = 30.0  # however slow the machine, the test ends within the first delay
    victims = [make_member() for _ in range(3)]
    emails = victims + [f"guess{i}@example.test" for i in range(17)]
    answers = [sign_in(app, email, "Summer2026!") for email in emails]
    free = app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]
    assert answers[:free] == ["UNAUTHENTICATED"] * free
    assert set(answers[free:]) == {"RATE_LIMITED"}
    # Even a right password waits from that address; from their own, the owners sign in.
    assert sign_in(app, victims[0], DEMO_PASSWORD) == "RATE_LIMITED"
    assert sign_in(app, victims[0], DEMO_PASSWORD, address=OWNER) == "OK"


def test_the_owner_is_never_locked_out_for_long(app, make_member, db):
    app.config["LOGIN_DELAY_SECONDS"] = 30.0
    email = make_member(language="en")
    for i in range(40):
        sign_in(app, email, f"wrong {i}", address=f"192.0.2.{i}")
    assert sign_in(app, email, DEMO_PASSWORD, address=OWNER) == "RATE_LIMITED"
    row = db.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == throttle.email_key(email)))
    wait = (row.blocked_until - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 0 < wait <= app.config["LOGIN_MAX_DELAY_PER_EMAIL"]
    # Once the delay has passed, the right password is accepted and the count starts afresh.
    db.execute(sa.update(LoginThrottle).values(blocked_until=dt.datetime.now(dt.timezone.utc)))
    db.commit()
    assert sign_in(app, email, DEMO_PASSWORD, address=OWNER) == "OK"
    db.rollback()
    assert db.scalar(sa.select(LoginThrottle.failures).where(LoginThrottle.key == throttle.email_key(email))) is None


def test_the_refusal_says_how_long_to_wait_in_the_members_language(app, make_member):
    app.config["LOGIN_DELAY_SECONDS"] = 30.0
    email = make_member()
    for _ in range(5):
        sign_in(app, email, "wrong password")
    response = app.test_client().post(
        "/graphql", json={"query": LOGIN, "variables": {"input": {"email": email, "password": DEMO_PASSWORD}}},
        environ_base={"REMOTE_ADDR": ATTACKER}, headers={"Accept-Language": "fr"},
    )
    (error,) = response.get_json()["data"]["login"]["errors"]
    assert error["code"] == "RATE_LIMITED"
    assert error["message"] == "Trop de tentatives échouées. Réessayez dans 30 secondes."


def _burst(app, attempts, emails, addresses):
    barrier = threading.Barrier(attempts)

    def attempt(i):
        barrier.wait()
        return sign_in(app, emails[i % len(emails)], f"wrong {i}", address=addresses[i % len(addresses)])

    with ThreadPoolExecutor(attempts) as pool:
        return list(pool.map(attempt, range(attempts)))


@pytest.mark.slow
def test_a_parallel_burst_on_one_email_gets_no_more_than_the_free_tries(app, make_member):
    app.config["LOGIN_DELAY_SECONDS"] = 30.0  # the burst surely ends within the first delay
    email = make_member()
    answers = _burst(app, 20, [email], [f"192.0.2.{i}" for i in range(20)])
    assert answers.count("UNAUTHENTICATED") == app.config["LOGIN_FREE_FAILURES_PER_EMAIL"]
    assert answers.count("RATE_LIMITED") == 20 - app.config["LOGIN_FREE_FAILURES_PER_EMAIL"]


@pytest.mark.slow
def test_a_parallel_spray_from_one_address_gets_no_more_than_the_free_tries(app):
    app.config["LOGIN_DELAY_SECONDS"] = 30.0
    answers = _burst(app, 20, [f"guess{i}@example.test" for i in range(20)], [ATTACKER])
    assert answers.count("UNAUTHENTICATED") == app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]


# --- The policy itself, with a clock of our own ---------------------------------------------------

POLICY = throttle.Policy(
    email=throttle.Limit(free=5, base=2.0, cap=60.0),
    address=throttle.Limit(free=10, base=2.0, cap=900.0),
    forget_after=dt.timedelta(hours=1),
)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def _try(session, email, at, address=None):
    try:
        throttle.begin_attempt(session, POLICY, email, address, now=at)
        return None
    except DomainError as exc:
        return exc.params["seconds"]


def test_the_delay_doubles_after_the_free_failures_and_stops_at_its_cap(app):
    with app.app_context():
        session = get_session()
        at = T0
        waits = []
        for _ in range(12):
            assert _try(session, "x@example.test", at) is None  # allowed once the wait is over
            row = session.get(LoginThrottle, "email:x@example.test")
            wait = (row.blocked_until - at).total_seconds()
            waits.append(wait)
            if wait:
                assert _try(session, "x@example.test", at + dt.timedelta(seconds=wait - 1)) == 1  # refused till then
            at += dt.timedelta(seconds=wait)
        assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]
        session.rollback()


def test_a_quiet_hour_forgets_the_failures_and_stale_keys_are_pruned(app):
    with app.app_context():
        session = get_session()
        for i in range(7):
            _try(session, "x@example.test", T0 + dt.timedelta(minutes=i))
        later = T0 + dt.timedelta(hours=2)
        assert _try(session, "x@example.test", later) is None
        assert session.get(LoginThrottle, "email:x@example.test").failures == 1
        _try(session, "y@example.test", T0)
        _try(session, "z@example.test", T0 + dt.timedelta(hours=3))
        assert session.get(LoginThrottle, "email:y@example.test") is None
        session.rollback()


@given(free=st.integers(1, 20), base=st.floats(0.1, 10), cap=st.floats(1, 3600), failures=st.integers(0, 10_000))
def test_the_delay_is_zero_before_the_free_failures_never_shrinks_and_never_passes_its_cap(free, base, cap, failures):
    limit = throttle.Limit(free, base, cap)
    delay = limit.delay(failures)
    assert 0 <= delay <= cap
    assert (delay == 0) == (failures < free)
    assert limit.delay(failures + 1) >= delay
