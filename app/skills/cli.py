"""Flask command of the skills: `flask skills auto-confirm`."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.database import get_session
from app.skills.fulfilment import auto_confirm

skills = AppGroup("skills", help="Skill jobs housekeeping.")


@skills.command("auto-confirm")
@click.option("--days", type=click.IntRange(min=1), help="Default: ALVEOLE_JOB_CONFIRM_DAYS (7).")
def skills_auto_confirm(days):
    """Confirm the delivered jobs their client left unanswered for N days (run daily, e.g. from cron)."""
    session = get_session()
    count = auto_confirm(session, days or current_app.config["JOB_CONFIRM_DAYS"])
    session.commit()
    click.echo(f"{count} job(s) confirmed automatically.")
