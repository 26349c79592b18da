"""bookingQuote says before booking what bookResource then does: the price, the credit held,
the cancellation terms (the notice, and the grace period after booking); and cancelling
within the grace period is free even inside the notice."""
import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.api.relay import parse_global_id
from app.catalog.booking_rules import cancellation_fee, free_cancellation_until
from models import Booking, BookingStatus, Resource
from tests.api.catalog_helpers import account, base_time, book, booked, create_resource, iso, signed_in

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

QUOTE = """query($id: ID!, $start: DateTime!, $end: DateTime!, $quantity: Int! = 1, $onAccount: Boolean! = false) {
  bookingQuote(resourceId: $id, start: $start, end: $end, quantity: $quantity, payOnAccount: $onAccount) {
    price { amount currency } hold { amount } onAccount available { amount } approvalRequired
    cancellation { freeUntil graceUntil fee { amount } }
    errors { code field message }
  }
}"""
CANCEL = """mutation($input: BookingActionInput!) {
  cancelBooking(input: $input) { booking { status cancellationFee { amount } } errors { code message } }
}"""
APPROVE = """mutation($input: BookingActionInput!) { approveBooking(input: $input) { booking { status } errors { code } } }"""
MINE = "{ myBookings { edges { node { id freeCancellationUntil cancellationFeeIfCancelledNow { amount } } } } }"


def quote(client, resource_id, start, end, **variables):
    return client.data(QUOTE, id=resource_id, start=iso(start), end=iso(end), **variables)["bookingQuote"]


def at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@pytest.fixture
def booker(app, make_member):
    return signed_in(app, make_member, "Charpentes Devis", credit_limit=100_000)


def test_the_quote_is_what_the_booking_then_costs_and_holds(member_api, booker):
    saw = create_resource(member_api, price="15.00", priceUnit="HALF_DAY", capacity=3)
    start = base_time()
    q = quote(booker, saw["id"], start, start + 5 * H, quantity=2)
    assert q["errors"] == [] and q["price"] == {"amount": "30.00", "currency": "ALV"}  # 5 h: one half-day, × 2
    assert q["hold"]["amount"] == "30.00" and q["onAccount"] is False
    assert q["available"]["amount"] == "1000.00"
    # Far from the start: free until the 48-hour notice, then 50 % of the price.
    assert at(q["cancellation"]["freeUntil"]) == start - 48 * H and q["cancellation"]["graceUntil"] is None
    assert q["cancellation"]["fee"]["amount"] == "15.00"
    booking = booked(booker, saw["id"], start, start + 5 * H, quantity=2)
    assert booking["price"]["amount"] == q["price"]["amount"]
    assert account(booker)["onHold"]["amount"] == q["hold"]["amount"]
    # On account: the same price, nothing held.
    on_account = quote(booker, saw["id"], start + D, start + D + 5 * H, onAccount=True)
    assert on_account["price"]["amount"] == "15.00" and on_account["hold"]["amount"] == "0.00" and on_account["onAccount"]


def test_the_owner_side_pays_nothing_and_a_visitor_sees_the_price(app, member_api):
    saw = create_resource(member_api, price="20.00")
    start = base_time()
    own = quote(member_api, saw["id"], start, start + D)
    assert own["price"]["amount"] == "0.00" and own["hold"]["amount"] == "0.00" and own["errors"] == []
    from tests.conftest import GraphQLClient

    visitor = GraphQLClient(app.test_client())
    seen = quote(visitor, saw["id"], start, start + 2 * D)
    assert seen["price"]["amount"] == "40.00" and seen["available"] is None and seen["errors"] == []


def test_the_quote_says_why_the_booking_would_be_refused(app, make_member, member_api, booker):
    saw = create_resource(member_api, price="20.00", minDurationMinutes=120)
    start = base_time()
    booked(booker, saw["id"], start, start + D)
    taken = quote(booker, saw["id"], start + H, start + 3 * H)
    assert [e["code"] for e in taken["errors"]] == ["CONFLICT"] and taken["price"]["amount"] == "20.00"
    too_short = quote(booker, saw["id"], start + 2 * D, start + 2 * D + H)
    assert too_short["errors"][0]["field"] == ["end"]
    broke = signed_in(app, make_member, "Atelier sans crédit", credit_limit=0)
    refused = quote(broke, saw["id"], start + 3 * D, start + 4 * D)
    assert refused["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED" and refused["available"]["amount"] == "0.00"
    assert refused["errors"][0]["message"] == "Crédit disponible insuffisant\u00a0: 0,00\u00a0ALV disponibles."
    # The same member, on account: nothing to hold, but on-account debt counts against the limit.
    owed = quote(broke, saw["id"], start + 3 * D, start + 4 * D, onAccount=True)
    assert owed["hold"]["amount"] == "0.00"
    assert [(e["code"], e["field"]) for e in owed["errors"]] == [("CREDIT_LIMIT_EXCEEDED", ["payOnAccount"])]
    # Within its limit, on account is fine once; the second booking would owe past it.
    thrifty = signed_in(app, make_member, "Atelier économe", credit_limit=3000)
    assert quote(thrifty, saw["id"], start + 3 * D, start + 4 * D, onAccount=True)["errors"] == []
    # The booking service agrees with all of them.
    assert book(broke, saw["id"], start + 3 * D, start + 4 * D)["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED"
    assert book(broke, saw["id"], start + 3 * D, start + 4 * D, payOnAccount=True)["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED"
    assert book(thrifty, saw["id"], start + 3 * D, start + 4 * D, payOnAccount=True)["errors"] == []
    again = quote(thrifty, saw["id"], start + 5 * D, start + 6 * D, onAccount=True)
    assert [e["code"] for e in again["errors"]] == ["CREDIT_LIMIT_EXCEEDED"]
    assert again["errors"][0]["message"] == (
        "Pas assez de crédit pour réserver sur facture\u00a0: 30,00\u00a0ALV disponibles, 20,00\u00a0ALV déjà dus sur facture, "
        "et cette réservation coûte 20,00\u00a0ALV."
    )
    assert book(thrifty, saw["id"], start + 5 * D, start + 6 * D, payOnAccount=True)["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED"
    backwards = quote(booker, saw["id"], start + 2 * H, start)
    assert backwards["price"] is None and backwards["cancellation"] is None and backwards["errors"][0]["field"] == ["end"]


def test_inside_the_notice_the_grace_period_after_booking_is_free(app, member_api, booker):
    saw = create_resource(member_api, price="30.00", lateCancellationFeePercent=50)
    soon = now() + 24 * H  # inside the 48-hour notice
    q = quote(booker, saw["id"], soon, soon + D)
    grace_until = at(q["cancellation"]["graceUntil"])
    assert abs(grace_until - (now() + H)) < dt.timedelta(minutes=1)  # default: one hour
    assert q["cancellation"]["freeUntil"] == q["cancellation"]["graceUntil"]
    assert q["cancellation"]["fee"]["amount"] == "15.00"
    booking = booked(booker, saw["id"], soon, soon + D)
    mine = booker.data(MINE)["myBookings"]["edges"][0]["node"]
    assert mine["cancellationFeeIfCancelledNow"]["amount"] == "0.00"
    assert abs(at(mine["freeCancellationUntil"]) - grace_until) < dt.timedelta(minutes=1)
    cancelled = booker.data(CANCEL, input={"bookingId": booking["id"]})["cancelBooking"]
    assert cancelled["booking"] == {"status": "CANCELLED", "cancellationFee": {"amount": "0.00"}}
    assert account(booker)["balance"]["amount"] == "0.00" and account(booker)["onHold"]["amount"] == "0.00"


def test_after_the_grace_period_the_quoted_fee_is_charged(app, db, member_api, booker):
    saw = create_resource(member_api, price="30.00", lateCancellationFeePercent=25)
    soon = now() + 24 * H
    fee = quote(booker, saw["id"], soon, soon + D)["cancellation"]["fee"]["amount"]
    booking = booked(booker, saw["id"], soon, soon + D)
    pk = parse_global_id(booking["id"])[1]
    db.execute(sa.update(Booking).where(Booking.id == pk).values(created_at=now() - 61 * dt.timedelta(minutes=1)))
    db.commit()
    assert booker.data(MINE)["myBookings"]["edges"][0]["node"]["cancellationFeeIfCancelledNow"]["amount"] == fee == "7.50"
    cancelled = booker.data(CANCEL, input={"bookingId": booking["id"]})["cancelBooking"]
    assert cancelled["booking"]["cancellationFee"]["amount"] == "7.50"
    assert account(booker)["balance"]["amount"] == "-7.50"


def test_the_grace_period_is_configurable(app, member_api, booker):
    app.config["CANCEL_GRACE_MINUTES"] = 0
    saw = create_resource(member_api, price="30.00")
    soon = now() + 24 * H
    q = quote(booker, saw["id"], soon, soon + D)
    assert q["cancellation"]["graceUntil"] is None
    assert at(q["cancellation"]["freeUntil"]) <= dt.datetime.now(dt.timezone.utc)  # costs from now on
    booking = booked(booker, saw["id"], soon, soon + D)
    assert booker.data(CANCEL, input={"bookingId": booking["id"]})["cancelBooking"]["booking"]["cancellationFee"]["amount"] == "15.00"
    app.config["CANCEL_GRACE_MINUTES"] = 180
    later = quote(booker, saw["id"], soon + 2 * D, soon + 3 * D)  # 72 h ahead: the notice is what counts
    assert later["cancellation"]["graceUntil"] is None
    close = quote(booker, saw["id"], soon + D, soon + 2 * D)  # 48 h ahead: the notice ends now, grace wins
    assert abs(at(close["cancellation"]["graceUntil"]) - (now() + 3 * H)) < dt.timedelta(minutes=1)


def test_an_approved_request_gets_its_grace_period_from_the_approval(app, db, member_api, booker):
    room = create_resource(member_api, kind="WORKSPACE", title="Atelier", price="10.00", priceUnit="HOUR",
                           approvalRequired=True)
    soon = now() + 10 * H
    q = quote(booker, room["id"], soon, soon + 2 * H)
    assert q["approvalRequired"] is True
    booking = booked(booker, room["id"], soon, soon + 2 * H)
    pk = parse_global_id(booking["id"])[1]
    db.execute(sa.update(Booking).where(Booking.id == pk).values(created_at=now() - 5 * H))  # asked long ago
    db.commit()
    assert member_api.data(APPROVE, input={"bookingId": booking["id"]})["approveBooking"]["booking"]["status"] == "CONFIRMED"
    cancelled = booker.data(CANCEL, input={"bookingId": booking["id"]})["cancelBooking"]
    assert cancelled["booking"]["cancellationFee"]["amount"] == "0.00"


# --- The rule itself, for any moments ----------------------------------------------------------

MOMENT = st.datetimes(min_value=dt.datetime(2030, 1, 1), max_value=dt.datetime(2030, 3, 1), timezones=st.just(dt.timezone.utc))


@given(start=MOMENT, booked_at=MOMENT, notice=st.integers(0, 24 * 30), grace=st.integers(0, 600),
       price=st.integers(1, 10**9), percent=st.integers(0, 100), first=MOMENT, second=MOMENT)
def test_cancelling_is_free_then_costs_the_fee_never_the_other_way(start, booked_at, notice, grace, price, percent,
                                                                    first, second):
    resource = Resource(free_cancellation_hours=notice, late_cancellation_fee_percent=percent)
    booking = Booking(start=start, created_at=min(booked_at, start), status=BookingStatus.CONFIRMED, price=price)
    grace_period = dt.timedelta(minutes=grace)
    until = free_cancellation_until(resource, start, booking.created_at, grace_period)
    # Free at least until the notice, never past the start once the notice is over.
    assert until >= start - dt.timedelta(hours=notice)
    assert until <= max(start - dt.timedelta(hours=notice), start)
    early, late = sorted((first, second))
    fee_early = cancellation_fee(booking, resource, early, grace_period)
    fee_late = cancellation_fee(booking, resource, late, grace_period)
    assert fee_early <= fee_late  # cancelling later never costs less
    assert fee_late in (0, -(-price * percent // 100))
    assert (cancellation_fee(booking, resource, until, grace_period) == 0)
    within_grace = booking.created_at + grace_period
    if within_grace <= start:
        assert cancellation_fee(booking, resource, within_grace, grace_period) == 0
