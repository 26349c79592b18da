"""Flask commands of the catalogue: `flask catalog complete-due|send-mail`."""
import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.catalog import bookings, expiry, waitlist
from app.database import get_session
from models import OutboxEmail

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
    """Send the email outbox (waitlist notices) through SMTP_HOST, if it is configured."""
    session = get_session()
    config = current_app.config
    if not config["SMTP_HOST"]:
        waiting = session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None)))
        click.echo(f"SMTP is not configured (SMTP_HOST): {waiting} email(s) wait in the outbox.")
        return
    settings = {
        "host": config["SMTP_HOST"], "port": config["SMTP_PORT"], "username": config["SMTP_USERNAME"],
        "password": config["SMTP_PASSWORD"], "starttls": config["SMTP_STARTTLS"], "sender": config["SMTP_FROM"],
    }
    sent, failed = waitlist.send_outbox(session, settings)
    click.echo(f"{sent} email(s) sent, {failed} failed.")
