"""French elides "de" before a vowel, also when the vowel comes with a parameter (a month, a
name): in the templates, the notices and the API's error messages."""
import pytest
from flask import render_template_string
from flask_babel import force_locale

from app import create_app
from app.extensions import french_elision
from app.notices import render
from tests.conftest import TEST_CONFIG


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('elision') / 'a.db'}"})


@pytest.mark.parametrize("text, elided", [
    ("Relevés de août 2026", "Relevés d’août 2026"),
    ("message de Anne Mollard", "message d’Anne Mollard"),
    ("De octobre à mars", "D’octobre à mars"),
    ("Relevés de septembre 2026", "Relevés de septembre 2026"),
    ("l’atelier de Hauteville", "l’atelier de Hauteville"),  # an h may be aspirated
    ("plus de 12 jours", "plus de 12 jours"),
    ("la garde un jour", "la garde un jour"),  # "de" inside a word
])
def test_de_before_a_vowel_in_french(app, text, elided):
    with app.test_request_context(), force_locale("fr"):
        assert french_elision(text) == elided
    with app.test_request_context(), force_locale("en"):
        assert french_elision(text) == text


def test_a_template_elides_after_filling_its_parameters_and_still_escapes_them(app):
    template = "{{ _('Statements of %(month)s', month=month) }}"
    with app.test_request_context(), force_locale("fr"):
        assert render_template_string(template, month="août 2026") == "Relevés d’août 2026"
        assert render_template_string(template, month="avril <b>") == "Relevés d’avril &lt;b&gt;"
    with app.test_request_context(), force_locale("en"):
        assert render_template_string(template, month="August 2026") == "Statements of August 2026"


def test_a_notice_elides_the_name_it_holds(app):
    with app.test_request_context(), force_locale("fr"):
        words = render.message("JOB_MESSAGE", {"title": "Charpente", "who": "Anne Mollard"})
    assert words == "«\u00a0Charpente\u00a0»\u00a0: message d’Anne Mollard."
