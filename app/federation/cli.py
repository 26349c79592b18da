"""`flask federation reconcile [--peer HUB]`: finish the payments left between phases with the
peers and compare the mirror accounts; exits 1 when a mirror disagrees or a payment is left."""
import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from app.federation import keys
from app.federation.reconcile import reconcile

federation = AppGroup("federation", help="Trade with peer hubs.")


@federation.command("reconcile")
@click.option("--peer", "hub_id", default=None, help="Only this peer hub (its id).")
@click.option("--min-age", default=120, show_default=True, help="Seconds before an undecided payment is aborted.")
def reconcile_command(hub_id, min_age):
    reports = reconcile(current_app.extensions["db_sessionmaker"], hub_id, dt.timedelta(seconds=min_age))
    trouble = False
    for report in reports:
        theirs = "no answer" if report.their_balance_in_our_units is None else f"{report.their_balance_in_our_units / 100:.2f}"
        click.echo(
            f"{report.hub_id}: {report.finished} finished, {report.left} left; our mirror {report.our_balance / 100:.2f},"
            f" theirs in our units {theirs}: {'agree' if report.agree else 'DIFFER'}"
        )
        for note in report.notes:
            click.echo(f"  {note}")
        trouble = trouble or report.left > 0 or not report.agree
    if trouble:
        raise SystemExit(1)


@federation.command("key")
def key_command():
    """Print this hub's id and public key, to give to a peer's admin."""
    click.echo(f"{keys.hub_id()} {keys.public_key_text()}")
