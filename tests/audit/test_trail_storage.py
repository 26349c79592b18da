"""The trail is append-only in the database itself, and an entry lives and dies with the
transaction of its change."""
import pytest
import sqlalchemy as sa

from app import audit
from app.database import get_session
from app.ledger.services import policy
from models import Account, AuditEntry, Member
from tests.audit.audit_helpers import mutate, pk, trail, viewer


def _one_entry(app, treasurer_api, member_api) -> int:
    account_id = viewer(member_api)["account"]["id"]
    mutate(treasurer_api, "setCreditLimit", accountId=account_id, creditLimit="10.00")
    [entry] = trail(app)
    return entry["id"]


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'x' WHERE id = :id",
    "UPDATE audit_entries SET before = NULL",
    "DELETE FROM audit_entries WHERE id = :id",
    "DELETE FROM audit_entries",
])
def test_the_database_refuses_to_change_or_delete_an_entry(app, treasurer_api, member_api, statement):
    entry_id = _one_entry(app, treasurer_api, member_api)
    engine = app.config["DATABASE_ENGINE"]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(sa.text(statement), {"id": entry_id})
    [entry] = trail(app)
    assert entry["action"] == "ledger.credit_limit_set" and entry["before"] is not None


def test_postgresql_refuses_truncate_too(app, treasurer_api, member_api):
    engine = app.config["DATABASE_ENGINE"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _one_entry(app, treasurer_api, member_api)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE audit_entries"))
    assert len(trail(app)) == 1


def test_an_entry_rolls_back_with_its_failed_request(app, treasurer_api, member_api, monkeypatch):
    account_id = viewer(member_api)["account"]["id"]

    def broken(*args, **kwargs):
        raise RuntimeError("the notice could not be written")

    # After the service wrote the limit and its entry: the request fails as a whole.
    monkeypatch.setattr(policy.notices, "credit_limit_changed", broken)
    body = treasurer_api.gql(
        "mutation($input: SetCreditLimitInput!) { setCreditLimit(input: $input) { errors { code } } }",
        input={"accountId": account_id, "creditLimit": "5.00"},
    )
    assert body["errors"]  # masked internal error
    assert trail(app) == []
    with app.app_context():
        assert get_session().get(Account, pk(account_id)).credit_limit == 100_000


def test_outside_a_request_the_request_id_is_a_dash_and_unknown_actions_are_refused(app, make_member):
    email = make_member()
    with app.app_context():
        session = get_session()
        member = session.scalar(sa.select(Member).where(Member.email == email))
        entry = audit.record(session, None, "member.status_set", member, {"status": "ACTIVE"}, {"status": "LEFT"})
        assert entry.request_id == "-" and entry.actor_id is None
        with pytest.raises(ValueError, match="unknown audit action"):
            audit.record(session, None, "member.renamed", member, None, None)
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
