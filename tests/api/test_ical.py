"""iCalendar feeds at private URLs: they parse (RFC 5545, icalendar library), show the right
events, and a new address revokes the old one."""
import datetime as dt

import icalendar

from tests.api.catalog_helpers import base_time, booked, create_resource, signed_in

H = dt.timedelta(hours=1)
FEED = """mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { url errors { code } } }"""


def fetch(client, url):
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.get("/" + path)


def test_member_feed_lists_their_bookings(app, make_member, member_api, client):
    resource = create_resource(member_api, title="Scierie mobile", town="Taninges", address="ZA des Thézières")
    booker = signed_in(app, make_member, "Charpentes iCal")
    start = base_time()
    booked(booker, resource["id"], start, start + 2 * H)
    booked(booker, resource["id"], start + 24 * H, start + 26 * H, quantity=1)
    url = booker.data(FEED, input={})["createCalendarFeed"]["url"]
    assert booker.data("{ myCalendarFeedUrl }")["myCalendarFeedUrl"] == url
    response = fetch(client, url)  # no session: the token is enough
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [str(e["summary"]) for e in events] == ["Scierie mobile", "Scierie mobile"]
    assert events[0].decoded("dtstart") == start and events[0].decoded("dtend") == start + 2 * H
    assert str(events[0]["location"]) == "ZA des Thézières, Taninges"
    # A new address revokes the old one.
    new_url = booker.data(FEED, input={})["createCalendarFeed"]["url"]
    assert new_url != url
    assert fetch(client, url).status_code == 404
    assert fetch(client, new_url).status_code == 200


def test_resource_feed_is_for_its_owner_and_shows_bookers_and_closures(app, make_member, member_api, client):
    resource = create_resource(member_api, title="Halle")
    booker = signed_in(app, make_member, "Booker iCal", name="Julie Favre")
    start = base_time()
    booked(booker, resource["id"], start, start + H)
    member_api.data(
        "mutation($i: AddResourceClosureInput!) { addResourceClosure(input: $i) { errors { code } } }",
        i={"resourceId": resource["id"], "start": (start + 48 * H).isoformat(), "end": (start + 72 * H).isoformat(), "kind": "MAINTENANCE"},
    )
    refused = booker.data(FEED, input={"resourceId": resource["id"]})["createCalendarFeed"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    url = member_api.data(FEED, input={"resourceId": resource["id"]})["createCalendarFeed"]["url"]
    calendar = icalendar.Calendar.from_ical(fetch(client, url).data)
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["Halle — Julie Favre", "Halle — maintenance"]
    assert fetch(client, url.replace(".ics", "x.ics")).status_code == 404


def test_a_feed_stops_when_its_member_leaves(app, make_member, member_api, client, db):
    import sqlalchemy as sa

    from models import Member, MemberStatus

    url = member_api.data(FEED, input={})["createCalendarFeed"]["url"]
    assert fetch(client, url).status_code == 200
    viewer_name = member_api.data("{ viewer { name } }")["viewer"]["name"]
    db.execute(sa.update(Member).where(Member.name == viewer_name).values(status=MemberStatus.LEFT))
    db.commit()
    assert fetch(client, url).status_code == 404
