"""The committed artefacts stay equal to the code: the SDL, the named operations, the French
catalogue."""
from pathlib import Path

from app.api.documents import OPERATIONS_DIR
from app.api.schema import SDL_PATH, schema
from graphql import parse, validate


def test_committed_sdl_matches_the_code():
    committed = SDL_PATH.read_text()
    assert committed == schema.as_str() + "\n", (
        "graphql/schema.graphql is stale: run `flask --app wsgi graphql-schema` and commit it"
    )


def test_every_named_operation_is_valid_against_the_schema():
    operations = sorted(OPERATIONS_DIR.glob("*.graphql"))
    assert operations
    for path in operations:
        document = parse(path.read_text())
        errors = validate(schema._schema, document)
        assert not errors, f"{path.name}: {errors}"
        names = [d.name.value for d in document.definitions if getattr(d, "name", None)]
        assert Path(path).stem in names, f"{path.name} must define an operation named {path.stem}"


def test_every_message_has_a_french_translation():
    from app.cli import untranslated_messages

    assert untranslated_messages("fr") == [], (
        "add these to a messages.po under app/**/translations/fr/LC_MESSAGES (`flask translations`)"
    )


def test_no_message_is_translated_two_ways():
    from app.cli import conflicting_translations

    assert conflicting_translations("fr") == {}, "one English message, one French translation"
