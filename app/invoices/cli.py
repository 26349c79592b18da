"""Flask command of the invoices: `flask invoices auto-accept`."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.database import get_session
from app.invoices.services import auto_accept_invoices

invoices = AppGroup("invoices", help="Invoice housekeeping.")


@invoices.command("auto-accept")
@click.option("--days", type=click.IntRange(min=1), help="Default: INVOICE_AUTO_ACCEPT_DAYS (14).")
def invoices_auto_accept(days):
    """Accept the invoices left unanswered for N days (run daily, e.g. from cron)."""
    session = get_session()
    count = auto_accept_invoices(session, days or current_app.config["INVOICE_AUTO_ACCEPT_DAYS"])
    session.commit()
    click.echo(f"{count} invoice(s) accepted automatically.")
