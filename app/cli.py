"""Flask commands: each slice's own group (`flask ledger ...`, `flask catalog ...`,
`flask clearing ...`, `flask invoices ...`), assembled here with the hub-wide ones: the
database schema, the demo hub, the GraphQL schema and the translations."""
import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app import migrations
from app.api.schema import SDL_PATH, schema
from app.catalog.cli import catalog
from app.config import PROJECT_ROOT
from app.database import get_engine, get_session
from app.demo import DEMO_PASSWORD, DemoRefused, seed_demo
from app.extensions import translation_directories
from app.federation.cli import federation
from app.invoices.cli import invoices
from app.ledger.cli import ledger
from app.notices.cli import notices
from app.ops.cli import backup_command, restore_command
from app.payments.cli import payments_cli
from app.privacy.cli import privacy_cli
from app.skills.cli import skills
from app.treasury.cli import clearing

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


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo hub (does nothing if it is already loaded)."""
    _seed()


@click.command("setup-demo")
@with_appcontext
def setup_demo_command():
    """Migrate the database, then load the demo hub if the database is new."""
    migrations.upgrade(get_engine())
    _seed()


@click.command("translations")
@with_appcontext
def missing_translations():
    """List the messages of the code that no French catalogue translates yet."""
    missing = untranslated_messages("fr")
    for message in missing:
        click.echo(message)
    click.echo(f"{len(missing)} message(s) to translate in a messages.po under app/**/translations/fr")


@click.command("graphql-schema")
@with_appcontext
def export_schema():
    """Write graphql/schema.graphql from the code."""
    SDL_PATH.write_text(schema.as_str() + "\n")
    click.echo(f"Wrote {SDL_PATH}")


COMMANDS = [
    db, ledger, catalog, clearing, invoices, skills, payments_cli, notices,
    seed_demo_command, setup_demo_command, missing_translations, export_schema,
    backup_command, restore_command, privacy_cli, federation,
]


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _seed() -> None:
    session = get_session()
    try:
        loaded = seed_demo(session, current_app.extensions["passwords"], current_app.config["HUB_ID"])
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    if loaded:
        click.echo(f"Demo hub loaded ({current_app.config['HUB_NAME']}). Every demo account's password: {DEMO_PASSWORD}")
    else:
        click.echo("Demo hub already loaded: nothing changed.")


def _safe_url() -> str:
    return get_engine().url.render_as_string(hide_password=True)


# --- Translations ----------------------------------------------------------------------------


def extract_messages() -> Catalog:
    """Every translatable message of the code and templates, as a babel Catalog."""
    catalog = Catalog()
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "N_": None, "DomainError": (2,), "ValidationError": None}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, keywords=keywords
    ):
        if message:
            catalog.add(message, locations=[(filename, lineno)])
    return catalog


def _catalogue_messages(locale: str):
    """The messages of every slice's catalogue for `locale`."""
    for directory in translation_directories():
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as f:
                yield from read_po(f)


def conflicting_translations(locale: str) -> dict[str, set[str]]:
    """Messages that two catalogues translate differently (one would silently win)."""
    seen: dict[str, set[str]] = {}
    for message in _catalogue_messages(locale):
        if message.id and _translated(message.string):
            seen.setdefault(_key(message.id), set()).add(str(message.string))
    return {msgid: strings for msgid, strings in seen.items() if len(strings) > 1}


def untranslated_messages(locale: str) -> list[str]:
    translated = {_key(m.id) for m in _catalogue_messages(locale) if m.id and _translated(m.string)}
    return sorted({_key(m.id) for m in extract_messages() if m.id} - translated)


def _key(msgid) -> str:
    """A plural message is known by its singular."""
    return msgid if isinstance(msgid, str) else msgid[0]


def _translated(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)
