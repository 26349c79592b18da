"""Slowing down password guessing without locking anyone out.

Failed sign-ins are counted per email (someone guessing one member's password) and per client
address (someone trying one password on many emails). Past a few free failures, each further
attempt on the key must wait a delay that doubles with every failure, up to a cap: short for
an email (its owner waits at most a minute, however hard someone else tried), long for an
address. Once the delay has passed the right password is always accepted, and it clears its
email's count.

Atomic: an attempt is counted as a failure *before* the password is checked, on rows locked in
a fixed order (PostgreSQL row locks; SQLite's write lock, which a mutation holds), and given
back when the password was right. However many requests arrive at once, no more than the free
tries are checked before the delay starts.
"""
import dataclasses
import datetime as dt
import logging
import math
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from app.errors import N_, DomainError, ErrorCode
from models import LoginThrottle, utcnow

log = logging.getLogger("alveole.auth")

TOO_MANY = N_("Too many failed attempts. Try again in %(seconds)s seconds.")
PRUNE_BATCH = 100


@dataclasses.dataclass(frozen=True)
class Limit:
    free: int  # failures that cost no wait
    base: float  # seconds to wait after the first failure past them
    cap: float  # the longest wait

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** min(failures - self.free, 40))


@dataclasses.dataclass(frozen=True)
class Policy:
    email: Limit
    address: Limit
    forget_after: dt.timedelta  # a key quiet this long starts again from zero

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(
            email=Limit(config["LOGIN_FREE_FAILURES_PER_EMAIL"], config["LOGIN_DELAY_SECONDS"], config["LOGIN_MAX_DELAY_PER_EMAIL"]),
            address=Limit(
                config["LOGIN_FREE_FAILURES_PER_ADDRESS"], config["LOGIN_DELAY_SECONDS"], config["LOGIN_MAX_DELAY_PER_ADDRESS"]
            ),
            forget_after=dt.timedelta(seconds=config["LOGIN_FORGET_FAILURES_AFTER"]),
        )


@dataclasses.dataclass
class Attempt:
    """An attempt counted in advance: what to give back if the password is right."""

    email_key: str
    address_key: Optional[str]
    address_before: Optional[tuple[int, dt.datetime, dt.datetime]]


def email_key(email: str) -> str:
    return f"email:{email.strip().lower()[:254]}"


def address_key(remote_addr: Optional[str]) -> Optional[str]:
    return f"addr:{remote_addr[:64]}" if remote_addr else None


def begin_attempt(
    session: so.Session, policy: Policy, email: str, remote_addr: Optional[str], now: Optional[dt.datetime] = None
) -> Attempt:
    """Count a sign-in attempt on its email and its address, or refuse it with RATE_LIMITED
    while either must still wait. Runs in the request's write transaction."""
    limits = {email_key(email): policy.email}
    if (addr := address_key(remote_addr)) is not None:
        limits[addr] = policy.address
    rows = {key: _locked_row(session, key) for key in sorted(limits)}  # a fixed order: no deadlock
    # The time is read once the rows are ours: a request that waited for them must not compare
    # an earlier time with what the requests before it wrote.
    now = now or utcnow()
    wait = max((row.blocked_until - now).total_seconds() for row in rows.values())
    if wait > 0:
        log.info("sign-in refused: %s more seconds to wait", math.ceil(wait))
        raise DomainError(ErrorCode.RATE_LIMITED, TOO_MANY, seconds=math.ceil(wait))
    before = (rows[addr].failures, rows[addr].blocked_until, rows[addr].last_failure_at) if addr else None
    for key, row in rows.items():
        failures = row.failures if now - row.last_failure_at < policy.forget_after else 0
        row.failures = failures + 1
        row.last_failure_at = now
        row.blocked_until = now + dt.timedelta(seconds=limits[key].delay(row.failures))
    session.flush()
    _prune(session, policy, now)
    return Attempt(email_key(email), addr, before)


def succeeded(session: so.Session, attempt: Attempt) -> None:
    """The password was right: its email starts afresh; its address gets this attempt back
    (a spray from one address is not forgiven by signing into one's own account)."""
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == attempt.email_key))
    if attempt.address_key is not None and attempt.address_before is not None:
        failures, blocked_until, last_failure_at = attempt.address_before
        session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == attempt.address_key)
            .values(failures=failures, blocked_until=blocked_until, last_failure_at=last_failure_at)
        )


def _locked_row(session: so.Session, key: str) -> LoginThrottle:
    """The key's row, created if need be (concurrent creators do not clash), locked."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, blocked_until=epoch, last_failure_at=epoch)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.scalars(
        sa.select(LoginThrottle).where(LoginThrottle.key == key).with_for_update().execution_options(populate_existing=True)
    ).one()


def _prune(session: so.Session, policy: Policy, now: dt.datetime) -> None:
    """Forget keys long quiet (a spray over unknown emails leaves one row each). Rows another
    request holds are skipped, never waited for."""
    horizon = now - policy.forget_after - dt.timedelta(seconds=max(policy.email.cap, policy.address.cap))
    stale = (
        sa.select(LoginThrottle.key)
        .where(LoginThrottle.last_failure_at < horizon, LoginThrottle.blocked_until < now)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    keys = list(session.scalars(stale))
    if keys:
        session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
