"""Issue 10's load goal: on gunicorn with the demo hub, 8 anonymous clients sending the most
expensive query the cost limit accepts cannot push a normal catalogue request past twice its
idle time (the catalogue's median under attack / idle, measured in the same run, before and
after the attack). Loopback only, bounded in time; exits 1 when the goal is missed.

    python -m bench.anonymous_load

(A stopwatch belongs here, not in the test suite: the gate's and the cost limit's rules are
tested without timing in tests/api/test_throttle.py and tests/api/test_request_limits.py.)"""
import contextlib
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.api import limits
from app.api.schema import schema
from graphql import parse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLIENTS = 8
SAMPLES = 9
LOAD_SECONDS = 25  # at most: the measurement ends as soon as the samples are taken


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - started


def _post(url: str, query: str) -> dict:
    request = urllib.request.Request(url, data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:  # a refusal (429...) is an answer too
        return {"status": exc.code}


def most_expensive_accepted_query(resources: int) -> str:
    """Aliases of the whole catalogue's free-slot search (it holds `resources`), each from
    another day and for another length so that nothing is shared between them, as many as
    the anonymous budget accepts."""
    today = dt.date.today()

    def query(count: int) -> str:
        return "{ " + " ".join(
            f'a{i}: resources(first: {resources}) {{ edges {{ node {{ title nextFreeSlot('
            f'after: "{today + dt.timedelta(days=1 + i)}T08:00:00+01:00", durationMinutes: {60 * (i + 1)}) {{ start }} }} }} }}'
            for i in range(count)
        ) + " }"

    count = 1
    while limits.query_cost(schema._schema, parse(query(count + 1)), {}) <= limits.ANONYMOUS_BUDGET:
        count += 1
    return query(count)


@contextlib.contextmanager
def server():
    instance = Path(tempfile.mkdtemp(prefix="alveole-load-"))
    env = {
        **os.environ, "ALVEOLE_INSTANCE_DIR": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'alveole.db'}",
        "ALVEOLE_PASSWORD_TIME_COST": "1", "ALVEOLE_PASSWORD_MEMORY_COST": "256", "SECRET_KEY": "load-test",
    }
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "setup-demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "4", "--worker-class", "gthread", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/login", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(server: str) -> int:
    resources = _post(f"{server}/graphql", "{ resources { totalCount } }")["data"]["resources"]["totalCount"]
    expensive = most_expensive_accepted_query(resources)
    answer = _post(f"{server}/graphql", expensive)
    if "errors" in answer or not any(
        edge["node"]["nextFreeSlot"] for alias in answer["data"].values() for edge in alias["edges"]
    ):
        print(f"the expensive query was not run: {answer}")
        return 1
    for _ in range(4 * 4):  # every worker warm: templates, translations, caches
        _get(f"{server}/catalogue")
        _post(f"{server}/graphql", expensive)
    idle_samples = [_get(f"{server}/catalogue") for _ in range(SAMPLES)]

    stop = threading.Event()
    answered, refused = [], []

    def attack():
        while not stop.is_set():
            body = _post(f"{server}/graphql", expensive)
            (answered if "data" in body and body["data"] else refused).append(1)

    attackers = [threading.Thread(target=attack) for _ in range(CLIENTS)]
    for thread in attackers:
        thread.start()
    try:
        time.sleep(1)  # the attack under way
        loaded = []
        deadline = time.monotonic() + LOAD_SECONDS
        while len(loaded) < SAMPLES and time.monotonic() < deadline:
            loaded.append(_get(f"{server}/catalogue"))
            time.sleep(0.5)  # spread over several seconds of attack
    finally:
        stop.set()
        for thread in attackers:
            thread.join(timeout=60)
    time.sleep(1)
    idle_samples += [_get(f"{server}/catalogue") for _ in range(SAMPLES)]  # before and after: the machine's own load varies
    idle = statistics.median(idle_samples)
    under_load = statistics.median(loaded)
    print(f"catalogue idle {idle * 1000:.0f} ms, under load {under_load * 1000:.0f} ms "
          f"(max {max(loaded) * 1000:.0f} ms); expensive queries answered {len(answered)}, refused {len(refused)}")
    if len(loaded) < SAMPLES or not answered:
        print("the attack did not run: no figure")
        return 1
    ratio = under_load / idle
    print(f"under load / idle: {ratio:.2f} (goal <= 2.00): {'met' if ratio <= 2 else 'MISSED'}")
    return 0 if ratio <= 2 else 1


def main() -> int:
    with server() as base:
        return measure(base)


if __name__ == "__main__":
    sys.exit(main())
