"""The housekeeping commands that cron runs: `flask ledger check` and `flask ledger expire-holds`."""
import datetime as dt

import sqlalchemy as sa

from models import Account, Hold, HoldStatus
from tests.api.catalog_helpers import account, base_time, booked, create_resource, signed_in


def test_ledger_check_passes_on_a_sound_ledger_and_fails_on_a_broken_one(runner, make_member, db):
    make_member(organization="Scierie", credit_limit=100_000)
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "Ledger consistent" in result.output
    db.execute(sa.update(Account).values(balance=Account.balance + 1))  # a balance without postings
    db.commit()
    broken = runner.invoke(args=["ledger", "check"])
    assert broken.exit_code == 1
    assert "Ledger consistent" not in broken.output


def test_expire_holds_releases_the_holds_past_their_expiry(app, make_member, member_api, runner, db):
    saw = create_resource(member_api, title="Scie")
    booker = signed_in(app, make_member, "Booker org")
    start = base_time()
    booked(booker, saw["id"], start, start + dt.timedelta(days=1))
    assert account(booker)["onHold"]["amount"] != "0.00"
    nothing = runner.invoke(args=["ledger", "expire-holds"])
    assert nothing.exit_code == 0 and "0 hold(s) expired." in nothing.output
    db.execute(sa.update(Hold).values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
    db.commit()
    result = runner.invoke(args=["ledger", "expire-holds"])
    assert result.exit_code == 0 and "1 hold(s) expired." in result.output
    assert db.scalar(sa.select(Hold.status)) == HoldStatus.EXPIRED
    assert account(booker)["onHold"] == {"amount": "0.00"}
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
