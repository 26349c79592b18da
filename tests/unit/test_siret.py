import pytest

from app.auth.services import siret_is_valid


@pytest.mark.parametrize("siret, valid", [
    ("73282932000074", True),   # a real SIRET
    ("73282932000075", False),  # one digit off
    ("35600000049837", True),   # La Poste follows its own rule
    ("1234567890123", False),   # too short
    ("7328293200007A", False),
])
def test_siret_luhn_check(siret, valid):
    assert siret_is_valid(siret) is valid
