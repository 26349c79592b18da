"""`flask notices remind`: each reminder once per object and kind, however often it runs, even
two runs at once."""
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.api.relay import decode_id
from app.database import get_session
from app.notices import reminders
from models import Booking, Notification, utcnow
from tests.api.catalog_helpers import booked, create_resource, signed_in
from tests.api.test_treasury_api import ISSUE
from tests.notices.notices_helpers import kinds, notices, outbox
from tests.notices.smtp_sink import SmtpSink

CHECK_OUT = """mutation($input: CheckOutBookingInput!) { checkOutBooking(input: $input) { booking { status } errors { code message } } }"""
ACCOUNT = "{ viewer { account { id } } }"


def _local_tomorrow_at(app, hour: int) -> dt.datetime:
    zone = ZoneInfo(app.config["TIMEZONE"])
    tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(hour), zone)


def _tool_out_until_tomorrow(app, make_member):
    owner = signed_in(app, make_member, "Scierie du Giffre")
    booker = signed_in(app, make_member, "Bois & Vie", language="en")
    saw = create_resource(owner, title="Scie mobile")
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(minutes=5)
    booking = booked(booker, saw["id"], start, _local_tomorrow_at(app, 12))
    out = owner.data(CHECK_OUT, input={"bookingId": booking["id"], "conditionNote": "Lame neuve"})["checkOutBooking"]
    assert out["errors"] == [], out
    return owner, booker, booking


def test_tomorrows_return_reminder_arrives_once_however_often_the_command_runs(app, make_member, runner):
    owner, booker, booking = _tool_out_until_tomorrow(app, make_member)
    for _ in range(3):
        result = runner.invoke(args=["notices", "remind"])
        assert result.exit_code == 0, result.output
    assert kinds(booker) == ["BOOKING_RETURN_DUE"]
    reminder = notices(booker)[0]
    assert reminder["message"].startswith("Reminder: Scie mobile is to be returned tomorrow, ")
    assert reminder["link"] == f"/bookings/{booking['id']}"
    assert kinds(owner) == []
    # One email too, however often both commands run.
    sink = SmtpSink()
    sink.start()
    try:
        app.config.update(**sink.settings())
        for _ in range(2):
            runner.invoke(args=["notices", "remind"])
            assert runner.invoke(args=["notices", "send-mail"]).exit_code == 0
        assert [m["Subject"] for m in sink.messages] == ["Alvéole: Return due tomorrow: Scie mobile"]
    finally:
        sink.stop()
    assert len(outbox(app)) == 1


def test_overdue_and_starting_tomorrow(app, make_member):
    owner, booker, booking = _tool_out_until_tomorrow(app, make_member)
    room = create_resource(owner, kind="WORKSPACE", title="Salle de réunion", price="5.00", priceUnit="HOUR")
    start = _local_tomorrow_at(app, 9)
    booked(booker, room["id"], start, start + dt.timedelta(hours=2))
    with app.app_context():
        session = get_session()
        counts = reminders.remind(session)
        session.commit()
        assert counts["BOOKING_STARTS_TOMORROW"] == 1 and counts["BOOKING_RETURN_DUE"] == 1
        end = session.scalar(sa.select(Booking.end).where(Booking.id == booking_pk(booking)))
        # Two days later the tool is overdue: told once, even by several runs.
        later = end + dt.timedelta(days=2)
        assert reminders.remind(session, now=later)["BOOKING_OVERDUE"] == 1
        assert reminders.remind(session, now=later + dt.timedelta(hours=1))["BOOKING_OVERDUE"] == 0
        session.commit()
    assert sorted(kinds(booker)) == ["BOOKING_OVERDUE", "BOOKING_RETURN_DUE", "BOOKING_STARTS_TOMORROW"]


def booking_pk(booking: dict) -> int:
    return decode_id(booking["id"], "Booking")


def test_invoice_due_soon_then_overdue(app, make_member):
    creditor = signed_in(app, make_member, "Scierie du Giffre")
    debtor = signed_in(app, make_member, "Bois & Vie")
    today = dt.date.today()
    debtor_account = debtor.data(ACCOUNT)["viewer"]["account"]["id"]
    soon = creditor.data(ISSUE, input={"debtorAccountId": debtor_account, "amount": "80.00", "dueDate": (today + dt.timedelta(days=2)).isoformat()})
    later = creditor.data(ISSUE, input={"debtorAccountId": debtor_account, "amount": "20.00", "dueDate": (today + dt.timedelta(days=20)).isoformat()})
    assert soon["issueInvoice"]["errors"] == [] and later["issueInvoice"]["errors"] == []
    with app.app_context():
        session = get_session()
        now = utcnow()
        assert reminders.remind(session, now=now)["INVOICE_DUE_SOON"] == 1
        assert reminders.remind(session, now=now)["INVOICE_DUE_SOON"] == 0
        # A week later the first one is overdue, the second not yet due soon.
        week = reminders.remind(session, now=now + dt.timedelta(days=7))
        assert (week["INVOICE_OVERDUE"], week["INVOICE_DUE_SOON"]) == (1, 0)
        session.commit()
    assert sorted(kinds(debtor)) == ["INVOICE_DUE_SOON", "INVOICE_OVERDUE", "INVOICE_RECEIVED", "INVOICE_RECEIVED"]
    assert kinds(creditor) == []


def test_two_runs_at_once_store_one_reminder(app, make_member):
    _owner, booker, _booking = _tool_out_until_tomorrow(app, make_member)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                session = get_session()
                barrier.wait(10)
                results.append(reminders.remind(session)["BOOKING_RETURN_DUE"])
                session.commit()
        except Exception as exc:  # reported below, with the thread's traceback lost otherwise
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(results) == 1
    with app.app_context():
        keys = get_session().scalars(sa.select(Notification.dedup_key).where(Notification.dedup_key.is_not(None))).all()
    assert len(keys) == 1 and keys[0].endswith(":BOOKING_RETURN_DUE")
