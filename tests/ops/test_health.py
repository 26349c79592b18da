"""GET /healthz and the one access line per request (app.ops.health, app.logs)."""
import io
import logging
import re

import pytest

from app import create_app, migrations
from app.database import make_engine
from app.logs import configure_logging
from tests.conftest import TEST_CONFIG


def test_healthz_is_200_when_the_database_is_at_head(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": "current"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_nothing_secret(app, client):
    body = client.get("/healthz").get_data(as_text=True)
    url = app.config["DATABASE_URL"]
    assert url not in body and "postgres" not in body and "sqlite" not in body
    assert not re.search(r"\d", body)  # no counts, no versions


def _app_on(url):
    engine = make_engine(url)
    return create_app({**TEST_CONFIG, "DATABASE_URL": url, "DATABASE_ENGINE": engine}), engine


def test_healthz_is_503_when_the_schema_is_behind(tmp_path):
    app, engine = _app_on(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0002_ledger")
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "database": "ok", "schema": "behind"}
    finally:
        engine.dispose()


def test_healthz_is_503_on_an_empty_database(tmp_path):
    app, engine = _app_on(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert app.test_client().get("/healthz").status_code == 503
    finally:
        engine.dispose()


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # A SQLite file in a directory that does not exist cannot be opened.
    app, engine = _app_on(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        engine.dispose()


@pytest.fixture
def log_stream():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging()
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


ACCESS = re.compile(
    r"INFO alveole\.http \[(?P<prefix>[^\]]+)\] request_id=(?P<id>\S+) method=(?P<method>\S+) "
    r"path=(?P<path>\S+) status=(?P<status>\d{3}) duration_ms=(?P<ms>\d+\.\d)$"
)


def test_one_access_line_per_request_with_its_id_status_and_duration(client, log_stream):
    client.get("/healthz", headers={"X-Request-Id": "probe-1"})
    client.get("/no-such-page?token=secret", headers={"X-Request-Id": "probe-2"})
    lines = [m.groupdict() for line in log_stream.getvalue().splitlines() if (m := ACCESS.search(line))]
    assert [(line["id"], line["prefix"], line["path"], line["status"]) for line in lines] == [
        ("probe-1", "probe-1", "/healthz", "200"),
        ("probe-2", "probe-2", "/no-such-page", "404"),
    ]
    assert "secret" not in log_stream.getvalue()
    assert all(float(line["ms"]) >= 0 for line in lines)


def test_a_generated_request_id_is_logged_and_returned(client, log_stream):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert f"request_id={request_id} method=GET path=/healthz status=200" in log_stream.getvalue()


def test_an_odd_request_id_is_quoted_in_the_log_line(client, log_stream):
    client.get("/healthz", headers={"X-Request-Id": 'a b"c'})
    assert 'request_id="a b\\"c" method=GET' in log_stream.getvalue()
