"""`flask backup` and `flask restore`: see app.ops.backup."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.database import get_engine
from app.ops import backup as backups


@click.command("backup")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory of the backups (default: ALVEOLE_BACKUP_DIR, else instance/backups).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="How many backups to keep (default: ALVEOLE_BACKUP_KEEP, else 14).")
@with_appcontext
def backup_command(output, keep):
    """Write a consistent copy of the database (while the app runs); prune old copies."""
    directory = output or Path(current_app.config["BACKUP_DIR"])
    try:
        path = backups.backup(get_engine(), directory, keep or current_app.config["BACKUP_KEEP"])
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written: {path}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file):
    """Restore a backup into an empty database, then migrate it to head."""
    try:
        revision = backups.restore(get_engine(), file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {file.name} (revision {revision}); the database is at head.")
