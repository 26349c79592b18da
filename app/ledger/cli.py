"""Flask commands of the ledger: `flask ledger check|expire-holds`."""
import click
from flask.cli import AppGroup

from app.database import get_session
from app.ledger import services

ledger = AppGroup("ledger", help="Ledger checks and housekeeping.")


@ledger.command("check")
def ledger_check():
    """Check the ledger's invariants; exit 1 if any is broken."""
    problems = services.invariant_violations(get_session())
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Ledger consistent: balances sum to 0 and match their postings.")


@ledger.command("expire-holds")
def ledger_expire_holds():
    """Release the holds that have passed their expiry."""
    session = get_session()
    count = services.expire_holds(session)
    session.commit()
    click.echo(f"{count} hold(s) expired.")
