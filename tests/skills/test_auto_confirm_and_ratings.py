"""`flask skills auto-confirm` confirms the deliveries their client left unanswered; ratings show
once both sides rated or after 14 days, and offers and organisations show their averages."""
import datetime as dt

import sqlalchemy as sa

from app.database import get_session
from models import Job, JobRating, JobStatus, Transfer, TransferKind
from tests.conftest import GraphQLClient
from tests.skills.skills_helpers import account, act, codes, count, delivered, ledger_ok, make_market, ok


def _age(app, model, column: str, days: int, *where) -> None:
    """Move a timestamp `days` into the past, as if that much time had passed."""
    with app.app_context():
        session = get_session()
        past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
        session.execute(sa.update(model).where(*where).values({column: past}))
        session.commit()


def test_auto_confirm_pays_the_jobs_delivered_long_enough_ago(app, make_member, runner):
    market = make_market(app, make_member)
    old = delivered(market)
    _age(app, Job, "delivered_at", 8)
    fresh = delivered(market)
    provider_before = account(market.provider)
    result = runner.invoke(args=["skills", "auto-confirm"])
    assert result.exit_code == 0 and "1 job(s) confirmed" in result.output
    query = "query($id: ID!) { job(id: $id) { status timeline { kind } } }"
    confirmed = market.client.data(query, id=old["id"])["job"]
    assert confirmed["status"] == "COMPLETED" and confirmed["timeline"][-1]["kind"] == "AUTO_CONFIRMED"
    assert market.client.data(query, id=fresh["id"])["job"]["status"] == "DELIVERED"
    assert float(account(market.provider)["balance"]) == float(provider_before["balance"]) + 880
    # Run again: nothing left to do, until --days reaches the fresh one.
    assert "0 job(s) confirmed" in runner.invoke(args=["skills", "auto-confirm"]).output
    _age(app, Job, "delivered_at", 2, Job.status == JobStatus.DELIVERED)
    assert "1 job(s) confirmed" in runner.invoke(args=["skills", "auto-confirm", "--days", "1"]).output
    assert market.client.data(query, id=fresh["id"])["job"]["status"] == "COMPLETED"
    ledger_ok(app)


def test_auto_confirm_follows_the_configured_days_and_leaves_disputes(app, make_member):
    app.config["JOB_CONFIRM_DAYS"] = 3
    market = make_market(app, make_member)
    job = delivered(market)
    disputed = delivered(market)
    ok(market.client, "disputeJob", jobId=disputed["id"], reason="Malfaçon")
    _age(app, Job, "delivered_at", 4)
    assert "1 job(s) confirmed" in app.test_cli_runner().invoke(args=["skills", "auto-confirm"]).output
    query = "query($id: ID!) { job(id: $id) { status } }"
    assert market.client.data(query, id=job["id"])["job"]["status"] == "COMPLETED"
    assert market.client.data(query, id=disputed["id"])["job"]["status"] == "DISPUTED"
    assert count(app, Transfer, Transfer.kind == TransferKind.SKILL) == 1
    ledger_ok(app)


def _ratings(client: GraphQLClient, market, job_id: str) -> dict:
    query = """query($id: ID!, $rid: ID!) { job(id: $id) { ratings { stars side } viewerActions provider { id rating { average count } } }
      resource(id: $rid) { rating { average count } } }"""
    return client.data(query, id=job_id, rid=market.offer_id)


def test_a_rating_shows_when_both_rated_or_after_14_days(app, make_member):
    market = make_market(app, make_member, price="10.00")
    first = delivered(market)
    ok(market.client, "confirmJob", jobId=first["id"])
    ok(market.client, "rateJob", jobId=first["id"], stars=4, comment="Bien")
    seen = _ratings(market.provider, market, first["id"])
    assert seen["job"]["ratings"] == [] and "RATE" in seen["job"]["viewerActions"]
    assert seen["resource"]["rating"] == {"average": None, "count": 0}
    assert _ratings(market.client, market, first["id"])["job"]["ratings"] == [{"stars": 4, "side": "CLIENT"}]  # one's own
    assert codes(act(market.client, "rateJob", jobId=first["id"], stars=5)) == ["INVALID_STATE"]  # once
    ok(market.provider, "rateJob", jobId=first["id"], stars=3)
    seen = _ratings(market.provider, market, first["id"])
    assert sorted(r["stars"] for r in seen["job"]["ratings"]) == [3, 4] and "RATE" not in seen["job"]["viewerActions"]
    assert seen["resource"]["rating"] == {"average": 4.0, "count": 1}
    assert seen["job"]["provider"]["rating"] == {"average": 4.0, "count": 1}

    second = delivered(market)
    ok(market.client, "confirmJob", jobId=second["id"])
    ok(market.client, "rateJob", jobId=second["id"], stars=1, comment="Retard")
    assert _ratings(market.provider, market, second["id"])["resource"]["rating"]["count"] == 1
    _age(app, JobRating, "visible_at", 0, JobRating.stars == 1)  # 14 days have passed
    seen = _ratings(market.provider, market, second["id"])
    assert seen["job"]["ratings"] == [{"stars": 1, "side": "CLIENT"}]
    assert seen["resource"]["rating"] == {"average": 2.5, "count": 2}


def test_ratings_need_a_finished_job_and_stars_from_1_to_5(app, make_member):
    market = make_market(app, make_member, price="10.00")
    job = delivered(market)
    assert codes(act(market.client, "rateJob", jobId=job["id"], stars=4)) == ["INVALID_STATE"]
    ok(market.client, "confirmJob", jobId=job["id"])
    for stars in (0, 6, -1):
        payload = act(market.client, "rateJob", jobId=job["id"], stars=stars)
        assert codes(payload) == ["INVALID"] and payload["errors"][0]["field"] == ["stars"]
    assert codes(act(market.treasurer, "rateJob", jobId=job["id"], stars=5)) == ["FORBIDDEN"]
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(JobRating)) == 0
        assert get_session().scalar(sa.select(Job.status)) == JobStatus.COMPLETED
