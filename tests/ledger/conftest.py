"""Fixtures shared by the ledger's test modules."""
from tests.ledger.test_ledger_api import three  # noqa: F401  (Alice, Bob, Carol and the treasurer)
