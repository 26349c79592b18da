"""Damage, late returns and series on account: the owner records damage with a note and photos
at the return and may close the resource for repair; an overdue loan shows as such, its late
fee growing, on the owner's desk and in the member's list; a weekly series keeps the choice to
pay on account."""
import datetime as dt

import pytest

from tests.api.catalog_helpers import account, base_time, booked, create_resource, iso, signed_in
from tests.api.test_booking_lifecycle import CHECK_OUT, shift_to_past
from tests.api.test_photos import b64, image_bytes

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
W = dt.timedelta(weeks=1)

RETURN = """mutation($input: ReturnBookingInput!) {
  returnBooking(input: $input) {
    booking { id status returnNote damageReported lateFee { amount } damagePhotos { id url thumbnailUrl width } resource { status } }
    errors { code field message }
  }
}"""
MINE = """query($scope: BookingScope! = UPCOMING) { myBookings(scope: $scope) { edges { node {
  id status overdue lateFeeIfReturnedNow { amount } damageReported damagePhotos { url } } } } }"""
DESK = """{ overdue: managedBookings(view: OVERDUE) { totalCount edges { node { id overdue lateFeeIfReturnedNow { amount } } } }
           returns: managedBookings(view: RETURNS_DUE) { totalCount } }"""
SERIES = """mutation($input: BookResourceSeriesInput!) {
  bookResourceSeries(input: $input) { bookings { id onAccount price { amount } } errors { code field message } }
}"""


@pytest.fixture
def booker(app, make_member):
    return signed_in(app, make_member, "Charpentes Retour", credit_limit=100_000)


def loan(owner, booker, **fields):
    tool = create_resource(owner, price="20.00", **fields)
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + H
    booking = booked(booker, tool["id"], start, start + D)
    assert owner.data(CHECK_OUT, input={"bookingId": booking["id"]})["checkOutBooking"]["errors"] == []
    return tool, booking


def test_damage_is_recorded_with_photos_and_closes_the_resource_for_repair(app, make_member, member_api, booker):
    tool, booking = loan(member_api, booker)
    photos = [b64(image_bytes(size=(800, 600))), b64(image_bytes("JPEG", size=(600, 800), color=(10, 10, 10)))]
    result = member_api.data(RETURN, input={
        "bookingId": booking["id"], "conditionNote": "Lame fendue", "photos": photos, "closeForRepair": True,
    })["returnBooking"]
    assert result["errors"] == []
    returned = result["booking"]
    # Photos imply damage: the booking waits for the owner to complete it.
    assert returned["status"] == "RETURNED" and returned["damageReported"] and returned["returnNote"] == "Lame fendue"
    assert [p["width"] for p in returned["damagePhotos"]] == [800, 600]
    assert returned["resource"]["status"] == "MAINTENANCE"
    # The booker sees them too; a stranger gets nothing.
    seen = booker.data(MINE, scope="ALL")["myBookings"]["edges"][0]["node"]
    assert seen["damageReported"] and len(seen["damagePhotos"]) == 2
    url, thumb = returned["damagePhotos"][0]["url"], returned["damagePhotos"][0]["thumbnailUrl"]
    for client in (member_api, booker):
        assert client.client.get(url).mimetype == "image/jpeg" and client.client.get(thumb).status_code == 200
    stranger = signed_in(app, make_member, "Curieux")
    assert stranger.client.get(url).status_code == 404
    assert app.test_client().get(url).status_code in (302, 401)
    # Closed for repair: no new booking until the owner reopens it.
    start = base_time()
    refused = booker.data("""mutation($input: BookResourceInput!) { bookResource(input: $input) { errors { code } } }""",
                          input={"resourceId": tool["id"], "start": iso(start), "end": iso(start + D)})
    assert refused["bookResource"]["errors"][0]["code"] == "INVALID_STATE"


def test_a_refused_photo_records_nothing(app, member_api, booker):
    _tool, booking = loan(member_api, booker)
    bad = member_api.data(RETURN, input={"bookingId": booking["id"], "photos": [b64(b"not a picture")]})["returnBooking"]
    assert bad["errors"][0]["code"] == "INVALID" and bad["errors"][0]["field"] == ["photos"]
    too_many = member_api.data(RETURN, input={"bookingId": booking["id"], "photos": [b64(image_bytes(size=(50, 50)))] * 7})
    assert too_many["returnBooking"]["errors"][0]["field"] == ["photos"]
    assert booker.data(MINE)["myBookings"]["edges"][0]["node"]["status"] == "CHECKED_OUT"
    # A plain return still works, and completes the loan.
    clean = member_api.data(RETURN, input={"bookingId": booking["id"]})["returnBooking"]
    assert clean["booking"]["status"] == "COMPLETED" and clean["booking"]["damagePhotos"] == []
    assert clean["booking"]["resource"]["status"] == "AVAILABLE"


def test_an_overdue_loan_shows_its_growing_late_fee_on_both_sides(app, member_api, booker):
    _tool, booking = loan(member_api, booker, lateFeePerDay="5.00")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    mine = booker.data(MINE)["myBookings"]["edges"][0]["node"]
    assert mine["overdue"] is False and mine["lateFeeIfReturnedNow"]["amount"] == "0.00"
    shift_to_past(app, booking["id"], now - 3 * D, now - 30 * dt.timedelta(minutes=1))  # half an hour late
    mine = booker.data(MINE)["myBookings"]["edges"][0]["node"]  # still in the member's upcoming list
    assert mine["overdue"] is True and mine["lateFeeIfReturnedNow"]["amount"] == "0.00"  # the first hour is free
    shift_to_past(app, booking["id"], now - 4 * D, now - D - 2 * H)  # a day and two hours late: two days started
    mine = booker.data(MINE)["myBookings"]["edges"][0]["node"]
    assert mine["id"] == booking["id"] and mine["lateFeeIfReturnedNow"]["amount"] == "10.00"
    desk = member_api.data(DESK)
    assert desk["overdue"]["totalCount"] == 1 and desk["returns"]["totalCount"] == 1
    assert desk["overdue"]["edges"][0]["node"]["lateFeeIfReturnedNow"]["amount"] == "10.00"
    assert booker.data(MINE, scope="PAST")["myBookings"]["edges"] == []
    returned = member_api.data(RETURN, input={"bookingId": booking["id"]})["returnBooking"]["booking"]
    assert returned["lateFee"]["amount"] == "10.00" and returned["status"] == "COMPLETED"
    assert member_api.data(DESK)["overdue"]["totalCount"] == 0
    assert account(booker)["balance"]["amount"] == "-30.00"  # the day's price and the late fee


def test_a_weekly_series_keeps_paying_on_account(app, make_member, member_api, treasurer_api):
    room = create_resource(member_api, kind="WORKSPACE", title="Banc d'atelier", price="8.00", priceUnit="HOUR")
    karim = signed_in(app, make_member, "Atelier d'insertion", credit_limit=9_000)  # 90.00: short of 3 × 32.00
    start = base_time()
    series = {"resourceId": room["id"], "start": iso(start), "end": iso(start + 4 * H),
              "until": (start + 2 * W).date().isoformat()}
    refused = karim.data(SERIES, input=series)["bookResourceSeries"]
    assert refused["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED" and refused["bookings"] == []
    # On account, the series' debt counts against the limit as well: refused whole.
    owed = karim.data(SERIES, input={**series, "payOnAccount": True})["bookResourceSeries"]
    assert [(e["code"], e["field"]) for e in owed["errors"]] == [("CREDIT_LIMIT_EXCEEDED", ["payOnAccount"])]
    assert owed["bookings"] == []
    raised = treasurer_api.data(
        """mutation($input: SetCreditLimitInput!) { setCreditLimit(input: $input) { errors { code } } }""",
        input={"accountId": account(karim)["id"], "creditLimit": "96.00", "reason": "Série d'atelier"})
    assert raised["setCreditLimit"]["errors"] == []
    made = karim.data(SERIES, input={**series, "payOnAccount": True})["bookResourceSeries"]
    assert made["errors"] == [] and len(made["bookings"]) == 3
    assert all(b["onAccount"] and b["price"]["amount"] == "32.00" for b in made["bookings"])
    assert account(karim)["onHold"]["amount"] == "0.00" and account(karim)["balance"]["amount"] == "0.00"

def test_photo_route_refuses_unknown_ids(app, member_api):
    assert member_api.client.get("/bookings/photos/nonsense.jpg").status_code == 404
    assert member_api.client.get("/bookings/photos/Qm9va2luZ1Bob3RvOjk5OTk5.jpg").status_code == 404
