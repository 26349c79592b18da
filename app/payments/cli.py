"""`flask payments ...`: reconciliation with Stripe."""
import click
from flask.cli import AppGroup

from app.database import get_session
from app.errors import DomainError
from app.payments import reconcile

payments_cli = AppGroup("payments", help="Euro payments: reconciliation with Stripe.")


@payments_cli.command("reconcile")
@click.option("--limit", default=100, show_default=True, help="How many recent PaymentIntents to ask Stripe for.")
@click.option("--fix", is_flag=True, help="Bring the mismatched payments up to date from what Stripe says.")
def reconcile_command(limit: int, fix: bool):
    """Compare Stripe's recent PaymentIntents with the hub's payments; exit 1 on any mismatch."""
    session = get_session()
    try:
        count, mismatches = reconcile.reconcile(session, limit=limit, fix=fix)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    session.commit()
    click.echo(f"{count} payment intents compared with the hub's payments.")
    for m in mismatches:
        click.echo(f"MISMATCH {m.stripe_id or '-'} payment {m.payment_id or '-'}: {m.problem}")
    if mismatches:
        raise SystemExit(1)
    click.echo("Everything matches.")
