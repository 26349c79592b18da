"""Flask commands of the ledger: `flask ledger check|expire-holds|export`."""
import datetime as dt
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from app import permissions
from app.database import get_session
from app.errors import DomainError
from app.hub import hub_today, hub_zone
from app.ledger import fec, services
from app.ledger.journal_csv import journal_csv, journal_file_name, lines_from_ledger
from app.ledger.views import transfer_kind
from models import Member

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


def _treasurer(session, email):
    stmt = sa.select(Member).where(permissions.treasurer_filter())
    if email:
        stmt = stmt.where(Member.email == email.strip().lower())
    member = session.scalars(stmt.order_by(Member.role.desc(), Member.id)).first()
    if member is None:
        raise click.ClickException("No treasurer found: give --as EMAIL of a treasurer or admin.")
    return member


@ledger.command("export")
@click.option("--fec", "what", flag_value="fec", help="The FEC of a fiscal year (--year).")
@click.option("--journal", "what", flag_value="journal", help="The journal of a period (--from, --to), as CSV.")
@click.option("--year", type=int, help="The year the fiscal year closes in (default: this year).")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First day of the journal.")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the journal (included).")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The folder to write the file in.")
@click.option("--as", "email", help="The treasurer acting (default: the first treasurer).")
def ledger_export(what, year, since, until, output, email):
    """Write the books: the FEC of a fiscal year, or the journal of a period."""
    if what is None:
        raise click.UsageError("Say what to export: --fec or --journal.")
    session = get_session()
    actor = _treasurer(session, email)
    output.mkdir(parents=True, exist_ok=True)
    if what == "fec":
        settings = fec.FecSettings.from_config(current_app.config)
        try:
            books = fec.build_fec(session, actor, year or hub_today().year, settings, hub_zone())
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        path = output / books.file_name
        path.write_bytes(books.text().encode("utf-8"))
        click.echo(f"{path}: {books.entry_count} entries, {len(books.lines)} lines, "
                   f"debit {fec.amount(books.total_debit)} = credit {fec.amount(books.total_credit)}.")
        return
    if since is None or until is None or until < since:
        raise click.UsageError("Give the journal's period: --from YYYY-MM-DD --to YYYY-MM-DD (to >= from).")
    first, end = since.date(), until.date() + dt.timedelta(days=1)
    zone = hub_zone()
    period = [dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc) for day in (first, end)]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = list(lines_from_ledger(session, *period, transfer_kind))
        data = journal_csv(lines)
    path = output / journal_file_name(first, end)
    path.write_bytes(data)
    click.echo(f"{path}: {len(lines)} lines.")
