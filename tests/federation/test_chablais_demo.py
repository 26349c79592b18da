"""The second demo hub: `flask setup-demo` with ALVEOLE_HUB_ID=chablais loads the Chablais."""
import sqlalchemy as sa

from app.ledger.services import invariant_violations
from models import Invoice, InvoiceStatus, Member, Organization, Resource, Transfer


def test_the_chablais_hub_loads_its_own_demo_once(app, db):
    app.config["HUB_ID"] = "chablais"
    app.config["HUB_NAME"] = "Alvéole — PTCE du Chablais"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Chablais" in result.output
    towns = set(db.scalars(sa.select(Organization.town)))
    assert {"Thonon-les-Bains", "Évian-les-Bains", "Abondance"} <= towns
    assert not db.scalar(sa.select(Member.id).where(Member.email == "admin@alveole.test"))  # not the Arve's
    assert db.scalar(sa.select(Member.id).where(Member.email == "tresorerie@chablais.test"))
    assert db.scalar(sa.select(sa.func.count()).select_from(Transfer)) >= 10
    assert db.scalar(sa.select(sa.func.count()).select_from(Resource)) == 5
    assert db.scalar(sa.select(sa.func.count()).where(Invoice.status == InvoiceStatus.ACCEPTED)) == 3
    assert invariant_violations(db) == []
    # Its entries follow the clock (a statement's running balance goes by their order).
    times = list(db.scalars(sa.select(Transfer.created_at).order_by(Transfer.id)))
    assert times == sorted(times)
    assert not any("(1 lots)" in memo for memo in db.scalars(sa.select(Transfer.memo)))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_demo_hub_members_sign_in(app, api):
    app.config["HUB_ID"] = "chablais"
    app.test_cli_runner().invoke(args=["seed-demo"])
    for email in ("admin@chablais.test", "tresorerie@chablais.test", "martin.girard@scierie-abondance.test"):
        api.login(email)
