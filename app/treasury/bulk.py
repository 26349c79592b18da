"""Many rows at once, for a clearing run's ~10^5 lines, entries and postings: COPY on
PostgreSQL, an executemany of plain tuples on SQLite (in-process, already fast), both on the
session's connection, inside its transaction, in the order given (serial ids follow it).

SQLAlchemy's per-row work (parameter dicts, type processing, result rows) costs more here than
the database itself; these rows are plain ints and strings, made by the caller."""
from collections.abc import Iterable, Sequence

import sqlalchemy.orm as so

from app.database import execute


def is_postgresql(session: so.Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def fetch(session: so.Session, sql: str, params: dict | None = None) -> list[tuple]:
    """The rows of a plain SQL query as tuples (`:name` parameters)."""
    return execute(session, sql, params or {}).fetchall()


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
