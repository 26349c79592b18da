"""A resource's minimum notice ("book at least 24 h ahead"): declared with the other rules,
enforced on booking with a clear error, respected by the free slots the catalogue offers."""
import datetime as dt

from tests.api.catalog_helpers import BOOK, book, booked, create_resource, iso
from tests.conftest import csrf_token, page_client

UPDATE = """mutation($input: UpdateResourceInput!) {
  updateResource(input: $input) { resource { minNoticeHours } errors { code field message } }
}"""
NEXT_FREE = "query($id: ID!) { resource(id: $id) { minNoticeHours nextFreeSlot { start end } } }"


def in_hours(hours: float) -> dt.datetime:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


def test_a_booking_inside_the_notice_is_refused_with_a_clear_error(owner, booker):
    tool = create_resource(owner, title="Scierie mobile", priceUnit="HOUR", price="10.00", minNoticeHours=24)
    refused = book(booker, tool["id"], in_hours(3), in_hours(5))
    assert refused["booking"] is None
    assert refused["errors"] == [{"code": "INVALID", "field": ["start"], "message": "Réservez au moins 24 h à l’avance."}]
    assert booked(booker, tool["id"], in_hours(25), in_hours(27))["status"] == "CONFIRMED"


def test_without_a_notice_a_booking_can_start_at_once(owner, booker):
    tool = create_resource(owner, title="Humidimètre", priceUnit="HOUR", price="1.00")
    assert booked(booker, tool["id"], in_hours(0.2), in_hours(1.2))["status"] == "CONFIRMED"


def test_the_error_is_in_the_bookers_language(app, make_member, owner):
    from tests.api.catalog_helpers import signed_in

    english = signed_in(app, make_member, "Timber Ltd", language="en")
    tool = create_resource(owner, title="Raboteuse", priceUnit="HOUR", minNoticeHours=48)
    errors = english.data(BOOK, input={"resourceId": tool["id"], "start": iso(in_hours(30)), "end": iso(in_hours(31))})
    assert errors["bookResource"]["errors"][0]["message"] == "Book at least 48 h ahead."


def test_the_owner_changes_the_notice_within_bounds(owner):
    tool = create_resource(owner, title="Dégauchisseuse")
    changed = owner.data(UPDATE, input={"resourceId": tool["id"], "minNoticeHours": 12})["updateResource"]
    assert changed == {"resource": {"minNoticeHours": 12}, "errors": []}
    refused = owner.data(UPDATE, input={"resourceId": tool["id"], "minNoticeHours": -1})["updateResource"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", ["minNoticeHours"])]


def test_the_next_free_slot_respects_the_notice(owner):
    tool = create_resource(owner, title="Échafaudage", priceUnit="HOUR", minNoticeHours=72)
    found = owner.data(NEXT_FREE, id=tool["id"])["resource"]
    start = dt.datetime.fromisoformat(found["nextFreeSlot"]["start"])
    assert start >= in_hours(72) - dt.timedelta(minutes=1)
    assert start <= in_hours(74)


def test_the_resource_form_and_page_show_the_notice(app, make_member):
    email = make_member(organization="Menuiserie Préavis", credit_limit=100_000)
    client = page_client(app, email)
    form = {"csrf_token": csrf_token(client, "/catalogue/new"), "action": "update", "kind": "TOOL",
            "title": "Mortaiseuse", "price": "5,00", "price_unit": "DAY", "capacity": "1", "min_notice_hours": "24"}
    created = client.post("/catalogue/new", data=form)
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "<dd>réserver au moins 24 h à l’avance</dd>" in page
    edit = client.get(created.headers["Location"] + "/edit").get_data(as_text=True)
    assert 'name="min_notice_hours"' in edit and 'value="24"' in edit
