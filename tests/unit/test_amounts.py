import pytest
from flask import Flask, session
from flask_babel import Babel

from app.hub import to_minor_units


@pytest.mark.parametrize("text, cents", [
    ("12.50", 1250), ("12,50", 1250), ("12,5", 1250), ("1 234,50", 123450), ("1\u202f234,50", 123450),
    ("1\u00a0234", 123400), (" 7 ", 700), ("0", 0), ("-3,20", -320),
    # Thousands grouped by threes before the other mark: English and continental habits.
    ("1,234.50", 123450), ("12,345,678.9", 1234567890), ("1.234,50", 123450), ("-1,234.50", -123450),
])
def test_amounts_as_members_write_them(text, cents):
    assert to_minor_units(text) == cents


@pytest.mark.parametrize("text, message", [
    ("12,345", "An amount has at most two decimals."),
    ("1,23.50", "Enter an amount such as 12.50."),  # not grouped by threes: a typo, not a number
    ("1.234.5,0.0", "Enter an amount such as 12.50."),
    ("douze", "Enter an amount such as 12.50."),
    ("NaN", "Enter an amount such as 12.50."),
    ("1e20", "This amount is too large."),
])
def test_amounts_refused(text, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        to_minor_units(text)


def _in_language(language: str):
    """A request context whose member reads `language`."""
    app = Flask(__name__)
    app.secret_key = "test"
    Babel(app, locale_selector=lambda: session.get("lang"))
    context = app.test_request_context()
    context.push()
    session["lang"] = language
    return context


@pytest.mark.parametrize("language, text, cents", [
    ("en", "1,234", 123400), ("en", "1,234.50", 123450), ("en", "12,5", 1250),
    ("fr", "1,234", None), ("fr", "1 234,50", 123450),
])
def test_a_lone_comma_groups_thousands_in_english_only(language, text, cents):
    context = _in_language(language)
    try:
        if cents is None:
            with pytest.raises(ValueError, match="at most two decimals"):
                to_minor_units(text)
        else:
            assert to_minor_units(text) == cents
    finally:
        context.pop()
