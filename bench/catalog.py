"""Catalogue benchmark: "what is free between A and B, first 50, with owner, site and next free
slot", through /graphql, against two hand-written SQL queries in the same run, on the same data:

- the baseline: the same rows (owner, site, next free slot) serialised with json.dumps;
- the floor: the simplest correct "first 50 free resources between A and B", a NOT EXISTS
  over the bookings' index, ids only.

    python -m bench.catalog [--resources 10000] [--bookings 200000] [--repeat 20]
                            [--database-url postgresql+psycopg://postgres@127.0.0.1/bench_catalog]

Without --database-url it builds a fresh SQLite file in a temporary directory. With one, the
database must be empty (it is migrated and filled). The bench resources are capacity-1
day-priced tools with no opening hours, which the SQL queries handle exactly; the GraphQL
side runs the general code. The answers are compared (ids and next free slots) before timing.
The three sides are timed interleaved (A B C, then C B A, ...: the machine's load drifts) and
their medians compared. Goal: /graphql within 2x the floor, and as many SQL statements per
request for 10 as for 50 resources; the script exits non-zero if an answer differs or a goal
is missed.
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

# The floor: which resources are free, and nothing else.
MINIMAL = """
SELECT r.id FROM resources r
WHERE r.status = 'AVAILABLE'
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.resource_id = r.id
                  AND b.status IN ('REQUESTED', 'CONFIRMED', 'CHECKED_OUT')
                  AND b.blocked_from < :b AND b.blocked_until > :a)
  AND NOT EXISTS (SELECT 1 FROM resource_closures c WHERE c.resource_id = r.id
                  AND c.start < :b AND c."end" > :a)
ORDER BY r.title, r.id LIMIT :first
"""
GOAL = 2.0  # /graphql time / the floor's

WORDS = ["Scie", "Raboteuse", "Défonceuse", "Ponceuse", "Échafaudage", "Nacelle", "Humidimètre",
         "Perceuse", "Cloueur", "Compresseur", "Bétonnière", "Toupie", "Mortaiseuse", "Tronçonneuse"]
TOWNS = ["Cluses", "Sallanches", "Bonneville", "Taninges", "Marignier", "Passy", "Magland", "Thyez", "Scionzier"]


def fill(engine, resources: int, bookings: int, start: dt.datetime, seed: int = 7) -> None:
    from app.catalog.services import normalize
    from models import Booking, Member, Organization, Resource

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
        batch = []
        for rid in resource_ids:
            cursor = start - dt.timedelta(days=10)
            for _ in range(per_resource):
                cursor += dt.timedelta(hours=rng.randint(2, 120))
                length = dt.timedelta(hours=rng.choice([4, 8, 24, 48]))
                batch.append(dict(resource_id=rid, booker_id=member_id, start=cursor, end=cursor + length,
                                  blocked_from=cursor, blocked_until=cursor + length, quantity=1, exclusive=True,
                                  status="CONFIRMED", price=0, note="", decision_reason="", checkout_note="",
                                  return_note="", damage_reported=False, cancellation_fee=0, late_fee=0, created_at=now))
                cursor += length
            if len(batch) >= 20_000:
                conn.execute(sa.insert(Booking), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Booking), batch)


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

    def graphql(first=args.first) -> bytes:
        response = client.post("/graphql", json={"query": QUERY, "variables": {**variables, "first": first}}, headers=headers)
        assert response.status_code == 200
        return response.data

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
    from app.api.relay import parse_global_id

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
            ids = conn.execute(sa.text(MINIMAL), {"a": to_param(a), "b": to_param(b), "first": args.first}).scalars().all()
        return json.dumps({"data": {"resources": ids}})

    if json.loads(minimal())["data"]["resources"] != [rid for rid, _, _ in left]:
        print("MISMATCH between /graphql and the minimal query", file=sys.stderr)
        return 1

    sides = {"/graphql": graphql, "SQL + json.dumps": baseline, "minimal NOT EXISTS": minimal}
    samples = timed_interleaved(sides, args.repeat)
    ours_s, base_s, floor_s = (statistics.median(samples[name]) for name in sides)
    statements = {first: statement_count(engine, lambda first=first: graphql(first)) for first in (10, args.first)}

    print(f"query: free from {a:%a %d %b %H:%M} to {b:%a %d %b %H:%M} UTC, first {args.first}, "
          f"{len(left)} rows, with owner, site and next free slot; medians of {args.repeat}, interleaved")
    for name in sides:
        print(f"{name:<20} {statistics.median(samples[name]) * 1000:8.1f} ms")
    print(f"ratio to the baseline {ours_s / base_s:8.2f} x  (/graphql / the same rows by hand)")
    print(f"ratio to the floor    {ours_s / floor_s:8.2f} x  (/graphql / the minimal query; goal <= {GOAL:.0f}x: "
          f"{'met' if ours_s <= GOAL * floor_s else 'MISSED'})")
    print("SQL statements per /graphql request: " + ", ".join(f"first {k}: {v}" for k, v in statements.items()))
    failed = False
    if len(set(statements.values())) != 1:
        print("the statement count grows with the page size", file=sys.stderr)
        failed = True
    if ours_s > GOAL * floor_s:
        print(f"/graphql takes {ours_s / floor_s:.2f}x the minimal query, goal {GOAL:.0f}x", file=sys.stderr)
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
