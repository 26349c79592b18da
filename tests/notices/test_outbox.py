"""The outbox: a failing SMTP server is retried later with a growing delay and the email goes
out once; two senders at once never send the same email; notices are queued once."""
import datetime as dt
import socket
import threading

import pytest
import sqlalchemy as sa

from app.database import get_session
from app.notices import mail, services
from app.notices.kinds import Category, Kind
from models import Member, NoticeChannel, Notification, OutboxEmail, utcnow
from tests.notices.notices_helpers import outbox
from tests.notices.smtp_sink import SmtpSink


@pytest.fixture
def sink():
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


def _queue(app, count: int) -> None:
    """Emails as any slice writes them (invitations, resets): the outbox's own fields."""
    with app.app_context():
        session = get_session()
        session.add_all([OutboxEmail(to_address=f"m{i}@example.test", subject=f"Message {i}", body=f"Corps {i}")
                         for i in range(count)])
        session.commit()


def test_retry_delay_grows_and_is_capped():
    assert [mail.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert mail.retry_delay(50) == mail.MAX_DELAY == dt.timedelta(hours=6)


def test_a_failing_smtp_is_retried_later_and_sends_once(app, runner, sink):
    app.config.update(**sink.settings())
    _queue(app, 1)
    sink.fail_next = 1
    assert "0 email(s) sent, 1 failed" in runner.invoke(args=["notices", "send-mail"]).output
    [email] = outbox(app)
    assert email.sent_at is None and email.attempts == 1 and "451" in email.last_error
    assert email.next_attempt_at > utcnow() and email.claim_token is None
    # Not due yet: a run right away sends nothing.
    assert "0 email(s) sent, 0 failed" in runner.invoke(args=["notices", "send-mail"]).output
    assert sink.messages == []
    # Once its time has come, it goes, once.
    with app.app_context():
        session = get_session()
        session.execute(sa.update(OutboxEmail).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    assert "1 email(s) sent, 0 failed" in runner.invoke(args=["notices", "send-mail"]).output
    assert "0 email(s) sent" in runner.invoke(args=["notices", "send-mail"]).output
    assert [m["Subject"] for m in sink.messages] == ["Message 0"]
    [email] = outbox(app)
    assert email.sent_at is not None and email.attempts == 2 and email.last_error == ""


def test_an_unreachable_smtp_keeps_every_email(app, runner):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    _queue(app, 3)
    assert "0 email(s) sent, 3 failed" in runner.invoke(args=["notices", "send-mail"]).output
    emails = outbox(app)
    assert [(e.sent_at, e.attempts) for e in emails] == [(None, 1)] * 3
    assert all(e.next_attempt_at > utcnow() for e in emails)


def test_two_senders_at_once_never_send_an_email_twice(app):
    sink = SmtpSink(delay=0.01)
    sink.start()
    app.config.update(**sink.settings())
    _queue(app, 40)
    barrier = threading.Barrier(2)
    totals, errors = [], []

    def sender():
        try:
            with app.app_context():
                session = get_session()
                barrier.wait(10)
                totals.append(mail.send_outbox(session, mail.smtp_settings(app.config), limit=25))
                totals.append(mail.send_outbox(session, mail.smtp_settings(app.config), limit=25))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sink.stop()
    assert errors == []
    assert sum(sent for sent, _ in totals) == 40 and sum(failed for _, failed in totals) == 0
    subjects = [m["Subject"] for m in sink.messages]
    assert len(subjects) == 40 and len(set(subjects)) == 40
    assert len({m["Message-ID"] for m in sink.messages}) == 40
    assert all(e.sent_at is not None and e.attempts == 1 for e in outbox(app))


def test_notices_are_queued_once_even_by_two_senders(app, make_member):
    emails = [make_member(language="en") for _ in range(3)]
    with app.app_context():
        session = get_session()
        ids = session.scalars(sa.select(Member.id).where(Member.email.in_(emails))).all()
        for _ in range(5):
            services.notify(session, ids, Category.WAITLIST, Kind.MESSAGE, {"text": "Un créneau est libre"}, "/catalogue")
        session.commit()
    barrier = threading.Barrier(2)
    queued, errors = [], []

    def run():
        try:
            with app.app_context():
                session = get_session()
                barrier.wait(10)
                queued.append(mail.queue_notices(session))
                session.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(immediate for immediate, _ in queued) == 15
    assert len(outbox(app)) == 15
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).where(Notification.emailed_at.is_(None))) == 0


def test_a_daily_digest_gathers_the_days_notices(app, make_member):
    email = make_member(language="en")
    with app.app_context():
        session = get_session()
        member = session.scalar(sa.select(Member).where(Member.email == email))
        services.set_preferences(session, member, {Category.PAYMENTS: NoticeChannel.DIGEST})
        for payer in ("Scierie du Giffre", "Charpentes Mont-Blanc"):
            services.notify(session, member.id, Category.PAYMENTS, Kind.PAYMENT_RECEIVED,
                            {"payer": payer, "account": "Mon compte", "amount": 1250}, "/account/statement")
        session.commit()
        # Before the next digest hour: nothing goes.
        assert mail.queue_notices(session) == (0, 0)
        # After it: one digest holding both.
        assert mail.queue_notices(session, now=utcnow() + dt.timedelta(days=1)) == (0, 1)
        session.commit()
        assert mail.queue_notices(session, now=utcnow() + dt.timedelta(days=2)) == (0, 0)
    [digest] = outbox(app)
    assert digest.subject == "Alvéole: Your notices of the day (2)"
    assert "Scierie du Giffre paid 12.50\u00a0ALV to Mon compte." in digest.body
    assert "Charpentes Mont-Blanc paid 12.50\u00a0ALV" in digest.body
    assert "http://127.0.0.1:5000/account/statement" in digest.body


def test_in_app_only_sends_no_email(app, make_member):
    email = make_member()
    with app.app_context():
        session = get_session()
        member = session.scalar(sa.select(Member).where(Member.email == email))
        services.set_preferences(session, member, {"BOOKINGS": "IN_APP"})
        services.notify(session, member.id, Category.BOOKINGS, Kind.BOOKING_APPROVED,
                        {"title": "Scie", "start": utcnow().isoformat(), "end": utcnow().isoformat()}, "/bookings")
        session.commit()
        assert mail.queue_notices(session, now=utcnow() + dt.timedelta(days=3)) == (0, 0)
        session.commit()
    assert outbox(app) == []
