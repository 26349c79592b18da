"""The database half of the clearing benchmark: a throw-away database holding the synthetic
economy as real accounts and accepted invoices, and the services timed on it."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import migrations
from app.database import make_engine
from app.ledger.services import invariant_violations
from app.treasury import runs
from app.treasury.clearing import ClearingResult, Debt
from models import Account, Invoice, InvoiceStatus, Member, Organization, Role, utcnow


class BenchDatabase:
    def __init__(self, backend: str, pg_url: str):
        if backend not in ("sqlite", "postgresql"):
            raise SystemExit(f"unknown backend {backend!r}")
        self.backend, self.pg_url = backend, pg_url
        self.name = f"alveole_bench_{os.getpid()}"

    # --- lifecycle: create, migrate, drop ---------------------------------------------------

    def __enter__(self) -> "BenchDatabase":
        if self.backend == "sqlite":
            self.tmp = tempfile.TemporaryDirectory(prefix="alveole-bench-")
            url = f"sqlite:///{self.tmp.name}/bench.db"
        else:
            admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
                c.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
            url = sa.engine.make_url(self.pg_url).set(database=self.name).render_as_string(hide_password=False)
        self.engine = make_engine(url)
        migrations.upgrade(self.engine)
        self.Session = so.sessionmaker(self.engine, expire_on_commit=False)
        return self

    def __exit__(self, *exc) -> None:
        self.engine.dispose()
        if self.backend == "sqlite":
            self.tmp.cleanup()
        else:
            admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()

    # --- phases ---------------------------------------------------------------------------------

    def load(self, debts: Sequence[Debt]) -> float:
        """One organisation and account per firm, a treasurer, every debt an accepted invoice."""
        start = time.perf_counter()
        firms = sorted({d.debtor for d in debts} | {d.creditor for d in debts})
        now = utcnow()
        with self.Session() as session, session.begin():
            treasurer = Member(email="tresorerie@bench.test", name="Trésorerie", password_hash="-", role=Role.TREASURER)
            session.add(treasurer)
            session.flush()
            self.treasurer_id = treasurer.id
            org_ids = session.scalars(
                sa.insert(Organization.__table__).returning(Organization.__table__.c.id, sort_by_parameter_order=True),
                [{"name": f"Firme {f}", "kind": "FIRM", "created_at": now} for f in firms],
            ).all()
            account_ids = session.scalars(
                sa.insert(Account.__table__).returning(Account.__table__.c.id, sort_by_parameter_order=True),
                [
                    {"kind": "ORGANIZATION", "name": f"Firme {f}", "organization_id": org_id, "status": "OPEN",
                     "balance": 0, "credit_limit": 0, "on_hold": 0, "created_at": now}
                    for f, org_id in zip(firms, org_ids, strict=True)
                ],
            ).all()
            self.account_of = dict(zip(firms, account_ids, strict=True))
            due = dt.date.today() + dt.timedelta(days=30)
            rows = [
                {"creditor_account_id": self.account_of[d.creditor], "debtor_account_id": self.account_of[d.debtor],
                 "amount": d.amount, "outstanding": d.amount, "status": InvoiceStatus.ACCEPTED.value, "memo": "",
                 "due_date": due, "created_at": now, "accepted_at": now}
                for d in debts
            ]
            for i in range(0, len(rows), 10_000):
                session.execute(sa.insert(Invoice.__table__), rows[i : i + 10_000])
        # What a live database has and a fresh bulk load lacks: planner statistics (autovacuum
        # would gather them) and no checkpoint pending from the load to land in a timed phase.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("ANALYZE"))
            if self.backend == "postgresql":
                c.execute(sa.text("CHECKPOINT"))
        return time.perf_counter() - start

    def _treasurer(self, session) -> Member:
        return session.get(Member, self.treasurer_id)

    def propose(self) -> tuple[int, float]:
        start = time.perf_counter()
        with self.Session() as session:
            run = runs.propose_clearing(session, self._treasurer(session))
            session.commit()
        return run.id, time.perf_counter() - start

    def post(self, run_id: int) -> float:
        start = time.perf_counter()
        with self.Session() as session:
            runs.post_clearing(session, self._treasurer(session), run_id)
            session.commit()
        return time.perf_counter() - start

    def check(self, run_id: int, expected: ClearingResult) -> tuple[list[str], float]:
        start = time.perf_counter()
        problems = []
        with self.Session() as session:
            run = session.get(runs.ClearingRun, run_id)
            if run.status.value != "POSTED":
                problems.append(f"{self.backend}: run is {run.status.value}")
            if (run.gross_before, run.cleared) != (expected.gross_before, expected.gross_cleared):
                problems.append(f"{self.backend}: run cleared {run.cleared}, solver {expected.gross_cleared}")
            after = runs.open_debts(session)
            if sum(d.amount for d in after) != expected.gross_after:
                problems.append(f"{self.backend}: invoices outstanding do not add up to gross after")
            problems += [f"{self.backend}: {p}" for p in invariant_violations(session)]
            # One CLEARING entry for the run, two postings per account it touches.
            entries, postings = session.execute(sa.text(
                "SELECT count(DISTINCT t.id), count(*) FROM transfers t JOIN postings p ON p.transfer_id = t.id"
                " WHERE t.kind = 'CLEARING'"
            )).one()
            accounts = session.scalar(sa.text(
                "SELECT count(*) FROM (SELECT debtor_account_id FROM clearing_lines"
                " UNION SELECT creditor_account_id FROM clearing_lines) a"
            ))
            if (entries, postings) != (1, 2 * accounts):
                problems.append(f"{self.backend}: {entries} CLEARING entries and {postings} postings for {accounts} accounts")
        return problems, time.perf_counter() - start
