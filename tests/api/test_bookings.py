"""bookResource: every rule one by one, the half-open boundary, capacity, prices, and the
ledger: holds and transfers tie out."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tests.api.catalog_helpers import (
    account,
    base_time,
    book,
    booked,
    create_resource,
    iso,
    signed_in,
)
from tests.conftest import assert_ledger_ok

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)





def test_defaults_price_rounds_up_to_whole_units_and_holds_credit(app, owner, booker):
    resource = create_resource(owner, price="20.00", priceUnit="DAY")
    assert resource["owner"]["name"] == "Member org" and resource["status"] == "AVAILABLE"
    start = base_time()
    # 48 hours at 20.00 per day: 40.00; 49 hours: three days started, 60.00.
    booking = booked(booker, resource["id"], start, start + 48 * H)
    assert booking["status"] == "CONFIRMED"
    assert booking["price"] == {"amount": "40.00", "currency": "ALV"}
    second = booked(booker, resource["id"], start + 3 * D, start + 3 * D + 49 * H)
    assert second["price"]["amount"] == "60.00"
    mine = account(booker)
    assert mine["onHold"]["amount"] == "100.00"
    assert mine["balance"]["amount"] == "0.00"
    assert mine["available"]["amount"] == "900.00"
    assert_ledger_ok(app)


def test_hourly_and_half_day_prices_and_quantity(owner, booker):
    hourly = create_resource(owner, kind="WORKSPACE", title="Salle de réunion", price="5.00", priceUnit="HOUR", capacity=4)
    start = base_time()
    b = booked(booker, hourly["id"], start, start + dt.timedelta(minutes=90), quantity=2)
    assert b["price"]["amount"] == "20.00"  # 2 hours started × 5.00 × 2 desks
    half = create_resource(owner, kind="WORKSPACE", title="Établi", price="8.00", priceUnit="HALF_DAY")
    assert booked(booker, half["id"], start, start + 13 * H)["price"]["amount"] == "16.00"


def test_half_open_boundary_back_to_back_bookings_do_not_clash(owner, booker):
    resource = create_resource(owner)
    start = base_time()
    booked(booker, resource["id"], start, start + 2 * H)
    # Ending at 10:00 and starting at 10:00 do not overlap.
    booked(booker, resource["id"], start + 2 * H, start + 4 * H)
    booked(booker, resource["id"], start - 2 * H, start)
    clash = book(booker, resource["id"], start + H, start + 3 * H)
    assert clash["booking"] is None
    assert [e["code"] for e in clash["errors"]] == ["CONFLICT"]


def test_conflict_suggests_the_next_free_slots(owner, booker):
    resource = create_resource(owner)
    start = base_time()
    booked(booker, resource["id"], start, start + 2 * H)
    result = book(booker, resource["id"], start + H, start + 2 * H)
    assert result["errors"][0]["code"] == "CONFLICT"
    assert result["errors"][0]["field"] == ["start"]
    slots = result["suggestedSlots"]
    assert slots, result
    first = dt.datetime.fromisoformat(slots[0]["start"])
    assert first == start + 2 * H  # right after the booking that is in the way
    assert dt.datetime.fromisoformat(slots[0]["end"]) - first == H
    # The suggestion really is free.
    booked(booker, resource["id"], first, first + H)


def test_capacity_n_sum_of_quantities_never_exceeds_it(owner, booker):
    desks = create_resource(owner, kind="WORKSPACE", title="Postes de coworking", capacity=3, price="2.00", priceUnit="HOUR")
    start = base_time()
    booked(booker, desks["id"], start, start + 4 * H, quantity=2)
    booked(booker, desks["id"], start + 2 * H, start + 6 * H, quantity=1)
    # 08-10: 2 in use, 10-12: 3 in use, 12-14: 1 in use.
    assert book(booker, desks["id"], start + 3 * H, start + 5 * H)["errors"][0]["code"] == "CONFLICT"
    booked(booker, desks["id"], start, start + 2 * H, quantity=1)
    booked(booker, desks["id"], start + 4 * H, start + 6 * H, quantity=2)
    too_many = book(booker, desks["id"], start, start + H, quantity=4)
    assert too_many["errors"][0]["code"] == "INVALID" and too_many["errors"][0]["field"] == ["quantity"]


def test_buffer_time_keeps_a_gap_after_each_booking(owner, booker):
    kiln = create_resource(owner, title="Séchoir à bois", bufferMinutes=60)
    start = base_time()
    booked(booker, kiln["id"], start, start + 2 * H)
    assert book(booker, kiln["id"], start + 2 * H, start + 3 * H)["errors"][0]["code"] == "CONFLICT"
    # Nor just before the existing booking: its own buffer would run into it.
    assert book(booker, kiln["id"], start - 2 * H, start - dt.timedelta(minutes=30))["errors"][0]["code"] == "CONFLICT"
    booked(booker, kiln["id"], start + 3 * H, start + 4 * H)
    booked(booker, kiln["id"], start - 3 * H, start - H)


@pytest.mark.parametrize("rule, window, field", [
    ({"minDurationMinutes": 120}, (0, 1), "end"),
    ({"maxDurationMinutes": 240}, (0, 5), "end"),
    ({"maxAdvanceDays": 3}, (0, 1), "start"),
])
def test_duration_and_advance_rules(owner, booker, rule, window, field):
    resource = create_resource(owner, **rule)
    start = base_time()
    result = book(booker, resource["id"], start + window[0] * H, start + window[1] * H)
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", [field])]


def test_past_start_and_reversed_interval_are_refused(owner, booker):
    resource = create_resource(owner)
    past = dt.datetime.now(dt.timezone.utc) - D
    assert book(booker, resource["id"], past, past + H)["errors"][0]["field"] == ["start"]
    start = base_time()
    assert book(booker, resource["id"], start, start - H)["errors"][0]["field"] == ["end"]


def test_default_booking_window_is_one_year(owner, booker):
    resource = create_resource(owner)
    far = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=366)
    assert book(booker, resource["id"], far, far + H)["errors"][0]["field"] == ["start"]
    near = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=360)
    assert book(booker, resource["id"], near, near + 3 * H)["errors"] == []


def test_opening_hours_workspace_inside_one_window_tool_handover_only(owner, booker):
    week = [{"weekday": d, "opens": "08:00", "closes": "18:00"} for d in range(1, 6)]
    hall = create_resource(owner, kind="WORKSPACE", title="Halle d'assemblage", openingHours=week)
    monday = base_time()  # Monday 08:00 UTC = 09:00 or 10:00 in Paris
    local = monday.astimezone(dt.timezone(dt.timedelta(hours=0)))
    assert local.weekday() == 0
    ok = booked(booker, hall["id"], monday, monday + 4 * H)
    assert ok["status"] == "CONFIRMED"
    # Overnight is outside the opening hours for a space...
    night = book(booker, hall["id"], monday + 6 * H, monday + 26 * H)
    assert [(e["code"], e["field"]) for e in night["errors"]] == [("INVALID", ["start"])]
    # ...but a tool only needs pick-up and return during opening hours.
    saw = create_resource(owner, title="Scierie mobile", openingHours=week)
    booked(booker, saw["id"], monday, monday + 24 * H)
    # Saturday is closed.
    saturday = monday + 5 * D
    assert book(booker, saw["id"], saturday, saturday + H)["errors"][0]["code"] == "INVALID"


CLOSE = """mutation($input: AddResourceClosureInput!) {
  addResourceClosure(input: $input) { closure { id kind } errors { code field message } }
}"""
STATUS = """mutation($input: SetResourceStatusInput!) {
  setResourceStatus(input: $input) { resource { status } cancelledBookings errors { code field message } }
}"""


def test_closures_and_status_block_bookings(owner, booker):
    resource = create_resource(owner)
    start = base_time()
    closure = owner.data(CLOSE, input={"resourceId": resource["id"], "start": iso(start), "end": iso(start + D), "kind": "MAINTENANCE", "reason": "Affûtage"})
    assert closure["addResourceClosure"]["errors"] == []
    assert book(booker, resource["id"], start + H, start + 2 * H)["errors"][0]["code"] == "CONFLICT"
    booked(booker, resource["id"], start + D, start + D + H)
    # A closure over an active booking is refused.
    clash = owner.data(CLOSE, input={"resourceId": resource["id"], "start": iso(start + D), "end": iso(start + 2 * D)})
    assert clash["addResourceClosure"]["errors"][0]["code"] == "CONFLICT"
    # Maintenance with a future booking: the owner must choose.
    result = owner.data(STATUS, input={"resourceId": resource["id"], "status": "MAINTENANCE"})["setResourceStatus"]
    assert result["errors"][0]["field"] == ["futureBookings"]
    result = owner.data(STATUS, input={"resourceId": resource["id"], "status": "MAINTENANCE", "futureBookings": "KEEP"})["setResourceStatus"]
    assert result["resource"]["status"] == "MAINTENANCE"
    refused = book(booker, resource["id"], start + 3 * D, start + 3 * D + H)
    assert refused["errors"][0]["code"] == "INVALID_STATE"


REOPEN = """mutation($input: RemoveResourceClosureInput!) {
  removeResourceClosure(input: $input) { resource { id closures { id } } errors { code field message } }
}"""


def test_removing_a_closure_reopens_the_calendar(owner, booker):
    resource = create_resource(owner)
    start = base_time()
    closure = owner.data(CLOSE, input={"resourceId": resource["id"], "start": iso(start), "end": iso(start + D)})
    closure_id = closure["addResourceClosure"]["closure"]["id"]
    assert book(booker, resource["id"], start + H, start + 2 * H)["errors"][0]["code"] == "CONFLICT"
    reopened = owner.data(REOPEN, input={"closureId": closure_id})["removeResourceClosure"]
    assert reopened["errors"] == [] and reopened["resource"]["closures"] == []
    booked(booker, resource["id"], start + H, start + 2 * H)
    # Gone: the same id again is NOT_FOUND.
    again = owner.data(REOPEN, input={"closureId": closure_id})["removeResourceClosure"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_FOUND", ["closureId"])]


def test_only_the_owner_removes_a_closure(owner, booker):
    resource = create_resource(owner)
    start = base_time()
    closure_id = owner.data(CLOSE, input={"resourceId": resource["id"], "start": iso(start), "end": iso(start + D)})[
        "addResourceClosure"]["closure"]["id"]
    refused = booker.data(REOPEN, input={"closureId": closure_id})["removeResourceClosure"]
    assert refused["resource"] is None and refused["errors"][0]["code"] == "FORBIDDEN"
    # Not a closure's id at all: NOT_FOUND on the field, before anything is read.
    wrong = owner.data(REOPEN, input={"closureId": resource["id"]})["removeResourceClosure"]
    assert wrong["errors"][0]["code"] == "NOT_FOUND" and wrong["errors"][0]["field"] == ["closureId"]
    # Still closed.
    assert book(booker, resource["id"], start + H, start + 2 * H)["errors"][0]["code"] == "CONFLICT"


def test_retiring_with_cancel_releases_the_holds(app, owner, booker):
    resource = create_resource(owner)
    start = base_time()
    booked(booker, resource["id"], start, start + D)
    assert account(booker)["onHold"]["amount"] == "20.00"
    result = owner.data(STATUS, input={"resourceId": resource["id"], "status": "RETIRED", "futureBookings": "CANCEL"})["setResourceStatus"]
    assert result["cancelledBookings"] == 1 and result["resource"]["status"] == "RETIRED"
    assert account(booker)["onHold"]["amount"] == "0.00"
    assert_ledger_ok(app)


def test_credit_limit_is_enforced_by_the_hold(app, make_member, owner):
    poor = signed_in(app, make_member, "Petite asso", credit_limit=3_000)
    resource = create_resource(owner, price="20.00")
    start = base_time()
    booked(poor, resource["id"], start, start + D)
    refused = book(poor, resource["id"], start + 2 * D, start + 3 * D)
    assert refused["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED"
    assert account(poor)["onHold"]["amount"] == "20.00"
    assert_ledger_ok(app)


def test_idempotency_key_returns_the_first_booking(owner, booker):
    resource = create_resource(owner)
    start = base_time()
    first = booked(booker, resource["id"], start, start + H, idempotencyKey="k-1")
    again = booked(booker, resource["id"], start, start + H, idempotencyKey="k-1")
    assert again["id"] == first["id"]
    assert account(booker)["onHold"]["amount"] == "20.00"
    other = book(booker, resource["id"], start + D, start + D + H, idempotencyKey="k-1")
    assert other["errors"][0]["field"] == ["idempotencyKey"]


def test_bad_input_is_reported_per_field_and_changes_nothing(owner, booker, api):
    resource = create_resource(owner)
    bad = booker.data(
        """mutation($input: BookResourceInput!) { bookResource(input: $input) { booking { id } errors { code field message } } }""",
        input={"resourceId": resource["id"], "start": "2030-01-01T10:00:00", "end": "2030-01-01T12:00:00+01:00"},
    )["bookResource"]
    assert bad["errors"][0]["field"] == ["start"]
    unknown = book(booker, "UmVzb3VyY2U6OTk5OTk", base_time(), base_time() + H)
    assert unknown["errors"][0]["code"] == "NOT_FOUND"
    anonymous = book(api, resource["id"], base_time(), base_time() + H)
    assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED"
    assert account(booker)["onHold"]["amount"] == "0.00"


def test_booking_errors_are_in_the_members_language(app, make_member, owner):
    english = signed_in(app, make_member, "English org", language="en")
    french = signed_in(app, make_member, "Org française", language="fr")
    resource = create_resource(owner)
    start = base_time()
    booked(english, resource["id"], start, start + H)
    en = book(english, resource["id"], start, start + H)["errors"][0]["message"]
    fr = book(french, resource["id"], start, start + H)["errors"][0]["message"]
    assert en.startswith("This slot is no longer free")
    assert fr.startswith("Ce créneau n’est plus libre")


def test_own_organisation_books_its_resource_without_credit(app, owner):
    resource = create_resource(owner)
    start = base_time()
    booking = booked(owner, resource["id"], start, start + D)
    assert booking["price"]["amount"] == "0.00"
    assert account(owner)["onHold"]["amount"] == "0.00"


def test_hub_pool_resource_pays_the_commons(app, admin_api, booker):
    resource = create_resource(admin_api, hubPool=True, title="Échafaudage du pôle", price="10.00")
    assert resource["hubPool"] and resource["owner"] is None
    start = base_time()
    booked(booker, resource["id"], start, start + D)
    from app.catalog.resources import owner_account_id  # noqa: F401  (the commons, checked below)
    from app.database import get_session
    from app.ledger.services import system_account
    from models import COMMONS

    with app.app_context():
        assert system_account(get_session(), COMMONS).on_hold == 0


def test_only_managers_offer_resources(app, make_member):
    from tests.api.catalog_helpers import CREATE_RESOURCE
    from tests.conftest import GraphQLClient

    plain = GraphQLClient(app.test_client()).login(make_member())
    result = plain.data(CREATE_RESOURCE, input={"kind": "TOOL", "title": "Perceuse", "price": "1.00", "priceUnit": "DAY"})
    assert result["createResource"]["errors"][0]["code"] == "FORBIDDEN"
    missing = plain.data(CREATE_RESOURCE, input={"kind": "TOOL", "title": "  ", "price": "-1", "priceUnit": "DAY"})
    fields = {e["field"][0] for e in missing["createResource"]["errors"]}
    assert fields == {"title", "price"}


def test_exclusion_constraint_guards_postgresql(app, owner, booker, backend):
    """Behind the row lock, PostgreSQL itself refuses two overlapping capacity-1 bookings."""
    if backend != "postgresql":
        pytest.skip("exclusion constraints are PostgreSQL's")
    from app.database import get_session
    from models import Booking

    resource = create_resource(owner)
    start = base_time()
    first = booked(booker, resource["id"], start, start + 2 * H)
    with app.app_context():
        session = get_session()
        original = session.scalar(sa.select(Booking))
        copy = {c.key: getattr(original, c.key) for c in sa.inspect(Booking).column_attrs if c.key not in ("id", "hold_id", "idempotency_key")}
        copy["start"] = start + H
        session.add(Booking(**copy))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
        session.rollback()
    assert first["status"] == "CONFIRMED"
