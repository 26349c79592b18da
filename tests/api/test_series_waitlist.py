"""Weekly series (preview of clashes, skip or refuse, cancel the rest) and the waitlist
(in-app notice and email outbox when a slot frees up)."""
import datetime as dt
import threading

import sqlalchemy as sa

from tests.api.catalog_helpers import account, base_time, booked, create_resource, iso, signed_in

H = dt.timedelta(hours=1)
W = dt.timedelta(weeks=1)

PREVIEW = """query($id: ID!, $start: DateTime!, $end: DateTime!, $until: Date!, $every: Int! = 1) {
  bookingSeriesPreview(resourceId: $id, start: $start, end: $end, until: $until, everyWeeks: $every) {
    occurrences { start end available problem { code message } } errors { code field message }
  }
}"""
SERIES = """mutation($input: BookResourceSeriesInput!) {
  bookResourceSeries(input: $input) { bookings { id start inSeries } skipped { start problem { code } } errors { code field message } }
}"""
CANCEL_SERIES = """mutation($input: BookingActionInput!) { cancelBookingSeries(input: $input) { bookings { id status } errors { code } } }"""
JOIN = """mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { entry { id status resource { title } } errors { code field message } } }"""
NOTICES = "{ notifications { nodes { message link read } } myWaitlist { status start } }"
LEAVE = """mutation($input: LeaveWaitlistInput!) { leaveWaitlist(input: $input) { entry { id status } errors { code field message } } }"""
CANCEL = """mutation($input: BookingActionInput!) { cancelBooking(input: $input) { booking { status } errors { code } } }"""


def test_series_preview_shows_clashes_then_skip_or_refuse(app, make_member, member_api):
    room = create_resource(member_api, kind="WORKSPACE", title="Salle de réunion", price="5.00", priceUnit="HOUR")
    me = signed_in(app, make_member, "Série org")
    other = signed_in(app, make_member, "Autre org")
    start = base_time()
    booked(other, room["id"], start + 2 * W, start + 2 * W + H)  # the third Monday is taken
    until = (start + 4 * W).date().isoformat()
    preview = me.data(PREVIEW, id=room["id"], start=iso(start), end=iso(start + 4 * H), until=until)["bookingSeriesPreview"]
    assert preview["errors"] == []
    assert [o["available"] for o in preview["occurrences"]] == [True, True, False, True, True]
    assert preview["occurrences"][2]["problem"]["code"] == "CONFLICT"
    base = {"resourceId": room["id"], "start": iso(start), "end": iso(start + 4 * H), "until": until}
    refused = me.data(SERIES, input=base)["bookResourceSeries"]
    assert refused["errors"][0]["code"] == "CONFLICT" and refused["bookings"] == []
    assert account(me)["onHold"]["amount"] == "0.00"
    made = me.data(SERIES, input={**base, "skipConflicts": True})["bookResourceSeries"]
    assert made["errors"] == [] and len(made["bookings"]) == 4 and all(b["inSeries"] for b in made["bookings"])
    assert [s["problem"]["code"] for s in made["skipped"]] == ["CONFLICT"]
    assert account(me)["onHold"]["amount"] == "80.00"
    # Cancel the second date and everything after it.
    second = sorted(made["bookings"], key=lambda b: b["start"])[1]
    cancelled = me.data(CANCEL_SERIES, input={"bookingId": second["id"]})["cancelBookingSeries"]
    assert len(cancelled["bookings"]) == 3 and {b["status"] for b in cancelled["bookings"]} == {"CANCELLED"}
    assert account(me)["onHold"]["amount"] == "20.00"


def test_series_keeps_local_time_across_daylight_saving(app, make_member, member_api):
    from zoneinfo import ZoneInfo

    from app.catalog.series import occurrences

    paris = ZoneInfo("Europe/Paris")
    start = dt.datetime(2031, 3, 18, 8, tzinfo=paris)  # a Tuesday before the change to summer time
    dates = occurrences(start, start + 4 * H, dt.date(2031, 4, 8), 1, paris)
    assert [d[0].astimezone(paris).hour for d in dates] == [8, 8, 8, 8]
    assert dates[1][0] - dates[0][0] == W and dates[2][0] - dates[1][0] == W - H  # 30 March


def test_series_refuses_tools_and_bad_input(app, make_member, member_api):
    tool = create_resource(member_api)
    me = signed_in(app, make_member, "Série org")
    start = base_time()
    result = me.data(SERIES, input={"resourceId": tool["id"], "start": iso(start), "end": iso(start + H), "until": (start + W).date().isoformat()})
    assert result["bookResourceSeries"]["errors"][0]["field"] == ["resourceId"]
    preview = me.data(PREVIEW, id=tool["id"], start=iso(start), end=iso(start + H), until=(start - W).date().isoformat())
    assert preview["bookingSeriesPreview"]["errors"][0]["field"] == ["until"]


def test_waitlist_first_member_is_told_when_the_slot_frees_up(app, make_member, member_api, runner):
    saw = create_resource(member_api, title="Scierie mobile")
    holder = signed_in(app, make_member, "Holder org")
    first = signed_in(app, make_member, "First org", language="en")
    second = signed_in(app, make_member, "Second org")
    start = base_time()
    booking = booked(holder, saw["id"], start, start + 8 * H)
    wish = {"resourceId": saw["id"], "start": iso(start + H), "end": iso(start + 3 * H)}
    free = {"resourceId": saw["id"], "start": iso(start + 9 * H), "end": iso(start + 10 * H)}
    assert first.data(JOIN, input=free)["joinWaitlist"]["errors"][0]["field"] == ["start"]  # free: book it
    assert first.data(JOIN, input=wish)["joinWaitlist"]["entry"]["status"] == "WAITING"
    assert second.data(JOIN, input=wish)["joinWaitlist"]["errors"] == []
    assert first.data(NOTICES)["notifications"]["nodes"] == []
    assert holder.data(CANCEL, input={"bookingId": booking["id"]})["cancelBooking"]["errors"] == []
    told = first.data(NOTICES)
    told["notifications"] = told["notifications"]["nodes"]
    assert len(told["notifications"]) == 1 and told["notifications"][0]["message"].startswith("A slot is free again: Scierie mobile")
    assert told["myWaitlist"][0]["status"] == "NOTIFIED"
    assert second.data(NOTICES)["notifications"]["nodes"] == []  # only the first in line
    # The notice links to the booking form with the slot filled in; the slot can be booked.
    assert told["notifications"][0]["link"].startswith(f"/catalogue/{saw['id']}?start=")
    booked(first, saw["id"], start + H, start + 3 * H)
    # The command writes the email, in the member's language, into the outbox; without SMTP it
    # waits there, and the command says so.
    from app.database import get_session
    from models import OutboxEmail

    result = runner.invoke(args=["catalog", "send-mail"])
    # Two: the waiting member's, and the owner's (told that the holder cancelled).
    assert "2 email(s) wait in the outbox" in result.output
    with app.app_context():
        emails = get_session().scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()
        assert "Alvéole: Scierie mobile is free" in [e.subject for e in emails]


def test_send_mail_delivers_the_outbox_through_smtp(app, make_member, member_api, runner, monkeypatch):
    """A tiny SMTP server in a thread receives the waitlist email."""
    import socket

    received = []

    class Server(threading.Thread):
        def __init__(self):
            super().__init__(daemon=True)
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(1)
            self.port = self.sock.getsockname()[1]

        def run(self):
            conn, _ = self.sock.accept()
            f = conn.makefile("rwb")
            def say(line):
                f.write(line.encode() + b"\r\n")
                f.flush()
            say("220 test")
            data = False
            body = []
            for raw in f:
                line = raw.decode().rstrip("\r\n")
                if data:
                    if line == ".":
                        data = False
                        received.append("\n".join(body))
                        say("250 ok")
                    else:
                        body.append(line)
                    continue
                verb = line.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    say("250 test")
                elif verb == "DATA":
                    data = True
                    say("354 go")
                elif verb == "QUIT":
                    say("221 bye")
                    break
                else:
                    say("250 ok")
            f.close()
            conn.close()
            self.sock.close()

    server = Server()
    server.start()
    saw = create_resource(member_api, title="Nacelle")
    holder = signed_in(app, make_member, "Holder org")
    waiter = signed_in(app, make_member, "Waiter org")
    start = base_time()
    booking = booked(holder, saw["id"], start, start + 2 * H)
    waiter.data(JOIN, input={"resourceId": saw["id"], "start": iso(start), "end": iso(start + H)})
    holder.data(CANCEL, input={"bookingId": booking["id"]})
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False)
    result = runner.invoke(args=["catalog", "send-mail"])
    server.join(5)
    # The waiting member's, and the owner's (told that the holder cancelled).
    assert "2 email(s) sent" in result.output, result.output
    assert len(received) == 2 and all("Nacelle" in message for message in received)


def test_leaving_a_waitlist_means_no_notice(app, make_member, member_api):
    saw = create_resource(member_api, title="Scie sauteuse")
    holder = signed_in(app, make_member, "Holder leave org")
    waiter = signed_in(app, make_member, "Waiter leave org")
    start = base_time()
    booking = booked(holder, saw["id"], start, start + 2 * H)
    entry = waiter.data(JOIN, input={"resourceId": saw["id"], "start": iso(start), "end": iso(start + H)})["joinWaitlist"]["entry"]
    left = waiter.data(LEAVE, input={"entryId": entry["id"]})["leaveWaitlist"]
    assert left["errors"] == [] and left["entry"] == {"id": entry["id"], "status": "LEFT"}
    assert waiter.data(NOTICES)["myWaitlist"] == []
    holder.data(CANCEL, input={"bookingId": booking["id"]})
    assert waiter.data(NOTICES)["notifications"]["nodes"] == []


def test_only_the_waiting_member_leaves_their_place(app, make_member, member_api, client):
    saw = create_resource(member_api, title="Ponceuse")
    holder = signed_in(app, make_member, "Holder refuse org")
    waiter = signed_in(app, make_member, "Waiter refuse org")
    start = base_time()
    booked(holder, saw["id"], start, start + 2 * H)
    entry = waiter.data(JOIN, input={"resourceId": saw["id"], "start": iso(start), "end": iso(start + H)})["joinWaitlist"]["entry"]
    # Someone else's entry reads as one that does not exist.
    refused = holder.data(LEAVE, input={"entryId": entry["id"]})["leaveWaitlist"]
    assert refused["entry"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NOT_FOUND", ["entryId"])]
    anonymous = client.post("/graphql", json={"query": LEAVE, "variables": {"input": {"entryId": entry["id"]}}}).get_json()
    assert anonymous["data"]["leaveWaitlist"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert [e["status"] for e in waiter.data(NOTICES)["myWaitlist"]] == ["WAITING"]
