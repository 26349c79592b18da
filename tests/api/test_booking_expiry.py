"""Requests nobody answered before their start expire: the hold is released, the booker finds a
notice in their language, the request leaves "upcoming" and the owner's requests. The
housekeeping command does it once, however many copies of it run at the same time."""
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from app.api.relay import parse_global_id
from models import Booking, Notification
from tests.api.catalog_helpers import account, booked, create_resource, signed_in

H = dt.timedelta(hours=1)

MY = """query($scope: BookingScope!) { myBookings(scope: $scope) { edges { node { id status } } } }"""
DESK = "{ managedBookings(view: REQUESTS) { totalCount } }"
APPROVE = """mutation($input: BookingActionInput!) { approveBooking(input: $input) { booking { status } errors { code message } } }"""
NOTICES = "{ notifications { nodes { kind message link read } } }"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def request_for(client, resource_id, n: int = 0) -> str:
    """A request for the n-th two-hour slot from five hours on."""
    start = now() + (5 + 2 * n) * H
    return booked(client, resource_id, start, start + 2 * H)["id"]


def started(db, booking_id: str, n: int = 0) -> None:
    """The request's start passed: the first one still runs an hour, the n-th ended before."""
    pk = parse_global_id(booking_id)[1]
    start = now() - (2 * n + 1) * H
    end = now() + H if n == 0 else start + H
    db.execute(sa.update(Booking).where(Booking.id == pk).values(
        start=start, end=end, blocked_from=start, blocked_until=end))
    db.commit()


def ids(client, scope):
    return [e["node"]["id"] for e in client.data(MY, scope=scope)["myBookings"]["edges"]]


@pytest.fixture
def room(member_api):
    return create_resource(member_api, kind="WORKSPACE", title="Salle de montage", price="10.00", priceUnit="HOUR",
                           approvalRequired=True)


def test_an_unanswered_request_expires_and_its_booker_is_told(app, db, runner, make_member, member_api, room):
    french = signed_in(app, make_member, "Menuiserie Expire", language="fr")
    english = signed_in(app, make_member, "Joinery Expire", language="en")
    mine, theirs = request_for(french, room["id"]), request_for(english, room["id"], 1)
    assert account(french)["onHold"]["amount"] == "20.00"
    started(db, mine)
    started(db, theirs, 1)
    # Out of "upcoming" and of the owner's requests at once, before any command ran.
    assert mine not in ids(french, "UPCOMING") and mine in ids(french, "PAST")
    assert member_api.data(DESK)["managedBookings"]["totalCount"] == 0
    # Too late to accept.
    late = member_api.data(APPROVE, input={"bookingId": mine})["approveBooking"]
    assert late["errors"][0]["code"] == "INVALID_STATE" and "a expiré" in late["errors"][0]["message"]
    result = runner.invoke(args=["catalog", "complete-due"])
    assert result.exit_code == 0 and "2 unanswered request(s) expired" in result.output
    statuses = {e["node"]["id"]: e["node"]["status"] for e in french.data(MY, scope="ALL")["myBookings"]["edges"]}
    assert statuses == {mine: "EXPIRED"}
    assert account(french)["onHold"]["amount"] == "0.00" and account(french)["balance"]["amount"] == "0.00"
    [notice] = french.data(NOTICES)["notifications"]["nodes"]
    assert notice["kind"] == "BOOKING_EXPIRED" and notice["read"] is False
    assert "Salle de montage" in notice["message"] and "a expiré" in notice["message"] and notice["link"] == "/bookings?scope=past"
    assert "has expired" in english.data(NOTICES)["notifications"]["nodes"][0]["message"]
    # Run again: nothing left to do, no second notice.
    assert "0 unanswered request(s) expired" in runner.invoke(args=["catalog", "complete-due"]).output
    assert len(french.data(NOTICES)["notifications"]["nodes"]) == 1


def test_requests_still_ahead_and_answered_ones_are_left_alone(app, db, runner, make_member, member_api, room):
    booker = signed_in(app, make_member, "Atelier patient")
    ahead = request_for(booker, room["id"])
    answered = request_for(booker, room["id"], 1)
    assert member_api.data(APPROVE, input={"bookingId": answered})["approveBooking"]["errors"] == []
    started(db, answered)
    runner.invoke(args=["catalog", "complete-due"])
    statuses = {e["node"]["id"]: e["node"]["status"] for e in booker.data(MY, scope="ALL")["myBookings"]["edges"]}
    assert statuses == {ahead: "REQUESTED", answered: "CONFIRMED"}
    assert account(booker)["onHold"]["amount"] == "40.00"


def test_concurrent_housekeeping_expires_each_request_once(app, db, make_member, member_api):
    from app.catalog.expiry import expire_due_requests
    from app.database import get_session
    from app.ledger.services import invariant_violations

    hall = create_resource(member_api, kind="WORKSPACE", title="Halle", price="10.00", priceUnit="HOUR",
                           approvalRequired=True, capacity=10)
    bookers = [signed_in(app, make_member, f"Atelier {i}") for i in range(4)]
    requests = [request_for(b, hall["id"], n) for b in bookers for n in range(2)]
    for booking_id in requests:
        started(db, booking_id)
    counts, failures = [], []
    barrier = threading.Barrier(6)

    def run():
        try:
            with app.app_context():
                session = get_session()
                barrier.wait()
                counts.append(expire_due_requests(session))
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and sum(counts) == len(requests)
    # One expiry notice per request (the owner's request notices are of another kind).
    expired = sa.select(sa.func.count(Notification.id)).where(Notification.kind == "BOOKING_EXPIRED")
    assert db.scalar(expired) == len(requests)
    for booker in bookers:
        assert account(booker)["onHold"]["amount"] == "0.00"
    with app.app_context():
        assert invariant_violations(get_session()) == []
