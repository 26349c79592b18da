"""Accepting twice at once, or confirming twice at once, moves credit once: 16 requests of the
client at the same instant, each in its own thread, request and database connection."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from models import Hold, HoldStatus, Transfer, TransferKind
from tests.conftest import DEMO_PASSWORD, GraphQLClient
from tests.skills.skills_helpers import account, act, count, ledger_ok, make_market, ok, quoted

RACERS = 16


def race(app, email: str, name: str, job_id: str, **input) -> list[dict]:
    clients = [GraphQLClient(app.test_client()).login(email, DEMO_PASSWORD) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)

    def attempt(client):
        barrier.wait()
        return act(client, name, jobId=job_id, **input)

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(attempt, clients))


def client_email(market) -> str:
    return market.client.data("{ viewer { email } }")["viewer"]["email"]


@pytest.mark.slow
def test_concurrent_acceptances_hold_the_price_once(app, make_member):
    market = make_market(app, make_member)
    job = quoted(market, price="880.00")
    before = account(market.client)
    results = race(app, client_email(market), "acceptQuote", job["id"])
    winners = [r for r in results if not r["errors"]]
    assert len(winners) == 1
    assert {e["code"] for r in results if r["errors"] for e in r["errors"]} == {"INVALID_STATE"}
    assert count(app, Hold) == 1
    assert float(account(market.client)["onHold"]) == float(before["onHold"]) + 880
    ledger_ok(app)


@pytest.mark.slow
def test_concurrent_acceptances_with_one_idempotency_key_all_answer_the_job(app, make_member):
    market = make_market(app, make_member)
    job = quoted(market, price="880.00")
    results = race(app, client_email(market), "acceptQuote", job["id"], idempotencyKey="accept-1")
    assert all(r["errors"] == [] and r["job"]["status"] == "ACCEPTED" for r in results)
    assert count(app, Hold) == 1
    ledger_ok(app)


@pytest.mark.slow
def test_concurrent_confirmations_pay_the_provider_once(app, make_member):
    market = make_market(app, make_member)
    job = quoted(market, price="880.00")
    ok(market.client, "acceptQuote", jobId=job["id"])
    ok(market.provider, "deliverJob", jobId=job["id"], hoursWorked="16")
    provider_before = account(market.provider)
    results = race(app, client_email(market), "confirmJob", job["id"])
    assert len([r for r in results if not r["errors"]]) == 1
    assert {e["code"] for r in results if r["errors"] for e in r["errors"]} == {"INVALID_STATE"}
    assert count(app, Transfer, Transfer.kind == TransferKind.SKILL) == 1
    assert count(app, Hold, Hold.status == HoldStatus.CAPTURED) == 1
    assert float(account(market.provider)["balance"]) == float(provider_before["balance"]) + 880
    ledger_ok(app)


@pytest.mark.slow
def test_a_confirmation_racing_a_dispute_leaves_one_of_them(app, make_member):
    market = make_market(app, make_member)
    job = quoted(market, price="880.00")
    ok(market.client, "acceptQuote", jobId=job["id"])
    ok(market.provider, "deliverJob", jobId=job["id"], hoursWorked="16")
    email = client_email(market)
    clients = [GraphQLClient(app.test_client()).login(email) for _ in range(8)]
    barrier = threading.Barrier(8)

    def attempt(i_client):
        i, client = i_client
        barrier.wait()
        if i % 2:
            return act(client, "confirmJob", jobId=job["id"])
        return act(client, "disputeJob", jobId=job["id"], reason="Non conforme")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, enumerate(clients)))
    assert len([r for r in results if not r["errors"]]) == 1
    status = market.client.data("query($id: ID!) { job(id: $id) { status } }", id=job["id"])["job"]["status"]
    assert status in ("COMPLETED", "DISPUTED")
    assert count(app, Transfer, Transfer.kind == TransferKind.SKILL) == (1 if status == "COMPLETED" else 0)
    ledger_ok(app)
