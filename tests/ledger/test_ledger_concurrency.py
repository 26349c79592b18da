"""Many threads at once on a handful of hot accounts near their limits, on SQLite and on
PostgreSQL: no limit breached, no update lost, every accepted transfer in the ledger once."""
import random
import threading

import sqlalchemy as sa

from app.database import get_session
from app.errors import DomainError
from app.ledger.services import accounts, checks, holds, posting
from models import Account, Member, Transfer

THREADS = 16
HOT = 5
LIMIT = 5_000  # 50.00: a few payments take an account to its limit


def _writer(app):
    """A session that takes SQLite's write lock when its transaction begins (BEGIN IMMEDIATE),
    as a request does before a mutation: a transaction that read first and upgraded its lock
    later could fail against a concurrent writer. PostgreSQL needs nothing of the sort."""
    return app.extensions["db_sessionmaker"]()


def _members(app, emails):
    with app.app_context():
        db = get_session()
        members = [db.scalar(sa.select(Member).where(Member.email == e)) for e in emails]
        ids = [(m.id, accounts.paying_account(db, m).id) for m in members]
        db.commit()
        return ids


def _run_threads(worker, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(n):
        try:
            barrier.wait()
            worker(n)
        except BaseException as exc:  # anything but a DomainError is a bug: report it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors


def test_hot_accounts_hammered_by_sixteen_threads(app, make_member):
    emails = [make_member(organization=f"Hot {i}", credit_limit=LIMIT) for i in range(HOT)]
    people = _members(app, emails)
    accepted, refused = [], []

    def worker(n):
        rng = random.Random(n)
        with app.app_context(), _writer(app) as db:
            for _ in range(25):
                (payer_id, source_id), (_, target_id) = rng.sample(people, 2)
                payer = db.get(Member, payer_id)
                source = db.get(Account, source_id)
                amount = rng.randint(500, 3_000)
                try:
                    entry = posting.transfer(db, payer, from_account=source, to_account_id=target_id, amount=amount,
                                            idempotency_key=f"t{n}-{len(accepted) + len(refused)}-{rng.random()}")
                    db.commit()
                    accepted.append((entry.id, amount))
                except DomainError as exc:
                    db.rollback()
                    assert exc.code.value == "CREDIT_LIMIT_EXCEEDED"
                    refused.append(amount)

    _run_threads(worker, THREADS)
    assert accepted and refused, "the test must push accounts to their limits"
    with app.app_context():
        db = get_session()
        assert checks.invariant_violations(db) == []
        assert checks.accounts_over_limit(db) == []
        rows = db.execute(sa.select(Transfer.id, Transfer.amount)).all()
        assert sorted(rows) == sorted(accepted)  # every accepted transfer, once, and nothing else
        balances = db.scalars(sa.select(Account.balance).where(Account.id.in_([a for _, a in people]))).all()
        assert min(balances) >= -LIMIT and sum(balances) == 0


def test_holds_and_transfers_race_without_breaching_limits(app, make_member):
    emails = [make_member(organization=f"Mix {i}", credit_limit=LIMIT) for i in range(HOT)]
    people = _members(app, emails)

    def worker(n):
        rng = random.Random(1000 + n)
        with app.app_context(), _writer(app) as db:
            for _ in range(15):
                (payer_id, source_id), (_, target_id) = rng.sample(people, 2)
                payer, source = db.get(Member, payer_id), db.get(Account, source_id)
                try:
                    if rng.random() < 0.5:
                        posting.transfer(db, payer, from_account=source, to_account_id=target_id, amount=rng.randint(300, 2_000))
                    else:
                        hold = holds.place_hold(db, payer, source, rng.randint(300, 2_000))
                        db.commit()
                        if rng.random() < 0.5:
                            holds.capture_hold(db, payer, hold.id, to_account_id=target_id, amount=max(1, hold.amount // 2))
                        else:
                            holds.release_hold(db, hold.id)
                    db.commit()
                except DomainError as exc:
                    db.rollback()
                    assert exc.code.value == "CREDIT_LIMIT_EXCEEDED"

    _run_threads(worker, THREADS)
    with app.app_context():
        db = get_session()
        assert checks.invariant_violations(db) == []
        assert checks.accounts_over_limit(db) == []


def test_same_key_sent_at_once_pays_once(app, make_member):
    emails = [make_member(organization="Payeur", credit_limit=100_000), make_member(organization="Payé")]
    (payer_id, source_id), (_, target_id) = _members(app, emails)
    results = []

    def worker(n):
        with app.app_context(), _writer(app) as db:
            payer, source = db.get(Member, payer_id), db.get(Account, source_id)
            entry = posting.transfer(db, payer, from_account=source, to_account_id=target_id, amount=1_234,
                                    idempotency_key="double-click")
            db.commit()
            results.append(entry.id)

    _run_threads(worker, 8)
    with app.app_context():
        db = get_session()
        assert len(set(results)) == 1 and len(results) == 8
        assert db.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
        assert db.get(Account, source_id).balance == -1_234
        assert checks.invariant_violations(db) == []
