"""`flask seed-demo` and `flask setup-demo`."""
import sqlalchemy as sa

from app.ledger.services import invariant_violations
from models import Account, Member, Organization, Role


def count(db, model):
    return db.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_loads_a_believable_hub_once(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "alveole-demo" in result.output
    assert count(db, Organization) >= 12
    roles = set(db.scalars(sa.select(Member.role)))
    assert {Role.ADMIN, Role.TREASURER, Role.MEMBER} <= roles
    assert db.scalar(sa.select(Member.id).where(Member.email == "admin@alveole.test"))
    assert db.scalar(sa.select(Member.id).where(Member.email == "tresorerie@alveole.test"))
    assert db.scalar(sa.select(sa.func.count()).where(Account.credit_limit > 0)) >= 10
    before = {model: count(db, model) for model in (Member, Organization, Account)}
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    db.rollback()
    assert {model: count(db, model) for model in before} == before
    assert invariant_violations(db) == []


def test_seed_demo_refuses_a_database_with_real_members(runner, make_member, db):
    make_member(email="real.person@example.test")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "not demo members" in result.output
    assert count(db, Member) == 1


def test_demo_accounts_sign_in(runner, api):
    runner.invoke(args=["seed-demo"])
    for email in ("admin@alveole.test", "tresorerie@alveole.test", "marc.duret@scierie-giffre.test"):
        api.login(email)
        assert api.data("{ viewer { email } }")["viewer"]["email"] == email
        api.data("mutation { logout { errors { code } } }")


def test_setup_demo_migrates_then_loads_once(runner, db):
    result = runner.invoke(args=["setup-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo hub loaded" in result.output
    assert db.scalar(sa.select(Member.id).where(Member.email == "admin@alveole.test"))
    again = runner.invoke(args=["setup-demo"])
    assert again.exit_code == 0 and "nothing changed" in again.output
