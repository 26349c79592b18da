"""No double booking under concurrency: 32 members ask for the same slot at the same instant,
through /graphql, each in its own thread, request and database connection."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.api.catalog_helpers import BOOK, base_time, create_resource, iso
from tests.conftest import GraphQLClient

RACERS = 32


def race(app, make_member, resource_id, start, end, quantity=1):
    clients = []
    for i in range(RACERS):
        email = make_member(organization=f"Racer {i}", credit_limit=100_000)
        clients.append(GraphQLClient(app.test_client()).login(email))
    barrier = threading.Barrier(RACERS)

    def attempt(client):
        barrier.wait()
        return client.data(BOOK, input={"resourceId": resource_id, "start": iso(start), "end": iso(end), "quantity": quantity})["bookResource"]

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(attempt, clients))


def check_ledger(app, winners, price_cents):
    from app.database import get_session
    from app.ledger.services import invariant_violations
    from models import Account, Booking, Hold, HoldStatus

    with app.app_context():
        session = get_session()
        assert invariant_violations(session) == []
        assert session.scalar(sa.select(sa.func.count(Booking.id))) == winners
        assert session.scalar(sa.select(sa.func.count(Hold.id)).where(Hold.status == HoldStatus.ACTIVE)) == winners
        assert session.scalar(sa.select(sa.func.sum(Account.on_hold))) == winners * price_cents


@pytest.mark.slow
def test_32_concurrent_bookings_of_one_slot_capacity_1_exactly_one_wins(app, make_member, member_api):
    resource = create_resource(member_api, price="20.00", priceUnit="DAY")
    start = base_time()
    results = race(app, make_member, resource["id"], start, start.replace(hour=12))
    winners = [r for r in results if r["booking"]]
    losers = [r for r in results if not r["booking"]]
    assert len(winners) == 1
    assert {e["code"] for r in losers for e in r["errors"]} == {"CONFLICT"}
    check_ledger(app, 1, 2000)


@pytest.mark.slow
def test_32_concurrent_bookings_capacity_5_exactly_5_win(app, make_member, member_api):
    resource = create_resource(member_api, kind="WORKSPACE", title="Postes de coworking", capacity=5, price="3.00", priceUnit="HOUR")
    start = base_time()
    results = race(app, make_member, resource["id"], start, start.replace(hour=10))
    winners = [r for r in results if r["booking"]]
    assert len(winners) == 5
    assert {e["code"] for r in results if not r["booking"] for e in r["errors"]} == {"CONFLICT"}
    check_ledger(app, 5, 600)


@pytest.mark.slow
def test_concurrent_overlapping_requests_for_two_units_never_exceed_capacity(app, make_member, member_api):
    """Different, overlapping intervals asking for 2 of 3 units: at most one fits at any instant."""
    from app.catalog.calendar import peak_usage
    from app.catalog.calendar_data import load_usages
    from app.database import get_session
    from models import Resource

    resource = create_resource(member_api, kind="WORKSPACE", title="Établis", capacity=3, price="1.00", priceUnit="HOUR")
    start = base_time()
    results = race(app, make_member, resource["id"], start, start.replace(hour=11), quantity=2)
    assert len([r for r in results if r["booking"]]) == 1
    with app.app_context():
        session = get_session()
        rid = session.scalar(sa.select(Resource.id))
        usages = load_usages(session, [rid], start, None)[rid]
        assert peak_usage(usages, start, start.replace(hour=12)) <= 3
