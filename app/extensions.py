"""Extensions, created once and bound to the app in create_app."""
import os
import re
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session
from flask_babel import Babel, get_locale
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from jinja2 import pass_context

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
    """The language picked with the header's toggle for this session (on the login page too:
    it survives sign-in), else the member's stored one, else the browser's."""
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or "fr"


# The regional conventions Babel formats each language with: the hub is in France, so its
# English is written the British way ("30 Nov 2026", 24-hour times, "1,234.50").
REGIONS = {"fr": "fr_FR", "en": "en_GB"}


def babel_locale() -> str:
    """The member's language (select_locale) with the hub's regional conventions. Translations
    are found under the language alone (gettext tries "en_GB", then "en")."""
    language = select_locale()
    return REGIONS.get(language, language)


# French typography, applied as the French catalogues are compiled (the .po files keep the
# plain characters one types): a no-break space before a colon and inside « », a narrow
# no-break space before ; ! ? and a percent sign (written "%%" in a message with parameters),
# the typographic apostrophe, and a no-break space that keeps "n°" with its number.
FRENCH_CHARACTERS = (
    (" %%", "\u202f%%"), (" :", "\u00a0:"), (" ;", "\u202f;"), (" !", "\u202f!"), (" ?", "\u202f?"), ("« ", "«\u00a0"), (" »", "\u00a0»"),
    ("'", "’"), ("n° ", "n°\u00a0"),
)


def french_typography(text: str) -> str:
    for plain, typeset in FRENCH_CHARACTERS:
        text = text.replace(plain, typeset)
    return text


# "de" before a vowel is "d’" ("Relevés d’août", "message d’Anne"). The words that follow are
# often a parameter (a month, a name), known only once the message is filled: so this runs
# then, on French text. Not before h or y, which a name may aspirate ("de Hauteville").
DE_BEFORE_VOWEL = re.compile(r"\b([Dd])e (?=[aeiouéèêàâîôûAEIOUÉÈÊÀÂÎÔÛ])")


def french_elision(text: str) -> str:
    """`text` with "de" elided before a vowel when the current language is French."""
    locale = get_locale()
    if locale is None or locale.language != "fr":
        return text
    elided = DE_BEFORE_VOWEL.sub(r"\1’", text)
    return type(text)(elided) if elided != text else text  # Markup stays Markup


def elide_in_templates(env) -> None:
    """The templates' _(), gettext() and ngettext() elide too (Jinja fills their parameters)."""
    def eliding(fill):
        @pass_context
        def filled(context, *args, **variables):
            return french_elision(fill(context, *args, **variables))
        return filled

    for name in ("_", "gettext", "ngettext"):
        env.globals[name] = eliding(env.globals[name])


def _typeset(catalog) -> None:
    for message in catalog:
        if isinstance(message.string, tuple):
            message.string = tuple(french_typography(s) for s in message.string)
        elif message.string:
            message.string = french_typography(message.string)


def compile_translations() -> None:
    """Build the .mo catalogues from the committed .po files when they are missing or older
    (than their .po, or than this module, which typesets the French ones)."""
    this_module = Path(__file__).stat().st_mtime
    for po_path in (p for d in translation_directories() for p in d.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= max(po_path.stat().st_mtime, this_module):
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        if po_path.parent.parent.name == "fr":
            _typeset(catalog)
        # Several processes may start at once (test workers, gunicorn): each writes its own
        # file and renames it into place, which is atomic.
        with tempfile.NamedTemporaryFile(dir=mo_path.parent, suffix=".tmp", delete=False) as mo_file:
            write_mo(mo_file, catalog)
        os.replace(mo_file.name, mo_path)

