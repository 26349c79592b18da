"""`flask backup` / `flask restore` and the restore drill, on SQLite and PostgreSQL: the demo
hub (four months of trade) backed up, restored into a fresh database, every row the same, the
ledger consistent; a backup taken under 8 transferring threads restores to a consistent ledger."""
import datetime as dt
import random
import threading
import time

import pytest
import sqlalchemy as sa

from app.database import get_engine, get_session
from app.demo import seed_demo
from app.errors import DomainError
from app.ledger.services import accounts, checks, posting
from app.ops import backup as backups
from models import Account, Booking, Invoice, Member, Posting, Transfer
from tests.ops.ops_helpers import fresh_app, snapshot


def _seed_demo(app):
    with app.app_context():
        session = get_session()
        assert seed_demo(session, app.extensions["passwords"])
        session.commit()


def _backend(app):
    return "sqlite" if app.config["DATABASE_URL"].startswith("sqlite") else "postgresql"


@pytest.mark.slow
def test_the_restore_drill(app, runner, tmp_path):
    _seed_demo(app)
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [path] = backups.backups_in(tmp_path / "backups")
    assert path.suffix == (".sqlite3" if _backend(app) == "sqlite" else ".pgdump")
    with app.app_context():
        source = get_engine()
        before = snapshot(source)
        head = backups.schema_revision(source)
    assert path.name.endswith(f"-{head}{path.suffix}")  # named with the schema revision
    for table in (Account, Posting, Transfer, Booking, Invoice):
        assert before[table.__tablename__], f"the demo should have {table.__tablename__}"

    with fresh_app(_backend(app), tmp_path) as restored:
        runner2 = restored.test_cli_runner()
        result = runner2.invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        with restored.app_context():
            assert snapshot(get_engine()) == before
            assert backups.schema_revision(get_engine()) == head
        check = runner2.invoke(args=["ledger", "check"])
        assert check.exit_code == 0 and "Ledger consistent" in check.output
        assert restored.test_client().get("/healthz").status_code == 200
        # A second restore finds data there and refuses.
        again = runner2.invoke(args=["restore", str(path)])
        assert again.exit_code == 1 and "holds data" in again.output


def test_restore_refuses_a_database_holding_data(app, runner, make_member, tmp_path):
    make_member()
    assert runner.invoke(args=["backup", "--output", str(tmp_path)]).exit_code == 0
    [path] = backups.backups_in(tmp_path)
    with app.app_context():
        before = snapshot(get_engine())
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and "holds data" in result.output
    with app.app_context():
        assert snapshot(get_engine()) == before


def test_restore_refuses_what_is_not_a_backup(runner, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    result = runner.invoke(args=["restore", str(stray)])
    assert result.exit_code == 1 and "not an Alvéole backup" in result.output


def test_restore_refuses_the_other_databases_kind_of_backup(app, runner, tmp_path):
    other = ".pgdump" if _backend(app) == "sqlite" else ".sqlite3"
    stray = tmp_path / f"alveole-20250101T000000000000Z-0013_notices{other}"
    stray.write_bytes(b"x")
    result = runner.invoke(args=["restore", str(stray)])
    assert result.exit_code == 1 and "needs a" in result.output


def test_backups_are_named_by_time_and_revision_and_pruned(app, make_member, tmp_path):
    make_member()
    with app.app_context():
        engine = get_engine()
        start = dt.datetime(2025, 3, 4, 2, 15, tzinfo=dt.timezone.utc)
        made = [backups.backup(engine, tmp_path, keep=3, now=start + dt.timedelta(days=n)) for n in range(5)]
        revision = backups.schema_revision(engine)
    kept = backups.backups_in(tmp_path)
    assert kept == made[2:]
    assert kept[0].name.startswith("alveole-20250306T021500") and f"-{revision}." in kept[0].name
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_backup_keeps_the_configured_count_from_the_environment(app, runner, make_member, tmp_path):
    make_member()
    app.config.update(BACKUP_DIR=str(tmp_path / "b"), BACKUP_KEEP=2)
    for _ in range(3):
        assert runner.invoke(args=["backup"]).exit_code == 0
    assert len(backups.backups_in(tmp_path / "b")) == 2


THREADS = 8


def _people(app, make_member):
    emails = [make_member(organization=f"Drill {i}", credit_limit=20_000) for i in range(6)]
    with app.app_context():
        db = get_session()
        members = [db.scalar(sa.select(Member).where(Member.email == e)) for e in emails]
        return [(m.id, accounts.paying_account(db, m).id) for m in members]


def _transfer_count(app):
    with app.app_context():
        return get_session().scalar(sa.select(sa.func.count(Transfer.id)))


@pytest.mark.slow
def test_a_backup_under_eight_transferring_threads_restores_a_consistent_ledger(app, make_member, tmp_path):
    people = _people(app, make_member)
    stop = threading.Event()
    errors = []

    def worker(n):
        rng = random.Random(n)
        try:
            with app.app_context(), app.extensions["db_sessionmaker"]() as db:
                while not stop.is_set():
                    (payer_id, source_id), (_, target_id) = rng.sample(people, 2)
                    try:
                        posting.transfer(db, db.get(Member, payer_id), from_account=db.get(Account, source_id),
                                         to_account_id=target_id, amount=rng.randint(100, 3_000))
                        db.commit()
                    except DomainError:
                        db.rollback()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        while _transfer_count(app) < 40:
            time.sleep(0.05)
        before = _transfer_count(app)
        with app.app_context():
            path = backups.backup(get_engine(), tmp_path / "b", keep=5)
        after_backup = _transfer_count(app)
        deadline = time.monotonic() + 30
        while _transfer_count(app) < after_backup + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == [], errors
    assert _transfer_count(app) > after_backup, "the threads must keep transferring after the backup"

    with fresh_app(_backend(app), tmp_path) as restored:
        with restored.app_context():
            backups.restore(get_engine(), path)
            db = get_session()
            assert checks.invariant_violations(db) == []
            restored_count = db.scalar(sa.select(sa.func.count(Transfer.id)))
            assert before <= restored_count <= after_backup
            balances = db.scalars(sa.select(Account.balance)).all()
            assert sum(balances) == 0
