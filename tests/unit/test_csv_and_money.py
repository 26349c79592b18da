"""The hub's one CSV format, and amounts as a member reads them."""
import datetime as dt
from decimal import Decimal

from flask import Flask, session
from flask_babel import Babel

from app.web import format_money
from app.web.csv import cell, csv_response, csv_text


def test_cells_in_the_hubs_one_format():
    assert cell(Decimal("-1234.5")) == "-1234,50"
    assert cell({"amount": "12.00", "currency": "ALV"}) == "12,00"
    assert cell(7) == "7" and cell(None) == "" and cell(True) == "1"
    assert cell(dt.date(2026, 11, 30)) == "2026-11-30"
    # A moment in UTC is written in the hub's time zone, to the minute.
    assert cell(dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.timezone.utc)) == "2026-07-01 12:30"


def test_the_file_has_a_bom_semicolons_and_quotes_where_needed():
    text = csv_text(["Libellé", "Montant"], [["Grumes; mélèze", Decimal("3.5")], ['Dit "vite"', None]])
    assert text == '\ufeffLibellé;Montant\r\n"Grumes; mélèze";3,50\r\n"Dit ""vite""";\r\n'


def test_a_download_with_a_safe_name():
    app = Flask(__name__)
    with app.test_request_context():
        response = csv_response("relevé de l'Atelier/2026", ["a"], [[1]])
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="releve-de-l-atelier-2026.csv"'
    assert response.data == "\ufeffa\r\n1\r\n".encode()


def _render(language: str, amount: str) -> str:
    app = Flask(__name__)
    app.secret_key = "test"
    Babel(app, locale_selector=lambda: session.get("lang"))
    with app.test_request_context():
        session["lang"] = language
        return format_money({"amount": amount, "currency": "ALV"})


def test_money_with_thousands_separators_and_a_real_minus_sign():
    assert _render("fr_FR", "-1234.50") == "\u22121\u202f234,50\u00a0ALV"
    assert _render("en_GB", "1234.50") == "1,234.50\u00a0ALV"
    assert _render("fr_FR", "0.00") == "0,00\u00a0ALV"


def test_french_catalogues_are_typeset_as_they_are_compiled():
    from app.extensions import french_typography

    assert french_typography("Motif : « trop tard » ; vraiment ? Oui !") == (
        "Motif\u00a0: «\u00a0trop tard\u00a0»\u202f; vraiment\u202f? Oui\u202f!"
    )
    assert french_typography("12:30 http://x.test") == "12:30 http://x.test"  # no space before: untouched
    assert french_typography("%(name)s à %(percent)s %%") == "%(name)s à %(percent)s\u202f%%"  # parameters intact
    assert french_typography("Ce créneau n'est plus libre") == "Ce créneau n’est plus libre"  # the apostrophe
    assert french_typography("la facture n° %(number)s") == "la facture n°\u00a0%(number)s"
