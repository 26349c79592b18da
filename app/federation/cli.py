"""`flask federation reconcile [--peer HUB]`: finish the payments left between phases with the
peers and compare the mirror accounts; exits 1 when a mirror disagrees or a payment is left."""
import datetime as dt

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.errors import DomainError
from app.federation import invoices, joint_peer, keys, peers
from app.federation.reconcile import reconcile
from models import Member, PeerHub, Role

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
    sessions = current_app.extensions["db_sessionmaker"]
    unsent, runs_left = invoices.sync(sessions), joint_peer.reconcile(sessions, dt.timedelta(seconds=min_age))
    click.echo(f"invoices between hubs not delivered yet: {unsent}; joint runs left between phases: {runs_left}")
    if trouble or unsent or runs_left:
        raise SystemExit(1)


@federation.command("key")
def key_command():
    """Print this hub's id and public key, to give to a peer's admin."""
    click.echo(f"{keys.hub_id()} {keys.public_key_text()}")


@federation.command("peer")
@click.argument("hub_id")
@click.argument("name")
@click.argument("base_url")
@click.argument("public_key")
@click.option("--limit", default=100_000, show_default=True, help="Credit granted to the peer, in minor units.")
def peer_command(hub_id, name, base_url, public_key, limit):
    """Register a peer hub as this hub's first admin (the demo hubs peer each other so);
    a peer already registered is left as it is."""
    session = current_app.extensions["db_sessionmaker"]()
    with session:
        if session.scalar(sa.select(PeerHub.id).where(PeerHub.hub_id == hub_id)):
            click.echo(f"{hub_id} is already a peer.")
            return
        admin = session.scalar(sa.select(Member).where(Member.role == Role.ADMIN).order_by(Member.id))
        try:
            peers.register_peer(session, admin, hub_id=hub_id, name=name, base_url=base_url, public_key=public_key,
                                limit_granted=limit)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"{hub_id} registered as a peer: {base_url}")
