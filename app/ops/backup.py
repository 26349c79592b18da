"""Backups and restores of the hub's database, taken while the app runs.

SQLite is copied through its online backup API (a consistent snapshot, page by page, while
other connections keep writing); PostgreSQL through `pg_dump --format=custom` (one
transaction-consistent snapshot; restored by `pg_restore`). A backup is named after the time
(UTC) and the schema revision it holds: `alveole-20250304T021500Z-0015_hardening.sqlite3`.
A restore goes into an empty database only, then migrates it to head."""
import datetime as dt
import logging
import os
import re
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from app import migrations

log = logging.getLogger("alveole.ops")

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
NAME = re.compile(r"^alveole-(\d{8}T\d{6}\d*Z)-(.+)\.(sqlite3|pgdump)$")


class BackupError(Exception):
    """A backup or a restore that cannot be done: the message says why."""


def schema_revision(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) or "empty"


def backup_name(engine: sa.Engine, now: dt.datetime) -> str:
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return f"alveole-{stamp}-{schema_revision(engine)}{SUFFIXES[engine.dialect.name]}"


def backup(engine: sa.Engine, directory: Path, keep: int, now: dt.datetime | None = None) -> Path:
    """Write a consistent copy of the database into `directory`; keep the `keep` newest."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / backup_name(engine, now or dt.datetime.now(dt.timezone.utc))
    partial = target.with_name(target.name + ".partial")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_copy(_sqlite_path(engine), partial)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
                  "--dbname", _libpq_url(engine)], engine)
        partial.rename(target)  # a backup is there whole or not at all
    finally:
        partial.unlink(missing_ok=True)
    log.info("backup written: %s (%d bytes)", target.name, target.stat().st_size)
    for old in prune(directory, keep):
        log.info("old backup removed: %s", old.name)
    return target


def backups_in(directory: Path) -> list[Path]:
    """The backups in `directory`, oldest first."""
    found = [p for p in directory.iterdir() if p.is_file() and NAME.match(p.name)] if directory.is_dir() else []
    return sorted(found, key=lambda p: NAME.match(p.name).group(1))


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete the backups beyond the `keep` newest; the deleted paths."""
    found = backups_in(directory)
    doomed = found[: max(0, len(found) - max(keep, 1))]
    for path in doomed:
        path.unlink()
    return doomed


def holds_data(engine: sa.Engine) -> bool:
    """Whether any table of the database (but Alembic's own) has a row."""
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            quoted = engine.dialect.identifier_preparer.quote(table)
            if connection.execute(sa.text(f"SELECT 1 FROM {quoted} LIMIT 1")).first():
                return True
    return False


def restore(engine: sa.Engine, path: Path) -> str:
    """Restore the backup at `path` into the (empty) database, then migrate it to head.
    Returns the revision the backup held."""
    match = NAME.match(path.name)
    if not path.is_file() or not match:
        raise BackupError(f"{path} is not an Alvéole backup (alveole-<time>-<revision>.sqlite3|.pgdump).")
    expected = SUFFIXES[engine.dialect.name]
    if path.suffix != expected:
        raise BackupError(f"{path.name} is a {path.suffix} backup; this database needs a {expected} one.")
    if holds_data(engine):
        raise BackupError("The database holds data: a restore goes into an empty database only.")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        _sqlite_copy(path, _sqlite_path(engine))
    else:
        _drop_empty_schema(engine)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--dbname", _libpq_url(engine), str(path)], engine)
    engine.dispose()
    migrations.upgrade(engine)
    log.info("backup restored: %s (revision %s), migrated to head", path.name, match.group(2))
    return match.group(2)


def _sqlite_path(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while others write to `source`."""
    with sqlite3.connect(source, timeout=30) as src:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # in one step: one read snapshot, writers carry on (WAL)
        finally:
            dst.close()
    src.close()


def _drop_empty_schema(engine: sa.Engine) -> None:
    """An empty but migrated PostgreSQL database: drop its (empty) tables so that the dump's
    schema, at its own revision, goes in as it was."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        metadata.drop_all(connection)


def _libpq_url(engine: sa.Engine) -> str:
    """The URL as libpq reads it, without its password (passed in PGPASSWORD)."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], engine: sa.Engine) -> None:
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    with tempfile.TemporaryFile() as errors:
        try:
            completed = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=errors, check=False)
        except FileNotFoundError as exc:
            raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).") from exc
        if completed.returncode:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
            raise BackupError(f"{command[0]} failed: {detail[0]}")
