"""Extensions, created once and bound to the app in create_app."""
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

LANGUAGES = ("fr", "en")
APP_DIR = Path(__file__).resolve().parent
TRANSLATIONS_DIR = APP_DIR / "translations"


def translation_directories() -> list[Path]:
    """The hub's catalogue and one per feature slice (app/<slice>/translations), merged."""
    return [TRANSLATIONS_DIR, *sorted(APP_DIR.glob("*/translations"))]

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None
csrf = CSRFProtect()
babel = Babel()


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.language
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "fr"


# The regional conventions Babel formats each language with: the hub is in France, so its
# English is written the British way ("30 Nov 2026", 24-hour times, "1,234.50").
REGIONS = {"fr": "fr_FR", "en": "en_GB"}


def babel_locale() -> str:
    """The member's language (select_locale) with the hub's regional conventions. Translations
    are found under the language alone (gettext tries "en_GB", then "en")."""
    language = select_locale()
    return REGIONS.get(language, language)


def compile_translations() -> None:
    """Build the .mo catalogues from the committed .po files when they are missing or older."""
    for po_path in (p for d in translation_directories() for p in d.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # Several processes may start at once (test workers, gunicorn): each writes its own
        # file and renames it into place, which is atomic.
        with tempfile.NamedTemporaryFile(dir=mo_path.parent, suffix=".tmp", delete=False) as mo_file:
            write_mo(mo_file, catalog)
        os.replace(mo_file.name, mo_path)

