"""The issue's journey: a member who books a tool that needs approval gets an in-app notice
and an email (caught by a local SMTP server) when the owner decides, in their language, with
an absolute link (ALVEOLE_BASE_URL) that opens the booking."""
import datetime as dt
import re

import pytest

from tests.api.catalog_helpers import base_time, booked, signed_in
from tests.conftest import GraphQLClient
from tests.notices.notices_helpers import act, kinds, notices, outbox, tool_needing_approval
from tests.notices.smtp_sink import SmtpSink

H = dt.timedelta(hours=1)


@pytest.fixture
def sink():
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("decision", ["approveBooking", "rejectBooking"])
def test_the_booker_hears_of_the_owner_decision_in_app_and_by_email(app, make_member, runner, sink, decision):
    app.config.update(BASE_URL="https://hub.example.org", **sink.settings())
    owner = signed_in(app, make_member, "Scierie du Giffre")
    booker_email = make_member(name="Karim", organization="Bois & Vie", credit_limit=100_000, language="en")
    booker = GraphQLClient(app.test_client()).login(booker_email)
    saw = tool_needing_approval(owner)
    start = base_time()
    booking = booked(booker, saw["id"], start, start + 4 * H, note="Pour le chantier de Marnaz")
    assert booking["status"] == "REQUESTED"

    # The owner is asked, in the app (in French, their language) with a link to the request.
    asked = notices(owner)
    assert [n["kind"] for n in asked] == ["BOOKING_REQUESTED"]
    assert asked[0]["message"].startswith("Karim demande à réserver Scie mobile du ")
    assert asked[0]["message"].endswith("— Pour le chantier de Marnaz")
    assert asked[0]["link"] == f"/bookings/{booking['id']}" and not asked[0]["read"]

    extra = {"reason": "En révision ce jour-là"} if decision == "rejectBooking" else {}
    act(owner, decision, booking["id"], **extra)

    told = notices(booker)
    expected = "BOOKING_APPROVED" if decision == "approveBooking" else "BOOKING_REJECTED"
    assert [n["kind"] for n in told] == [expected] and told[0]["category"] == "BOOKINGS"
    if decision == "approveBooking":
        assert told[0]["message"].startswith("Your booking of Scie mobile from ") and told[0]["message"].endswith(" is confirmed.")
    else:
        assert told[0]["message"].endswith("was turned down. — En révision ce jour-là")
    assert told[0]["url"] == f"https://hub.example.org/bookings/{booking['id']}"

    # The email goes out when the command runs, in English, with the absolute link.
    result = runner.invoke(args=["notices", "send-mail"])
    assert result.exit_code == 0 and "email(s) sent, 0 failed" in result.output, result.output
    mine = [m for m in sink.messages if m["To"] == booker_email]
    assert len(mine) == 1
    subject = "Alvéole: Booking confirmed: Scie mobile" if decision == "approveBooking" else \
        "Alvéole: Booking request turned down: Scie mobile"
    assert mine[0]["Subject"] == subject
    body = mine[0].get_content()
    assert body.startswith("Hello Karim,")
    links = re.findall(r"https?://\S+", body)
    assert links[0] == f"https://hub.example.org/bookings/{booking['id']}"

    # The link opens the booking (after signing in, as the email's reader would).
    path = links[0].removeprefix("https://hub.example.org")
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    page = booker.client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Scie mobile" in html and ("Confirmed" if decision == "approveBooking" else "Turned down") in html

    # Sent once: running the command again sends nothing more.
    assert "0 email(s) sent" in runner.invoke(args=["notices", "send-mail"]).output
    assert len([m for m in sink.messages if m["To"] == booker_email]) == 1
    assert all(e.sent_at is not None for e in outbox(app))


def test_cancelling_tells_the_other_side_only(app, make_member):
    owner = signed_in(app, make_member, "Scierie du Giffre")
    booker = signed_in(app, make_member, "Bois & Vie")
    saw = tool_needing_approval(owner, approvalRequired=False)
    start = base_time()
    first = booked(booker, saw["id"], start, start + H)
    second = booked(booker, saw["id"], start + 2 * H, start + 3 * H)
    act(booker, "cancelBooking", first["id"], reason="Plus besoin")
    assert kinds(owner) == ["BOOKING_CANCELLED"] and kinds(booker) == []
    assert notices(owner)[0]["message"].endswith("— Plus besoin")
    act(owner, "cancelBooking", second["id"], reason="Panne")
    assert kinds(booker) == ["BOOKING_CANCELLED"] and kinds(owner) == ["BOOKING_CANCELLED"]
    assert notices(booker)[0]["message"].startswith("Scierie du Giffre a annulé la réservation de Scie mobile")


def test_the_booking_page_is_for_its_booker_and_its_managers(app, make_member):
    owner = signed_in(app, make_member, "Scierie du Giffre")
    booker = signed_in(app, make_member, "Bois & Vie")
    stranger = signed_in(app, make_member, "Autre org")
    saw = tool_needing_approval(owner)
    start = base_time()
    booking = booked(booker, saw["id"], start, start + H)
    owner_page = owner.client.get(f"/bookings/{booking['id']}").get_data(as_text=True)
    assert "/approve" in owner_page and "/reject" in owner_page  # the owner decides from the page
    booker_page = booker.client.get(f"/bookings/{booking['id']}").get_data(as_text=True)
    assert "/approve" not in booker_page and "/cancel" in booker_page
    assert stranger.client.get(f"/bookings/{booking['id']}").status_code == 404
    assert booker.client.get("/bookings/not-an-id").status_code == 404
