"""A real server on a real port, and Debian's Chromium driven by Playwright."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app, migrations
from app.database import get_engine, get_session
from app.demo import seed_demo
from tests.conftest import IN_CI, TEST_CONFIG

CHROMIUM = os.environ.get("ALVEOLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """demo_database(path) -> the URL of a new SQLite file at `path` holding the Arve's demo hub,
    a copy of one migrated and loaded once per worker: migrating and seeding again for each
    server cost ~10 s apiece under coverage. Each copy is the server's own, as before; the demo's
    dates are relative to today, the same for the whole run."""
    template = tmp_path_factory.mktemp("demo") / "alveole.db"
    app = create_app({**TEST_CONFIG, "TESTING": False, "DATABASE_URL": f"sqlite:///{template}"})
    with app.app_context():
        migrations.upgrade(get_engine())
        session = get_session()
        seed_demo(session, app.extensions["passwords"])
        session.commit()
    # Closing the last connection checkpoints the WAL into the file: the file alone is the hub.
    app.extensions["db_engine"].dispose()
    assert not template.with_name(template.name + "-wal").exists()

    def copy(path: Path) -> str:
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    return copy


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, demo_database):
    """The app with the demo hub, on a database of its own (tests read its mail outbox)."""
    database_url = demo_database(tmp_path_factory.mktemp("e2e") / "alveole.db")
    app = create_app({**TEST_CONFIG, "TESTING": False, "DATABASE_URL": database_url})
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    """The app served by werkzeug on a free port of 127.0.0.1; its emails link to it."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live_app.config["BASE_URL"]
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One Chromium per worker (starting Playwright and Chromium costs seconds): every test
    still gets fresh browser contexts of its own (page_for, the federation journey's Tab)."""
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    # expect() polls until its text shows: allow 15 s rather than 5, as the whole suite shares
    # two cores in CI and a reply once took longer there (a wait, not a speed check).
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, tmp_path):
    """page_for(lang, width) -> a fresh page in its own browser context."""
    contexts = []

    def make(lang="fr", width=1280):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale=lang,
            extra_http_headers={"Accept-Language": lang},
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
