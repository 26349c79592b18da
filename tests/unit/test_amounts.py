import pytest

from app.hub import to_minor_units


@pytest.mark.parametrize("text, cents", [
    ("12.50", 1250), ("12,50", 1250), ("12,5", 1250), ("1 234,50", 123450), ("1\u202f234,50", 123450),
    ("1\u00a0234", 123400), (" 7 ", 700), ("0", 0), ("-3,20", -320),
])
def test_amounts_as_members_write_them(text, cents):
    assert to_minor_units(text) == cents


@pytest.mark.parametrize("text, message", [
    ("12,345", "An amount has at most two decimals."),
    ("1.234,50", "Enter an amount such as 12.50."),
    ("douze", "Enter an amount such as 12.50."),
    ("NaN", "Enter an amount such as 12.50."),
    ("1e20", "This amount is too large."),
])
def test_amounts_refused(text, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        to_minor_units(text)
