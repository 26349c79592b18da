"""Flask commands of the treasury: `flask clearing propose|post|discard`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app import permissions
from app.database import get_session
from app.errors import DomainError
from app.treasury.runs import discard_clearing, post_clearing, propose_clearing
from models import ClearingMethod, ClearingRun, Member

clearing = AppGroup("clearing", help="Multilateral clearing of accepted invoices.")


def _treasurer(session, email):
    stmt = sa.select(Member).where(permissions.treasurer_filter())
    if email:
        stmt = stmt.where(Member.email == email.strip().lower())
    member = session.scalars(stmt.order_by(Member.role.desc(), Member.id)).first()
    if member is None:
        raise click.ClickException("No treasurer found: give --as EMAIL of a treasurer or admin.")
    return member


class _Bar:
    """A click progress bar opened on the first report, when the total is known."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _message(exc: DomainError) -> str:
    """A service's refusal as the command prints it (in English: the msgid)."""
    return str(exc.message) % exc.params if exc.params else str(exc.message)


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}".replace(",", " ")


def _show(run: ClearingRun) -> None:
    share = 100 * run.cleared / run.gross_before if run.gross_before else 0
    click.echo(
        f"Run {run.id} ({run.method.value}, {run.status.value}): gross before {_money(run.gross_before)}, "
        f"cleared {_money(run.cleared)} ({share:.2f} %), gross after {_money(run.gross_after)}, "
        f"{run.invoice_count} invoice(s) touched."
    )


@clearing.command("propose")
@click.option("--method", type=click.Choice([m.value for m in ClearingMethod]), default="SET_OFF", show_default=True)
@click.option("--as", "email", help="The treasurer acting (default: the first treasurer).")
def clearing_propose(method, email):
    """Compute a clearing of every accepted invoice and store it as a proposal."""
    session = get_session()
    bar = _Bar("Storing the proposal")
    try:
        run = propose_clearing(session, _treasurer(session, email), ClearingMethod(method), progress=bar)
        session.commit()
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(_message(exc)) from exc
    finally:
        bar.close()
    _show(run)
    click.echo(f"Review it, then: flask clearing post {run.id}")


@clearing.command("post")
@click.argument("run_id", type=int)
@click.option("--as", "email", help="The treasurer acting (default: the first treasurer).")
def clearing_post(run_id, email):
    """Post a proposal in one transaction (refused if it went stale)."""
    session = get_session()
    bar = _Bar("Posting")
    try:
        run = post_clearing(session, _treasurer(session, email), run_id, progress=bar)
        session.commit()
    except DomainError as exc:
        session.rollback()
        bar.close()
        raise click.ClickException(f"{exc.code.value}: {_message(exc)}") from exc
    bar.close()
    _show(run)


@clearing.command("discard")
@click.argument("run_id", type=int)
@click.option("--as", "email", help="The treasurer acting (default: the first treasurer).")
def clearing_discard(run_id, email):
    """Discard a proposal: it stays listed, and can no longer be posted."""
    session = get_session()
    try:
        run = discard_clearing(session, _treasurer(session, email), run_id)
        session.commit()
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(_message(exc)) from exc
    _show(run)
