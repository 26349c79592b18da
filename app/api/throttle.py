"""Anonymous API clients, one request at a time per address (for requests that cost more than
a public page: app.api.limits decides, once it knows the cost).

The cost limit (app.api.limits) bounds what one request may cost; this bounds how much of the
server an anonymous client takes: one request at a time per client address across every
worker of the host (a lock file per address bucket, taken with flock), and no more than half
of the time (after a request that ran t seconds, the next one of that address starts t seconds
later). The next request waits for its turn, a few seconds at most, then gets a 429
RATE_LIMITED. Waiting uses no CPU: with gunicorn's threaded workers, eight anonymous clients
hammering the API take half a core between them, and the catalogue is served beside them at
its usual speed. Signed-in members, API
tokens and the web pages (which run fixed operations in-process) are not gated."""
import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

BUCKETS = 1024  # addresses share a lock file only by hash collision
POLL_SECONDS = 0.02
SHARE_PAUSE = 1.0  # after a request of t seconds, the address waits t: at most half the time


def _read_float(fd: int) -> float:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        return float(os.read(fd, 64) or 0)
    except ValueError:
        return 0.0


def _write_float(fd: int, value: float) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, repr(value).encode())


def gate_directory(database_url: str) -> Path:
    """One directory per database: the workers of one hub share it, test databases do not."""
    tag = hashlib.sha1(database_url.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"alveole-api-gate-{tag}"


class Busy(Exception):
    """The address already has a request running, and its turn did not come in time."""


@contextmanager
def one_at_a_time(directory: Path, address: str, wait_seconds: float) -> Iterator[None]:
    directory.mkdir(mode=0o700, exist_ok=True)
    bucket = int(hashlib.sha1(address.encode()).hexdigest(), 16) % BUCKETS
    fd = os.open(directory / f"{bucket}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(address) from None
                time.sleep(POLL_SECONDS)
        try:
            not_before = _read_float(fd)
            pause = not_before - time.time()
            if pause > 0:
                if time.monotonic() + pause > deadline:
                    raise Busy(address)
                time.sleep(pause)
            started = time.time()
            try:
                yield
            finally:
                _write_float(fd, time.time() + (time.time() - started) * SHARE_PAUSE)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
