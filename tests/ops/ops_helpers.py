"""A fresh, empty database beside the test's own, and an app on it (for restores)."""
import contextlib

import sqlalchemy as sa

from app import create_app
from app.database import make_engine
from models import Base
from tests.conftest import PG_ADMIN_URL, TEST_CONFIG, _drop_postgres_database, _postgres_database


@contextlib.contextmanager
def fresh_app(backend, tmp_path, name="restored"):
    """An app on a new empty database of the same kind as the test's."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
    else:
        url = _postgres_database(PG_ADMIN_URL, prefix=f"alveole_{name[:8]}")
    engine = make_engine(url)
    try:
        yield create_app({**TEST_CONFIG, "DATABASE_URL": url, "DATABASE_ENGINE": engine})
    finally:
        engine.dispose()
        if backend != "sqlite":
            _drop_postgres_database(url)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table of the models, in primary-key order."""
    rows = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in connection.execute(sa.select(table).order_by(*order))]
    return rows
