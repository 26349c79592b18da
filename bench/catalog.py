"""Catalogue benchmark: "what is free between A and B, first 50, with owner, site and next free
slot", through /graphql, against a hand-written SQL query returning the same rows serialised
with json.dumps, in the same run, on the same data.

    python -m bench.catalog [--resources 10000] [--bookings 200000] [--repeat 20]
                            [--database-url postgresql+psycopg://postgres@127.0.0.1/bench_catalog]

Without --database-url it builds a fresh SQLite file in a temporary directory. With one, the
database must be empty (it is migrated and filled). The bench resources are capacity-1
day-priced tools with no opening hours, which the SQL baseline handles exactly; the GraphQL
side runs the general code. The two answers are compared (ids and next free slots) before
timing: the script exits non-zero if they differ.
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
    a, b = anchor, anchor + dt.timedelta(days=2, hours=10)  # e.g. Tuesday 8:00 to Thursday 18:00
    variables = {"from": a.isoformat(), "to": b.isoformat(), "first": args.first}

    def graphql(first=args.first) -> bytes:
        response = client.post("/graphql", json={"query": QUERY, "variables": {**variables, "first": first}})
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

    # Same answer on both sides, before any timing.
    ours = json.loads(graphql())["data"]["resources"]["edges"]
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

    def timed(fn) -> float:
        samples = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    graphql(), baseline()  # warm caches
    ours_s, base_s = timed(graphql), timed(baseline)

    statements = {}
    for first in (10, args.first):
        counter = {"n": 0}

        def count(*_, counter=counter):
            counter["n"] += 1

        sa.event.listen(engine, "before_cursor_execute", count)
        graphql(first)
        sa.event.remove(engine, "before_cursor_execute", count)
        statements[first] = counter["n"]

    print(f"query: free from {a:%a %d %b %H:%M} to {b:%a %d %b %H:%M} UTC, first {args.first}, "
          f"{len(left)} rows, with owner, site and next free slot")
    print(f"/graphql median      {ours_s * 1000:8.1f} ms")
    print(f"SQL + json.dumps     {base_s * 1000:8.1f} ms")
    print(f"ratio                {ours_s / base_s:8.2f} x  (/graphql time / baseline time)")
    print("SQL statements per /graphql request: " + ", ".join(f"first {k}: {v}" for k, v in statements.items()))
    if len(set(statements.values())) != 1:
        print("the statement count grows with the page size", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
