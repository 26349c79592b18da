"""Fixtures of the API tests: a resource owner and a booker, each signed in with a bearer token."""
import pytest

from tests.api.catalog_helpers import signed_in


@pytest.fixture
def owner(member_api):
    """The manager of "Member org", who lists resources."""
    return member_api


@pytest.fixture
def booker(app, make_member):
    """The manager of "Charpentes Test", credit limit 1,000.00."""
    return signed_in(app, make_member, "Charpentes Test", credit_limit=100_000)
