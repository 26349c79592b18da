"""Issue 10: hostile requests at the edge of the web app (timeouts, control characters, deep
JSON, failing commits) and the hardening headers."""
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app, database
from app.demo import DEMO_PASSWORD
from tests.conftest import TEST_CONFIG, sign_in


def _app_with(app, **config):
    """Another app on the test's database, with some settings changed at creation."""
    return create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                       "DATABASE_ENGINE": app.extensions["db_engine"], **config})


# --- Finding 3: a statement timeout per request -------------------------------------------------


def _slow_statement(session):
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(sa.text("SELECT pg_sleep(2)"))
    return session.execute(sa.text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) SELECT count(*) FROM n"
    ))


def test_a_request_statement_runs_at_most_the_statement_timeout(app):
    limited = _app_with(app, STATEMENT_TIMEOUT_MS=200)
    with limited.test_request_context():
        session = database.get_session()
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            _slow_statement(session)
        assert time.monotonic() - started < 1.5
        session.rollback()
        assert session.execute(sa.text("SELECT 1")).scalar() == 1  # the next statement has its own time
    # The connection goes back to the pool without the deadline: commands run free.
    with limited.extensions["db_engine"].connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1


# --- Low findings: control characters, deep JSON, failing commits -------------------------------


@pytest.mark.parametrize("url", ["/catalogue?q=%00", "/catalogue?q=scie%1b", "/ical/%00.ics", "/catalogue?%00=1",
                                 "/login?next=%00"])
def test_control_characters_in_a_page_parameter_are_a_400(client, url):
    assert client.get(url).status_code == 400


def test_a_nul_byte_in_a_form_field_is_a_400(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "a\x00@example.test", "password": "x"})
    assert response.status_code == 400


def test_tabs_and_line_breaks_are_still_text(client):
    assert client.get("/catalogue?q=scie%09ruban").status_code == 200


def test_a_json_body_nested_100000_deep_is_a_400(client):
    body = '{"query": "{ viewer { id } }", "variables": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/graphql", data=body, content_type="application/json")
    assert response.status_code == 400


def test_a_failing_final_commit_is_masked_and_logged_with_the_request_id(app, member_api, monkeypatch, caplog):
    def broken(self):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(sa.orm.Session, "commit", broken)
    with caplog.at_level("ERROR", logger="alveole.api"):
        response = member_api.client.post(
            "/graphql", json={"query": 'mutation { updateProfile(input: {name: "Nouveau nom"}) { errors { code } } }'},
            headers={"X-Request-Id": "req-commit-1"},
        )
    body = response.get_json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": "req-commit-1"}
    assert "COMMIT" not in response.get_data(as_text=True) and "server closed" not in response.get_data(as_text=True)
    assert any("req-commit-1" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_failing_final_rollback_is_masked_too(app, api, monkeypatch):
    def broken(self):
        raise sa.exc.OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))

    monkeypatch.setattr(sa.orm.Session, "rollback", broken)
    body = api.gql("{ resources(first: 1) { edges { node { id } } } }")  # a query that opens a session
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "ROLLBACK" not in str(body) and "administrator" not in str(body)


# --- Hardening: CSP, caches, cookies, CSRF tokens, introspection --------------------------------

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def test_no_template_has_inline_script():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {path.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"event handler attribute in {path.name}"
        assert "javascript:" not in text, f"javascript: URL in {path.name}"


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.strip() == "'self'" and "frame-ancestors 'none'" in policy


def test_private_pages_and_answers_are_not_stored_by_caches(app, make_member, client):
    assert sign_in(client, make_member(organization="Scierie", credit_limit=10_000)).status_code == 302
    for url in ("/account", "/account/statement.csv", "/catalogue"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert client.post("/graphql", json={"query": "{ viewer { id } }"}).headers["Cache-Control"] == "no-store"
    static = client.get("/static/js/confirm.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


@pytest.mark.parametrize(("config", "base_url", "secure"), [
    ({"SESSION_COOKIE_SECURE": True}, "http://localhost", True),
    ({}, "https://localhost", True),
    ({}, "http://localhost", False),
])
def test_session_cookies_are_secure_when_configured_or_over_https(app, make_member, config, base_url, secure):
    email = make_member(organization="Scierie")
    client = _app_with(app, **config).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login", base_url=base_url).get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD}, base_url=base_url,
                           headers={"Referer": f"{base_url}/login"})  # Flask-WTF checks it over https
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all(("; Secure" in c) == secure for c in cookies), cookies
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def test_csrf_tokens_expire(app, make_member):
    assert 0 < app.config["WTF_CSRF_TIME_LIMIT"] <= 24 * 3600
    client = _app_with(app, WTF_CSRF_TIME_LIMIT=1, TESTING=False).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    time.sleep(2.1)
    response = client.post("/login", data={"csrf_token": token, "email": "x@example.test", "password": "x"})
    assert response.status_code == 400


INTROSPECTION = "{ __schema { queryType { name } } }"


def test_introspection_and_graphiql_are_for_signed_in_members(app, api, member_api):
    body = api.gql(INTROSPECTION)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert api.gql("{ __typename }")["data"] == {"__typename": "Query"}
    assert member_api.data(INTROSPECTION)["__schema"]["queryType"]["name"] == "Query"
    ide = api.client.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 302 and "/login" in ide.headers["Location"]
    page = member_api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.get_data(as_text=True).lower()
    assert "worker-src" in page.headers["Content-Security-Policy"]


def test_the_demo_opens_introspection_and_graphiql_to_all(app):
    client = _app_with(app, PUBLIC_GRAPHQL_IDE=True).test_client()
    body = client.post("/graphql", json={"query": INTROSPECTION}).get_json()
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    assert client.get("/graphql", headers={"Accept": "text/html"}).status_code == 200
