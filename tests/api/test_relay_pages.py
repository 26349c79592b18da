"""app.api.relay.paginate: a page of columns only (read on the session's connection, not
through the ORM) sees what the session has not flushed yet, as an ORM page does."""
import datetime as dt

import sqlalchemy as sa

from app.api.relay import paginate
from models import Organization

UTC = dt.timezone.utc


def test_a_page_of_columns_sees_what_the_session_has_not_flushed(app):
    maker = app.extensions["db_sessionmaker"]
    with maker() as session:
        session.add(Organization(name="Atelier pas encore écrit", kind="FIRM", town="Cluses",
                                 created_at=dt.datetime.now(UTC)))
        columns = sa.select(Organization.id, Organization.name).order_by(Organization.name)
        models = sa.select(Organization).order_by(Organization.name)
        by_columns = paginate(session, columns, 10, None, lambda rows: [row.name for row in rows],
                              with_count=False, params={}, whole_rows=True)
        by_models = paginate(session, models, 10, None, lambda rows: [o.name for o in rows], with_count=False, params={})
        assert [e.node for e in by_columns.edges] == [e.node for e in by_models.edges] == ["Atelier pas encore écrit"]
        assert by_columns.edges[0].cursor == by_columns.page_info.start_cursor
        session.rollback()
