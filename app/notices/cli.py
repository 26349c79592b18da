"""Flask commands of the notices: `flask notices send-mail|remind`, safe to run from cron every
few minutes (and two at once)."""
import click
from flask.cli import AppGroup

from app.database import get_session
from app.notices import mail, reminders

notices = AppGroup("notices", help="Notices: reminders and the email outbox.")


@notices.command("send-mail")
def notices_send_mail():
    """Queue the notices' emails (at once, or the daily digest), then send the outbox through
    SMTP_HOST if it is configured; failures are retried later with a growing delay."""
    click.echo(mail.send_mail(get_session()))


@notices.command("remind")
def notices_remind():
    """Store the reminders due now (a booking tomorrow, a return due or overdue, an invoice due
    in three days or overdue), each once per object and kind."""
    session = get_session()
    counts = reminders.remind(session)
    session.commit()
    click.echo(f"{sum(counts.values())} reminder(s) stored: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
