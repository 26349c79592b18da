"""`flask privacy purge`: delete sent emails and sign-in traces past the retention period."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.database import get_session
from app.privacy import services

privacy_cli = AppGroup("privacy", help="Personal data housekeeping.")


@privacy_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention period (default: ALVEOLE_PRIVACY_RETENTION_DAYS, else 365).")
def purge_command(days):
    """Delete the sent emails and the failed sign-in traces older than the period."""
    session = get_session()
    counts = services.purge(session, days or current_app.config["PRIVACY_RETENTION_DAYS"])
    session.commit()
    click.echo(f"Purged {counts['emails']} sent email(s) and {counts['sign_in_traces']} sign-in trace(s).")
