"""Many rows at once, for a clearing run's ~10^5 lines, entries and postings: COPY on
PostgreSQL, an executemany of plain tuples on SQLite (in-process, already fast), both on the
session's connection, inside its transaction. Ids can be reserved beforehand, so that rows
computed in Python reference each other and keep the order they were computed in.

SQLAlchemy's per-row work (parameter dicts, type processing, result rows) costs more here than
the database itself; these rows are plain ints and strings, made by the caller."""
from collections.abc import Iterable, Sequence

import sqlalchemy.orm as so

from app.ledger.services.journal import execute


def is_postgresql(session: so.Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def fetch(session: so.Session, sql: str, params: dict | None = None) -> list[tuple]:
    """The rows of a plain SQL query as tuples (`:name` parameters)."""
    return execute(session, sql, params or {}).fetchall()


def reserve_ids(session: so.Session, table: str, count: int) -> list[int]:
    """`count` new ids of `table`, ascending, that no other row will take. Call it after a
    first write in the transaction (SQLite then holds its write lock)."""
    if count == 0:
        return []
    if is_postgresql(session):
        rows = fetch(session, f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)",
                     {"n": count})
        return sorted(row[0] for row in rows)
    # SQLite runs one writer at a time and the caller has written already in this transaction
    # (it holds the write lock): nobody inserts meanwhile; these are the ids SQLite would give.
    (last,) = fetch(session, f"SELECT coalesce(max(id), 0) FROM {table}")[0]
    return list(range(last + 1, last + 1 + count))


def insert_rows(session: so.Session, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert tuples of plain values (ints, strings, None, JSON as text), in their order."""
    names = ", ".join(columns)
    if is_postgresql(session):
        cursor = session.connection().connection.cursor()
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        session.connection().connection.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
