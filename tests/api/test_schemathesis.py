"""Issue 10, done when: Schemathesis (GraphQL mode) sends generated queries and mutations of
the committed schema to /graphql, a bounded number per operation, and none is a 500 or an
INTERNAL error. Signed in as the treasurer (an API token), who may reach the most code."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.api.schema import SDL_PATH
from models import Role
from tests.conftest import GraphQLClient

EXAMPLES = 8  # per operation: bounded, a few minutes for the whole schema on both databases

schema = schemathesis.graphql.from_path(SDL_PATH)


@pytest.fixture
def token(app, make_member):
    email = make_member(role=Role.TREASURER, organization="Trésorerie", credit_limit=100_000)
    client = GraphQLClient(app.test_client()).login(email)
    data = client.data('mutation { createApiToken(input: {name: "schemathesis"}) { token errors { code } } }')
    return data["createApiToken"]["token"]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_generated_request_is_a_server_error(case, app, token):
    response = case.call(app=app, base_url="http://localhost/graphql", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.text[:500]
    body = response.json() if response.text.startswith("{") else {}
    codes = [(error.get("extensions") or {}).get("code") for error in body.get("errors") or []]
    assert "INTERNAL" not in codes, body
