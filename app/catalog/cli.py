"""Flask commands of the catalogue: `flask catalog complete-due|send-mail`."""
import click
from flask.cli import AppGroup

from app.catalog import bookings, expiry
from app.database import get_session
from app.notices import mail

catalog = AppGroup("catalog", help="Catalogue and bookings housekeeping.")


@catalog.command("complete-due")
def catalog_complete_due():
    """Complete the workspace and skill bookings that have ended (pays their owners), and
    expire the requests left unanswered past their start (releases their holds). Safe to run
    every few minutes."""
    session = get_session()
    expired = expiry.expire_due_requests(session)
    session.commit()
    count = bookings.complete_due(session)
    session.commit()
    click.echo(f"{count} booking(s) completed, {expired} unanswered request(s) expired.")


@catalog.command("send-mail")
def catalog_send_mail():
    """The same as `flask notices send-mail` (kept for existing cron tables)."""
    click.echo(mail.send_mail(get_session()))
