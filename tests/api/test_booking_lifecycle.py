"""After bookResource: cancel (free, then a fee), approve/reject, check-out, return (late fee,
damage), completion paying the owner, no-show. The ledger ties out after each."""
import datetime as dt

import sqlalchemy as sa

from app.api.relay import parse_global_id
from tests.api.catalog_helpers import account, base_time, book, booked, create_resource, signed_in
from tests.conftest import assert_ledger_ok

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

ACTION = """mutation($input: BookingActionInput!) {
  %s(input: $input) { booking { id status cancellationFee { amount } decisionReason } errors { code field message } }
}"""
CHECK_OUT = """mutation($input: CheckOutBookingInput!) {
  checkOutBooking(input: $input) { booking { id status checkoutNote } errors { code field message } }
}"""
RETURN = """mutation($input: ReturnBookingInput!) {
  returnBooking(input: $input) { booking { id status returnNote damageReported lateFee { amount } } errors { code field message } }
}"""




def act(client, name, booking_id, **extra):
    return client.data(ACTION % name, input={"bookingId": booking_id, **extra})[name]



def shift_to_past(app, booking_id: str, start: dt.datetime, end: dt.datetime):
    """Move a booking's interval (tests of what happens after it ended)."""
    from app.database import get_session
    from models import Booking

    pk = parse_global_id(booking_id)[1]
    with app.app_context():
        session = get_session()
        session.execute(
            sa.update(Booking).where(Booking.id == pk).values(start=start, end=end, blocked_from=start, blocked_until=end)
        )
        session.commit()


def test_cancel_more_than_48_hours_before_is_free(app, owner, booker):
    resource = create_resource(owner)
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D)
    result = act(booker, "cancelBooking", booking["id"])
    assert result["errors"] == [] and result["booking"]["status"] == "CANCELLED"
    assert result["booking"]["cancellationFee"]["amount"] == "0.00"
    mine = account(booker)
    assert mine["onHold"]["amount"] == "0.00" and mine["balance"]["amount"] == "0.00"
    # Cancelled twice: refused.
    assert act(booker, "cancelBooking", booking["id"])["errors"][0]["code"] == "INVALID_STATE"
    # The slot is free again.
    booked(booker, resource["id"], start, start + D)
    assert_ledger_ok(app)


def test_late_cancellation_pays_the_fee_to_the_owner(app, owner, booker):
    app.config["CANCEL_GRACE_MINUTES"] = 0  # no grace period after booking (see test_booking_quotes)
    resource = create_resource(owner, price="30.00", lateCancellationFeePercent=50)
    soon = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + 24 * H
    booking = booked(booker, resource["id"], soon, soon + D)
    result = act(booker, "cancelBooking", booking["id"])
    assert result["booking"]["cancellationFee"]["amount"] == "15.00"
    mine = account(booker)
    assert mine["balance"]["amount"] == "-15.00" and mine["onHold"]["amount"] == "0.00"
    assert account(owner)["balance"]["amount"] == "15.00"
    assert_ledger_ok(app)


def test_only_the_booker_or_the_owner_cancels_and_the_owner_cancels_free(app, make_member, owner, booker):
    resource = create_resource(owner)
    soon = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + 2 * H
    booking = booked(booker, resource["id"], soon, soon + D)
    stranger = signed_in(app, make_member, "Autre org")
    assert act(stranger, "cancelBooking", booking["id"])["errors"][0]["code"] == "FORBIDDEN"
    result = act(owner, "cancelBooking", booking["id"], reason="Panne")
    assert result["booking"]["status"] == "CANCELLED" and result["booking"]["cancellationFee"]["amount"] == "0.00"
    assert account(booker)["balance"]["amount"] == "0.00"
    assert_ledger_ok(app)


def test_approval_required_then_approve(app, owner, booker):
    resource = create_resource(owner, approvalRequired=True)
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D)
    assert booking["status"] == "REQUESTED"
    # A request keeps the slot while the owner decides.
    assert book(booker, resource["id"], start, start + H)["errors"][0]["code"] == "CONFLICT"
    assert act(booker, "approveBooking", booking["id"])["errors"][0]["code"] == "FORBIDDEN"
    # The owner's desk lists a request once: under the requests, not again under what is coming.
    desk = "query($view: OwnerBookingView) { managedBookings(view: $view) { nodes { id } } }"
    assert [b["id"] for b in owner.data(desk, view="REQUESTS")["managedBookings"]["nodes"]] == [booking["id"]]
    assert owner.data(desk, view="UPCOMING")["managedBookings"]["nodes"] == []
    assert act(owner, "approveBooking", booking["id"])["booking"]["status"] == "CONFIRMED"
    assert [b["id"] for b in owner.data(desk, view="UPCOMING")["managedBookings"]["nodes"]] == [booking["id"]]
    assert act(owner, "approveBooking", booking["id"])["errors"][0]["code"] == "INVALID_STATE"


def test_reject_needs_a_reason_and_releases_the_hold(app, owner, booker):
    resource = create_resource(owner, approvalRequired=True)
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D)
    assert account(booker)["onHold"]["amount"] == "20.00"
    assert act(owner, "rejectBooking", booking["id"])["errors"][0]["field"] == ["reason"]
    result = act(owner, "rejectBooking", booking["id"], reason="Réservé pour un chantier")
    assert result["booking"]["status"] == "REJECTED"
    assert result["booking"]["decisionReason"] == "Réservé pour un chantier"
    assert account(booker)["onHold"]["amount"] == "0.00"
    assert_ledger_ok(app)


def test_check_out_and_return_on_time_completes_and_pays_the_owner(app, owner, booker):
    resource = create_resource(owner, price="25.00")
    start = base_time()
    booking = booked(booker, resource["id"], start, start + 2 * D)
    # The member cannot hand the tool over to themselves; returning before check-out is refused.
    assert booker.data(CHECK_OUT, input={"bookingId": booking["id"]})["checkOutBooking"]["errors"][0]["code"] == "FORBIDDEN"
    assert owner.data(RETURN, input={"bookingId": booking["id"]})["returnBooking"]["errors"][0]["code"] == "INVALID_STATE"
    out = owner.data(CHECK_OUT, input={"bookingId": booking["id"], "conditionNote": "Lame neuve"})["checkOutBooking"]
    assert out["booking"]["status"] == "CHECKED_OUT" and out["booking"]["checkoutNote"] == "Lame neuve"
    # Cancelling a tool that is out is refused.
    assert act(booker, "cancelBooking", booking["id"])["errors"][0]["code"] == "INVALID_STATE"
    back = owner.data(RETURN, input={"bookingId": booking["id"], "conditionNote": "RAS"})["returnBooking"]
    assert back["booking"]["status"] == "COMPLETED" and back["booking"]["lateFee"]["amount"] == "0.00"
    assert account(booker)["balance"]["amount"] == "-50.00"
    assert account(booker)["onHold"]["amount"] == "0.00"
    assert account(owner)["balance"]["amount"] == "50.00"
    assert_ledger_ok(app)


def test_late_return_costs_the_late_fee_per_day_started(app, owner, booker):
    resource = create_resource(owner, price="10.00", lateFeePerDay="4.00")
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D)
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    now = dt.datetime.now(dt.timezone.utc)
    # It should have come back 36 hours ago: two days started, 8.00.
    shift_to_past(app, booking["id"], now - 60 * H, now - 36 * H)
    back = owner.data(RETURN, input={"bookingId": booking["id"]})["returnBooking"]
    assert back["booking"]["lateFee"]["amount"] == "8.00"
    assert account(booker)["balance"]["amount"] == "-18.00"
    assert account(owner)["balance"]["amount"] == "18.00"
    assert_ledger_ok(app)


def test_damage_keeps_the_booking_returned_until_the_owner_completes_it(app, owner, booker):
    resource = create_resource(owner)
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D)
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    back = owner.data(RETURN, input={"bookingId": booking["id"], "conditionNote": "Carter fêlé", "damageReported": True})["returnBooking"]
    assert back["booking"]["status"] == "RETURNED" and back["booking"]["damageReported"]
    assert account(booker)["onHold"]["amount"] == "20.00"
    done = act(owner, "completeBooking", booking["id"])
    assert done["booking"]["status"] == "COMPLETED"
    assert account(owner)["balance"]["amount"] == "20.00"
    assert_ledger_ok(app)


def test_workspace_completes_after_its_end_and_no_show(app, owner, booker):
    room = create_resource(owner, kind="WORKSPACE", title="Salle de réunion", price="5.00", priceUnit="HOUR")
    start = base_time()
    first = booked(booker, room["id"], start, start + 2 * H)
    second = booked(booker, room["id"], start + D, start + D + 2 * H)
    assert act(owner, "completeBooking", first["id"])["errors"][0]["code"] == "INVALID_STATE"  # not ended
    assert act(owner, "markNoShow", second["id"])["errors"][0]["code"] == "INVALID_STATE"  # not started
    now = dt.datetime.now(dt.timezone.utc)
    shift_to_past(app, first["id"], now - 5 * H, now - 3 * H)
    shift_to_past(app, second["id"], now - 2 * H, now - H)
    assert act(owner, "completeBooking", first["id"])["booking"]["status"] == "COMPLETED"
    assert act(owner, "markNoShow", second["id"])["booking"]["status"] == "NO_SHOW"
    assert account(owner)["balance"]["amount"] == "20.00"
    assert_ledger_ok(app)


def test_complete_due_command_closes_ended_workspace_bookings(app, owner, booker, runner):
    room = create_resource(owner, kind="WORKSPACE", title="Salle", price="5.00", priceUnit="HOUR")
    tool = create_resource(owner, title="Ponceuse")
    start = base_time()
    b1 = booked(booker, room["id"], start, start + H)
    b2 = booked(booker, tool["id"], start, start + H)
    now = dt.datetime.now(dt.timezone.utc)
    shift_to_past(app, b1["id"], now - 3 * H, now - 2 * H)
    shift_to_past(app, b2["id"], now - 3 * H, now - 2 * H)
    result = runner.invoke(args=["catalog", "complete-due"])
    assert result.exit_code == 0, result.output
    assert "1 booking(s) completed" in result.output
    assert account(owner)["balance"]["amount"] == "5.00"  # the tool waits for its return
    assert_ledger_ok(app)


BOOKING_NODE = """query($id: ID!) { node(id: $id) { ... on Booking { id status resource { title } } } }"""


def test_a_booking_is_visible_to_its_booker_and_owner_only(app, make_member, owner, booker):
    resource = create_resource(owner)
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D)
    assert booker.data(BOOKING_NODE, id=booking["id"])["node"]["status"] == "CONFIRMED"
    assert owner.data(BOOKING_NODE, id=booking["id"])["node"]["resource"]["title"] == "Scie à ruban"
    stranger = signed_in(app, make_member, "Curieux")
    assert stranger.data(BOOKING_NODE, id=booking["id"])["node"] is None


def test_maintenance_block_after_every_n_loans(app, owner, booker):
    """Every second loan of the sawmill closes its calendar for a day of maintenance, at the
    first moment it is free (after the bookings already made)."""
    resource = create_resource(owner, maintenanceEveryLoans=2, maintenanceMinutes=24 * 60)
    start = base_time()
    first = booked(booker, resource["id"], start, start + 2 * H)
    second = booked(booker, resource["id"], start + D, start + D + 2 * H)
    third = booked(booker, resource["id"], start + 2 * D, start + 2 * D + 2 * H)
    for booking in (first, second):
        owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
        assert owner.data(RETURN, input={"bookingId": booking["id"]})["returnBooking"]["booking"]["status"] == "COMPLETED"
    closures = owner.data(
        "query($id: ID!) { resource(id: $id) { closures { kind start end reason } } }", id=resource["id"]
    )["resource"]["closures"]
    assert len(closures) == 1 and closures[0]["kind"] == "MAINTENANCE"
    block_start = dt.datetime.fromisoformat(closures[0]["start"])
    # Not over the third booking, which was already made.
    assert not (block_start < start + 2 * D + 2 * H and start + 2 * D < block_start + D)
    clash = book(booker, resource["id"], block_start + H, block_start + 2 * H)
    assert clash["errors"][0]["code"] == "CONFLICT"
    assert third["status"] == "CONFIRMED"


INVOICES = """{ invoices(direction: TO_PAY) { nodes { status amount { amount } outstanding { amount } sourceBookingId memo creditor { name } } } }"""


def test_a_booking_left_on_account_is_invoiced_when_it_completes(app, owner, booker):
    resource = create_resource(owner, price="25.00")
    start = base_time()
    booking = booked(booker, resource["id"], start, start + 2 * D, payOnAccount=True)
    # No credit is held: the booker's available credit does not move.
    assert account(booker)["onHold"]["amount"] == "0.00"
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    back = owner.data(RETURN, input={"bookingId": booking["id"]})["returnBooking"]
    assert back["booking"]["status"] == "COMPLETED"
    invoices = booker.data(INVOICES)["invoices"]["nodes"]
    assert invoices == [{
        "status": "ACCEPTED", "amount": {"amount": "50.00"}, "outstanding": {"amount": "50.00"},
        "sourceBookingId": parse_global_id(booking["id"])[1], "memo": "Réservation\u00a0: Scie à ruban",
        "creditor": {"name": "Member org"},
    }]
    # The debt is on account, not in the balances: the clearing will see it.
    assert account(booker)["balance"]["amount"] == "0.00" and account(owner)["balance"]["amount"] == "0.00"
    assert_ledger_ok(app)


def test_a_late_cancellation_left_on_account_invoices_its_fee(app, owner, booker):
    app.config["CANCEL_GRACE_MINUTES"] = 0
    resource = create_resource(owner, price="10.00", freeCancellationHours=24 * 365)
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D, payOnAccount=True)
    cancelled = act(booker, "cancelBooking", booking["id"])["booking"]
    assert cancelled["status"] == "CANCELLED"
    [fee] = booker.data(INVOICES)["invoices"]["nodes"]
    assert fee["amount"] == {"amount": "5.00"} and fee["memo"].startswith("Frais d’annulation")
    assert_ledger_ok(app)


def test_memos_the_hub_writes_read_in_the_readers_language(app, owner, booker):
    """Stored as a key and arguments: the same invoice reads in French, then in English."""
    resource = create_resource(owner, price="25.00")
    start = base_time()
    booking = booked(booker, resource["id"], start, start + D, payOnAccount=True)
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    owner.data(RETURN, input={"bookingId": booking["id"]})
    assert booker.data(INVOICES)["invoices"]["nodes"][0]["memo"] == "Réservation\u00a0: Scie à ruban"
    switch = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { errors { code } } }"
    assert booker.data(switch, input={"name": "Booker", "language": "en"})["updateProfile"]["errors"] == []
    assert booker.data(INVOICES)["invoices"]["nodes"][0]["memo"] == "Booking: Scie à ruban"
