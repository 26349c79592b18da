"""Catalogue benchmark: "what is free between A and B, first 50" through /graphql, each query
against a hand-written SQL query returning the same fields, in the same run, on the same data:

- the floor: the simplest correct "first 50 free resources between A and B" (a NOT EXISTS over
  the bookings' index) with id, title and owner name, against /graphql asking for just those;
- the page: the catalogue page's rows (owner, town, address, next free slot) by hand,
  serialised with json.dumps, against /graphql asking for the same.

    python -m bench.catalog [--resources 10000] [--bookings 200000] [--repeat 20]
                            [--database-url postgresql+psycopg://postgres@127.0.0.1/bench_catalog]

Without --database-url it builds a fresh SQLite file in a temporary directory. With one, the
database must be empty (it is migrated and filled). The bench resources are capacity-1
day-priced tools with no opening hours, which the SQL queries handle exactly; the GraphQL
side runs the general code. The answers are compared (ids and next free slots) before timing.
The four sides are timed interleaved (A B C D, then D C B A, ...: the machine's load drifts)
and their medians compared. Goals: each /graphql query within 2x its hand-written twin, and
as many SQL statements per request for 10 as for 50 resources; the script exits non-zero if
an answer differs or a goal is missed. The data is loaded with plain tuples (COPY on
PostgreSQL), so that the default 10,000 resources / 200,000 bookings load in seconds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time

import sqlalchemy as sa

LIGHT_QUERY = """query Free($from: DateTime!, $to: DateTime!, $first: Int!) {
  resources(availableFrom: $from, availableTo: $to, first: $first) { edges { node { id title ownerName } } }
}"""
QUERY = """query Free($from: DateTime!, $to: DateTime!, $first: Int!) {
  resources(availableFrom: $from, availableTo: $to, first: $first) {
    edges { node { id title town address ownerName nextFreeSlot(after: $from) { start end } } }
  }
}"""

BASELINE = """
WITH page AS MATERIALIZED (
  SELECT r.id, r.title, r.town, r.address, COALESCE(o.name, 'Alvéole') AS owner_name
  FROM resources r LEFT JOIN organizations o ON o.id = r.owner_organization_id
  WHERE r.status = 'AVAILABLE'
    AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.resource_id = r.id
                    AND b.status IN ('REQUESTED', 'CONFIRMED', 'CHECKED_OUT')
                    AND b.blocked_from < :b AND b.blocked_until > :a)
    AND NOT EXISTS (SELECT 1 FROM resource_closures c WHERE c.resource_id = r.id
                    AND c.start < :b AND c."end" > :a)
  ORDER BY r.title, r.id LIMIT :first
),
candidates AS MATERIALIZED (
  SELECT p.id AS rid, CAST(:a AS {ts}) AS t FROM page p
  UNION ALL
  SELECT b.resource_id, b.blocked_until FROM bookings b JOIN page p ON p.id = b.resource_id
  WHERE b.blocked_until >= :a AND b.status IN ('REQUESTED', 'CONFIRMED', 'CHECKED_OUT')
)
SELECT p.id, p.title, p.town, p.address, p.owner_name,
  (SELECT min(c.t) FROM candidates c WHERE c.rid = p.id AND NOT EXISTS (
     SELECT 1 FROM bookings b WHERE b.resource_id = c.rid
       AND b.status IN ('REQUESTED', 'CONFIRMED', 'CHECKED_OUT')
       AND b.start < {plus_day} AND b.blocked_until > c.t)) AS next_free
FROM page p ORDER BY p.title, p.id
"""

# The floor: which resources are free, with what LIGHT_QUERY asks, and nothing else.
MINIMAL = """
SELECT r.id, r.title, COALESCE(o.name, 'Alvéole') FROM resources r
LEFT JOIN organizations o ON o.id = r.owner_organization_id
WHERE r.status = 'AVAILABLE'
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.resource_id = r.id
                  AND b.status IN ('REQUESTED', 'CONFIRMED', 'CHECKED_OUT')
                  AND b.blocked_from < :b AND b.blocked_until > :a)
  AND NOT EXISTS (SELECT 1 FROM resource_closures c WHERE c.resource_id = r.id
                  AND c.start < :b AND c."end" > :a)
ORDER BY r.title, r.id LIMIT :first
"""
GOAL = 2.0  # /graphql time / its hand-written twin's, for each of the two queries

WORDS = ["Scie", "Raboteuse", "Défonceuse", "Ponceuse", "Échafaudage", "Nacelle", "Humidimètre",
         "Perceuse", "Cloueur", "Compresseur", "Bétonnière", "Toupie", "Mortaiseuse", "Tronçonneuse"]
TOWNS = ["Cluses", "Sallanches", "Bonneville", "Taninges", "Marignier", "Passy", "Magland", "Thyez", "Scionzier"]


def fill(engine, resources: int, bookings: int, start: dt.datetime, seed: int = 7) -> None:
    from app.catalog.services import normalize
    from models import Member, Organization, Resource

    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(sa.insert(Member), [dict(email="bench@example.test", name="Bench", password_hash="x",
                                              language="fr", role="MEMBER", status="ACTIVE", is_demo=False, created_at=now)])
        member_id = conn.scalar(sa.select(Member.id))
        conn.execute(sa.insert(Organization), [dict(name=f"Entreprise {i:03d}", kind="FIRM", town=rng.choice(TOWNS), created_at=now)
                                               for i in range(200)])
        org_ids = list(conn.scalars(sa.select(Organization.id)))
        rows = []
        for i in range(resources):
            title = f"{rng.choice(WORDS)} n° {i:05d}"
            town = rng.choice(TOWNS)
            rows.append(dict(kind="TOOL", owner_organization_id=rng.choice(org_ids + [None]), title=title,
                             description="", category="", address=f"{rng.randint(1, 200)} rue du Bois", town=town,
                             condition="", search_text=normalize(f"{title} {town}"), price=rng.randint(5, 200) * 100,
                             price_unit="DAY", capacity=1, max_advance_days=365, buffer_minutes=0,
                             approval_required=False, free_cancellation_hours=48, late_cancellation_fee_percent=50,
                             late_fee_per_day=0, status="AVAILABLE", created_at=now, updated_at=now))
        conn.execute(sa.insert(Resource), rows)
        resource_ids = list(conn.scalars(sa.select(Resource.id)))
        per_resource = max(1, bookings // len(resource_ids))
        # Plain tuples straight to the driver: SQLAlchemy's per-row work (a dict, type
        # processing) took minutes for 200,000 bookings.
        stamp = _stamp(engine)
        booked = []
        for rid in resource_ids:
            cursor = start - dt.timedelta(days=10)
            for _ in range(per_resource):
                cursor += dt.timedelta(hours=rng.randint(2, 120))
                end = cursor + dt.timedelta(hours=rng.choice([4, 8, 24, 48]))
                booked.append((rid, member_id, stamp(cursor), stamp(end), stamp(cursor), stamp(end), stamp(now)))
                cursor = end
        insert_tuples(conn, "bookings", _BOOKING_COLUMNS, [row + _BOOKING_CONSTANTS for row in booked])


# Every bench booking: a confirmed, exclusive, free booking of one unit, with nothing to say.
_BOOKING_COLUMNS = ("resource_id", "booker_id", "start", "end", "blocked_from", "blocked_until", "created_at",
                    "quantity", "exclusive", "status", "price", "note", "decision_reason", "checkout_note",
                    "return_note", "damage_reported", "cancellation_fee", "late_fee")
_BOOKING_CONSTANTS = (1, True, "CONFIRMED", 0, "", "", "", "", False, 0, 0)


def _stamp(engine):
    """A UTC datetime as the driver takes it: as is on PostgreSQL, SQLAlchemy's text on SQLite."""
    if engine.dialect.name == "postgresql":
        return lambda value: value
    return lambda value: value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def insert_tuples(conn, table: str, columns: tuple, rows: list[tuple]) -> None:
    """COPY on PostgreSQL, an executemany of tuples on SQLite, in the connection's transaction."""
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()
    if conn.dialect.name == "postgresql":
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("ALVEOLE_INSTANCE_DIR", tmp.name)
    from app import create_app, migrations
    from app.api.relay import parse_global_id
    from app.database import make_engine

    url = args.database_url or f"sqlite:///{tmp.name}/bench.db"
    engine = make_engine(url)
    migrations.upgrade(engine)
    anchor = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).replace(hour=7, minute=0, second=0, microsecond=0)
    t0 = time.perf_counter()
    fill(engine, args.resources, args.bookings, anchor)
    with engine.connect() as conn:
        counts = conn.execute(sa.text("SELECT (SELECT count(*) FROM resources), (SELECT count(*) FROM bookings)")).one()
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    print(f"data: {counts[0]} resources, {counts[1]} bookings on {engine.dialect.name} ({time.perf_counter() - t0:.1f} s to load)")

    app = create_app({"DATABASE_URL": url, "DATABASE_ENGINE": engine, "TESTING": True})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app)}"}  # a member's budget: the page asks this much
    a, b = anchor, anchor + dt.timedelta(days=2, hours=10)  # e.g. Tuesday 8:00 to Thursday 18:00
    variables = {"from": a.isoformat(), "to": b.isoformat(), "first": args.first}

    def graphql(first=args.first, query=QUERY) -> bytes:
        response = client.post("/graphql", json={"query": query, "variables": {**variables, "first": first}}, headers=headers)
        assert response.status_code == 200
        return response.data

    def light(first=args.first) -> bytes:
        return graphql(first, LIGHT_QUERY)

    if engine.dialect.name == "postgresql":
        sql = BASELINE.format(ts="timestamptz", plus_day="c.t + interval '1 day'")
    else:
        sql = BASELINE.format(ts="TEXT", plus_day="strftime('%Y-%m-%d %H:%M:%f000', c.t, '+1 day')")
    to_param = (lambda v: v) if engine.dialect.name == "postgresql" else (lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f"))

    def baseline() -> str:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(sql), {"a": to_param(a), "b": to_param(b), "first": args.first}).all()
        out = []
        for rid, title, town, address, owner, next_free in rows:
            start = next_free if isinstance(next_free, dt.datetime) else dt.datetime.fromisoformat(next_free).replace(tzinfo=dt.timezone.utc)
            out.append({"id": rid, "title": title, "town": town, "address": address, "ownerName": owner,
                        "nextFreeSlot": {"start": start.isoformat(), "end": (start + dt.timedelta(days=1)).isoformat()}})
        return json.dumps({"data": {"resources": out}})

    # Same answer on every side, before any timing.
    answer = json.loads(graphql())
    if answer.get("errors"):
        print(f"/graphql answered errors: {answer['errors']}", file=sys.stderr)
        return 1
    ours = answer["data"]["resources"]["edges"]
    theirs = json.loads(baseline())["data"]["resources"]
    left = [(parse_global_id(e["node"]["id"])[1], e["node"]["ownerName"], dt.datetime.fromisoformat(e["node"]["nextFreeSlot"]["start"])) for e in ours]
    right = [(r["id"], r["ownerName"], dt.datetime.fromisoformat(r["nextFreeSlot"]["start"])) for r in theirs]
    if left != right or not left:
        print("MISMATCH between /graphql and the SQL baseline", file=sys.stderr)
        for x, y in zip(left, right, strict=False):  # lengths may differ: the mismatch
            if x != y:
                print(" ", x, y, file=sys.stderr)
                break
        return 1

    def minimal() -> str:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(MINIMAL), {"a": to_param(a), "b": to_param(b), "first": args.first}).all()
        return json.dumps({"data": {"resources": [{"id": r, "title": t, "ownerName": o} for r, t, o in rows]}})

    light_answer = [(parse_global_id(e["node"]["id"])[1], e["node"]["ownerName"])
                    for e in json.loads(light())["data"]["resources"]["edges"]]
    floor_answer = [(r["id"], r["ownerName"]) for r in json.loads(minimal())["data"]["resources"]]
    if not light_answer == floor_answer == [(rid, owner) for rid, owner, _ in left]:
        print("MISMATCH between /graphql and the minimal query", file=sys.stderr)
        return 1

    sides = {"/graphql id, title, owner": light, "minimal NOT EXISTS": minimal,
             "/graphql page": graphql, "page SQL + json.dumps": baseline}
    samples = timed_interleaved(sides, args.repeat)
    statements = {
        name: {first: statement_count(engine, lambda first=first, fn=fn: fn(first)) for first in (10, args.first)}
        for name, fn in (("id, title, owner", light), ("page", graphql))
    }
    print(f"query: free from {a:%a %d %b %H:%M} to {b:%a %d %b %H:%M} UTC, first {args.first}, "
          f"{len(left)} rows; medians of {args.repeat}, interleaved")
    return report({name: statistics.median(times) for name, times in samples.items()}, statements)


def report(medians: dict[str, float], statements: dict[str, dict[int, int]]) -> int:
    """Print the medians and both ratios; 1 when a goal is missed."""
    for name, median in medians.items():
        print(f"{name:<26} {median * 1000:8.1f} ms")
    light, floor, page, by_hand = medians.values()
    failed = False
    for label, ours, theirs in (("id, title, owner: /graphql / minimal query", light, floor),
                                ("page: /graphql / the same rows by hand", page, by_hand)):
        met = ours <= GOAL * theirs
        print(f"{label:<44} {ours / theirs:6.2f} x  (goal <= {GOAL:.0f}x: {'met' if met else 'MISSED'})")
        failed |= not met
    for name, counts in statements.items():
        print(f"SQL statements per /graphql request ({name}): " + ", ".join(f"first {k}: {v}" for k, v in counts.items()))
        if len(set(counts.values())) != 1:
            print(f"the statement count grows with the page size ({name})", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def api_token(app) -> str:
    """A bearer token of the bench's member, as an API client would send."""
    from app.auth.services import create_api_token
    from app.database import get_session
    from models import Member

    with app.app_context():
        session = get_session()
        _, secret = create_api_token(session, session.scalars(sa.select(Member)).one(), "bench")
        session.commit()
    return secret


def timed_interleaved(sides: dict, repeat: int) -> dict[str, list[float]]:
    """Each side once per round, the order reversed every other round, after a warm-up round."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for fn in sides.values():
        fn()
    for round_ in range(repeat):
        for name in (list(sides) if round_ % 2 == 0 else list(reversed(sides))):
            start = time.perf_counter()
            sides[name]()
            samples[name].append(time.perf_counter() - start)
    return samples


def statement_count(engine, fn) -> int:
    counter = {"n": 0}

    def count(*_):
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return counter["n"]


if __name__ == "__main__":
    sys.exit(main())
