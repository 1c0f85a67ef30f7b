"""Browser tests: Playwright drives Debian's Chromium against the app on a real server.

The server runs in a thread on a free localhost port and shares the test database, so a
test can prepare data with the usual factories and then act as a person would.

Tests that only read the demo workspace (the accessibility crawl) share one ``demo_site`` per
test process instead: its own database, the demo built once, one server.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from cxgov.demo import demo_create
from cxgov.extensions import db
from tests.conftest import _create_postgres_database_if_missing, database_url_for_tests, make_test_app

CHROMIUM = os.environ.get("CXGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: How long an action (click, fill) or an ``expect(...)`` waits for its element, and how long a page
#: may take to load. CI runs about twice as slow as the development machine and shares it with other
#: work: a 10 s wait (and ``expect``'s own 5 s) ran out there. Every wait is on a condition, so a
#: long limit costs nothing when things go well; it only decides how soon a real failure is reported.
ACTION_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 120_000
#: How long a report PDF may take to lay out (WeasyPrint, about a second of CPU on an idle machine):
#: with four test processes on two busy cores, an issued version's PDF took over 90 s.
PDF_TIMEOUT_MS = 300_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


#: The suite's longest tests, longest first (node id prefixes): the accessibility groups, the
#: no-English crawls and the browser flows that render PDFs. pytest collects tests/e2e and
#: tests/i18n somewhere in the middle; started there, one of them could still be running on one
#: xdist worker while the other has nothing left. Run first, the short tests fill in behind them.
#: (make test's --dist loadgroup deals tests/schedule.py's sets out first, as whole units; this
#: order holds within them and for every other test.)
SLOW_FIRST = (
    "tests/e2e/test_accessibility.py::test_every_page_passes_axe",
    "tests/i18n/test_untranslated_pages.py::",
    "tests/e2e/test_report_versions.py::",
    "tests/e2e/test_report.py::",
    "tests/e2e/test_cycle_flow.py::",
    "tests/e2e/test_keyboard.py::",
    "tests/e2e/test_onboarding.py::",
    "tests/e2e/",
)


def _slow_rank(item) -> int:
    """Return where ``item`` starts: the index of its SLOW_FIRST prefix, or after all of them."""
    return next((rank for rank, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    # A stable sort: within a rank, and for every other test, collection order stays.
    items.sort(key=_slow_rank)


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<free port> in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test app on 127.0.0.1:<free port>; yield its base URL.

    The browser keeps the stylesheets and scripts for the test instead of asking for all four
    again on every page (each test's server has a port, so an origin and a cache, of its own).
    """
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    with serving(app) as base_url:
        yield base_url


@dataclass(frozen=True)
class DemoSite:
    """The demo workspace on its own database and server, for tests that only read it."""

    app: Any
    base_url: str


def _database_beside_tests(name: str) -> str:
    """Return the URL of database ``name`` beside this process's test database (which ``app`` empties)."""
    url = make_url(database_url_for_tests())
    if url.get_backend_name() == "sqlite":
        url = url.set(database=str(Path(url.database or "test.sqlite3").with_name(f"{name}.sqlite3")))
    else:
        url = url.set(database=f"{url.database}_{name}")  # .ci/run drops every cxgov_test* database
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def demo_database(name: str) -> Iterator[Any]:
    """Yield an app on a database of its own that holds the demo workspace; drop it afterwards.

    For tests that only read the demo (crawls): built once per test process instead of once per
    test. They must not write, as every later test of the process sees the same workspace.
    """
    url = _database_beside_tests(name)
    _create_postgres_database_if_missing(url)
    # A browser that revisits the demo's pages keeps the stylesheets and scripts instead of asking
    # the server again for each page (four requests per page otherwise).
    app = make_test_app(SQLALCHEMY_DATABASE_URI=url, SEND_FILE_MAX_AGE_DEFAULT=3600)
    with app.app_context():
        db.drop_all()
        db.create_all()
        demo_create()
        db.session.commit()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    """Serve the demo workspace from its own database, built once per test process.

    Building it per test would cost each of the accessibility crawl's groups a demo and a link crawl.
    """
    with demo_database("demo_site") as app, serving(app) as base_url:
        yield DemoSite(app=app, base_url=base_url)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; 'make test' installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def browser_context(browser, **options):
    """Return a new browser context (a fresh profile: no cookies) with the suite's time limits."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context


@pytest.fixture(scope="session")
def _tabs_context(browser):
    """The browser context that the ``page`` fixture's tabs share, one per test process.

    A new context per test cost about 0.65 s of Chromium CPU (a renderer process started and
    stopped, the context set up and torn down), a new tab in a kept one about 0.35 s. Tests still
    start logged out and alone: ``page`` clears the cookies and closes every tab after each test,
    and each test's server has a port (so an origin, with its storage and cache) of its own.

    The context asks for reduced motion, as some people's browsers do (the app's stylesheet then
    stops its animations): a spinning "PDF being laid out" kept Chromium drawing 60 frames a
    second for as long as a test waited for the PDF (0.14 s of CPU per second of waiting against
    0.08, and the wait is longest on a loaded machine), and Bootstrap's transitions take no time.
    """
    context = browser_context(browser, reduced_motion="reduce")
    yield context
    context.close()


@pytest.fixture
def page(_tabs_context):
    """A new tab with no cookies in the browser (no other tab of the context open)."""
    _tabs_context.clear_cookies()
    tab = _tabs_context.new_page()
    yield tab
    for open_tab in list(_tabs_context.pages):  # the test's own extra tabs too
        open_tab.close()
    _tabs_context.clear_cookies()


@contextlib.contextmanager
def next_page_loaded(page) -> Iterator[None]:
    """Wait until the navigation the block starts (a link, a form post) has loaded the next page.

    A click that navigates returns once the next page has *started* to arrive: its scripts
    (Bootstrap's dropdowns and collapses, the autosave, the confirm questions) may not have run
    and its end may not be parsed yet, so a text read then can be half a page. CI failed on
    exactly that (the account menu clicked before Bootstrap had run). Use this around every
    click that leaves the page when the test goes on to read or use the next one.
    """
    with page.expect_navigation(wait_until="load"):
        yield


def log_in(page, base_url: str, email: str, password: str) -> None:
    """Log in through the login form, as a person would, and wait for the next page to load.

    For tests about logging in; the others use ``log_in_by_request``.
    """
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with next_page_loaded(page):
        page.click("button[type=submit]")


def log_in_by_request(page, base_url: str, email: str, password: str) -> None:
    """Log in by posting the login form beside the tab: the tab's browser context gets the session.

    For tests that are not about logging in (test_login is, through ``log_in``). The post goes
    to the same login view as the form's (the attempt recorded, the password checked, the
    session cookie set) from the context's own request client, which shares the browser
    context's cookies. No login page and no landing page is loaded in the tab: about 0.4 s of
    Chromium CPU less per log-in. The tab stays where it was; go to the page under test next.
    """
    response = page.context.request.post(f"{base_url}/login", form={"email": email, "password": password},
                                         max_redirects=0)
    location = response.headers.get("location", "")
    assert response.status == 302 and "/login" not in location, f"logging in as {email} failed ({response.status})"


def autosaved(page, practice_id: str):
    """Return the answering page's green "Saved" status of a practice, there once its autosave is stored.

    Not a text match on "Saved": Playwright matches text case-insensitively, so "Not saved" (red)
    would match too and a failed save would pass for a stored one.
    """
    return page.locator(f"[data-practice={practice_id}] [data-status] .text-success")


def wait_until_autosaved(page, practice_id: str) -> None:
    """Wait until the answering page says a practice's autosave is stored (``autosaved`` shows).

    ``locator.wait_for`` rather than ``expect(...).to_be_visible()``: the same condition, but
    about 30 ms less Chromium CPU per wait (measured over 33 answers: 0.075 s against 0.105 s a
    click and its save), and the cycle flow waits for 48 of them.
    """
    autosaved(page, practice_id).wait_for()
