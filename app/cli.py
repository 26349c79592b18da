"""Flask commands: database migrations, demo data, ledger checks."""
import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import migrations
from app.database import get_engine, get_session


def register_cli(app: Flask) -> None:
    db = AppGroup("db", help="Database schema (Alembic).")

    @db.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision):
        """Create or migrate the schema."""
        migrations.upgrade(get_engine(), revision)
        click.echo(f"Database at {revision}: {_safe_url()}")

    @db.command("downgrade")
    @click.argument("revision")
    def db_downgrade(revision):
        migrations.downgrade(get_engine(), revision)

    @db.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message):
        """Autogenerate a revision from the models (run against an up-to-date database)."""
        migrations.revision(get_engine(), message)

    app.cli.add_command(db)

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo hub (does nothing if it is already loaded)."""
        _seed()

    @app.cli.command("setup-demo")
    def setup_demo_command():
        """Migrate the database, then load the demo hub if the database is new."""
        migrations.upgrade(get_engine())
        _seed()

    ledger = AppGroup("ledger", help="Ledger checks and housekeeping.")

    @ledger.command("check")
    def ledger_check():
        """Check the ledger's invariants; exit 1 if any is broken."""
        from app.ledger.services import invariant_violations

        problems = invariant_violations(get_session())
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise SystemExit(1)
        click.echo("Ledger consistent: balances sum to 0 and match their postings.")

    @ledger.command("expire-holds")
    def ledger_expire_holds():
        from app.ledger.services import expire_holds

        session = get_session()
        count = expire_holds(session)
        session.commit()
        click.echo(f"{count} hold(s) expired.")

    app.cli.add_command(ledger)

    catalog = AppGroup("catalog", help="Catalogue and bookings housekeeping.")

    @catalog.command("complete-due")
    def catalog_complete_due():
        """Complete the workspace and skill bookings that have ended (pays their owners)."""
        from app.catalog.bookings import complete_due

        session = get_session()
        count = complete_due(session)
        session.commit()
        click.echo(f"{count} booking(s) completed.")

    @catalog.command("send-mail")
    def catalog_send_mail():
        """Send the email outbox (waitlist notices) through SMTP_HOST, if it is configured."""
        from app.catalog.waitlist import send_outbox
        from models import OutboxEmail

        session = get_session()
        config = current_app.config
        if not config["SMTP_HOST"]:
            import sqlalchemy as sa

            waiting = session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None)))
            click.echo(f"SMTP is not configured (SMTP_HOST): {waiting} email(s) wait in the outbox.")
            return
        settings = {
            "host": config["SMTP_HOST"], "port": config["SMTP_PORT"], "username": config["SMTP_USERNAME"],
            "password": config["SMTP_PASSWORD"], "starttls": config["SMTP_STARTTLS"], "sender": config["SMTP_FROM"],
        }
        sent, failed = send_outbox(session, settings)
        click.echo(f"{sent} email(s) sent, {failed} failed.")

    app.cli.add_command(catalog)

    from app.treasury.cli import clearing, invoices

    app.cli.add_command(clearing)
    app.cli.add_command(invoices)

    @app.cli.command("translations")
    def missing_translations():
        """List the messages of the code that no French catalogue translates yet."""
        missing = untranslated_messages("fr")
        for message in missing:
            click.echo(message)
        click.echo(f"{len(missing)} message(s) to translate in a messages.po under app/**/translations/fr")

    @app.cli.command("graphql-schema")
    def export_schema():
        """Write graphql/schema.graphql from the code."""
        from app.api.schema import SDL_PATH, schema

        SDL_PATH.write_text(schema.as_str() + "\n")
        click.echo(f"Wrote {SDL_PATH}")



def _seed() -> None:
    from app.demo import DEMO_PASSWORD, DemoRefused, seed_demo

    session = get_session()
    try:
        loaded = seed_demo(session, current_app.extensions["passwords"])
    except DemoRefused as exc:
        raise click.ClickException(str(exc))
    session.commit()
    if loaded:
        click.echo(f"Demo hub loaded. Every demo account's password: {DEMO_PASSWORD}")
    else:
        click.echo("Demo hub already loaded: nothing changed.")


def _safe_url() -> str:
    return get_engine().url.render_as_string(hide_password=True)


def extract_messages():
    """Every translatable message of the code and templates, as a babel Catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    from app.config import PROJECT_ROOT

    catalog = Catalog()
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "N_": None, "DomainError": (2,), "ValidationError": None}
    for filename, lineno, message, comments, context in extract_from_dir(
        PROJECT_ROOT, method_map, keywords=keywords
    ):
        if message:
            catalog.add(message, locations=[(filename, lineno)])
    return catalog


def conflicting_translations(locale: str) -> dict[str, set[str]]:
    """Messages that two catalogues translate differently (one would silently win)."""
    from babel.messages.pofile import read_po

    from app.extensions import translation_directories

    seen: dict[str, set[str]] = {}
    for directory in translation_directories():
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as f:
                for message in read_po(f):
                    if message.id and _translated(message.string):
                        seen.setdefault(_key(message.id), set()).add(str(message.string))
    return {msgid: strings for msgid, strings in seen.items() if len(strings) > 1}


def untranslated_messages(locale: str) -> list[str]:
    from babel.messages.pofile import read_po

    from app.extensions import translation_directories

    translated = set()
    for directory in translation_directories():
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as f:
                translated |= {_key(m.id) for m in read_po(f) if m.id and _translated(m.string)}
    return sorted({_key(m.id) for m in extract_messages() if m.id} - translated)


def _key(msgid) -> str:
    """A plural message is known by its singular."""
    return msgid if isinstance(msgid, str) else msgid[0]


def _translated(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)
