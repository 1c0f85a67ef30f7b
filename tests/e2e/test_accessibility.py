"""WCAG 2.2 AA on every page of the demo workspace, for every role, at 1366 px and 390 px.

A link crawl per role plans the pages (see a11y_crawl.py); the browser checks them in ``GROUPS``
tests of about equal cost, which pytest-xdist spreads over the cores. Each group: 0 serious or
critical axe violations, moderate and minor ones only when explained in ``ALLOWED`` below, no
page wider than a 390 px phone screen, one <h1> per page. The crawl itself: no page a role can
reach answers an error. docs/accessibility.md says what this covers and what it cannot.
"""
from __future__ import annotations

import hashlib
import os
from typing import Callable, Iterator

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from sqlalchemy import select

from cxgov.auth.models import User
from cxgov.demo import DEMO_ADMIN, DEMO_AMBASSADOR, DEMO_CONSULTANT, DEMO_SPONSOR
from cxgov.extensions import db
from tests.conftest import login_as
from tests.e2e.a11y_crawl import (NARROW, WIDE, CheckResult, CrawlPlan, PlannedCheck, crawl_plan,
                                  markup_skeleton, page_check)
from tests.e2e.conftest import DemoSite, browser_context, serving

#: (who, e-mail or None for a visitor who is not logged in, where they land). A page is checked
#: once, as the first role that reaches it: the respondent comes first so the answering page is
#: checked as the people who answer see it.
ROLES = [
    ("respondent", "agent1@demo.cxgov.example", "/"),
    ("sponsor", DEMO_SPONSOR, "/"),
    ("consultant", DEMO_CONSULTANT, "/"),
    ("ambassador", DEMO_AMBASSADOR, "/"),
    ("viewer", "ceo@demo.cxgov.example", "/"),
    ("admin", DEMO_ADMIN, "/"),
    ("visitor", None, "/login"),
]

#: How many tests share the checks: enough for two workers to finish together (each group is
#: 10-20 pages), few enough that each worker's one-off cost (demo, crawl, role logins) stays small.
GROUPS = 6

#: rule id -> why a moderate or minor axe finding is accepted. Serious and critical findings
#: are never accepted.
ALLOWED: dict[str, str] = {}

#: The plan of each demo site (one per test process), made by the first test that needs it.
_plans: dict[int, CrawlPlan] = {}


@pytest.fixture
def plan(demo_site: DemoSite) -> CrawlPlan:
    """Crawl the demo as every role (once per test process) and return the plan."""
    if id(demo_site) not in _plans:
        app = demo_site.app
        with app.app_context():
            users = {u.email: u for u in db.session.scalars(select(User))}
            roles = []
            for who, email, start in ROLES:
                client = app.test_client()
                if email:
                    login_as(client, users[email])
                roles.append((who, client, start))
            _plans[id(demo_site)] = crawl_plan(app, roles)
            db.session.remove()
    return _plans[id(demo_site)]


def role_cookies(app, base_url: str) -> dict[str, list[dict[str, str]]]:
    """Return who -> the cookies of a session logged in as them (none for the visitor).

    Made the way the crawl's test clients log in (``login_as``), so the browser sees each page as
    the crawl did, and without the login form: its three page loads per role and the login
    attempt it writes into the demo that every later test reads.
    """
    cookies = {}
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        for who, email, _start in ROLES:
            cookies[who] = []
            if email:
                client = app.test_client()
                login_as(client, users[email])
                session = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
                cookies[who] = [{"name": session.key, "value": session.value, "url": base_url}]
        db.session.remove()
    return cookies


@pytest.fixture(scope="session")
def role_tab(browser, demo_site: DemoSite) -> Iterator[Callable[[str], object]]:
    """Return who -> the crawl's one tab, logged in as them.

    One browser context and one tab for every role: the session cookie is swapped when the role
    changes (the app keeps no other state in the browser: no storage, no other cookie). A context
    per role cost a renderer process per role switch (Chromium started a fresh one for the tab
    of the other context, and with it parsed the stylesheets and scripts again): 69 renderers for
    94 pages. The context adds axe-core to every page it loads, so the 570 kB script crosses from
    Python to Chromium once.
    """
    cookies = role_cookies(demo_site.app, demo_site.base_url)
    context = browser_context(browser, viewport=WIDE)
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    current: list[str | None] = [None]

    def tab(who: str):
        if current[0] != who:
            context.clear_cookies()
            if cookies[who]:
                context.add_cookies(cookies[who])
            current[0] = who
        return page

    yield tab
    context.close()


def test_every_role_reaches_its_pages_without_an_error(plan: CrawlPlan):
    checked = len(plan.checks)
    print(f"\n{sum(plan.visited.values())} pages visited ({plan.visited}); {checked} pages of "
          f"{len({c.endpoint for c in plan.checks})} endpoints planned, "
          f"{sum(c.axe for c in plan.checks)} of them through axe, {sum(c.contrast for c in plan.checks)} "
          f"with colour contrast")
    assert checked > 40, "the crawl found too few pages: did logging in fail?"
    assert all(plan.visited[who] > (1 if email else 0) for who, email, _ in ROLES), plan.visited
    assert not plan.errors, f"{len(plan.errors)} links answer an error:\n" + "\n".join(plan.errors)


def test_the_groups_share_out_every_planned_page_once(plan: CrawlPlan):
    groups = [plan.group(index, GROUPS) for index in range(GROUPS)]
    assert sorted((c for g in groups for c in g), key=repr) == sorted(plan.checks, key=repr)
    assert all(groups), "a group has no pages: lower GROUPS"


def test_colour_contrast_is_checked_on_one_page_of_every_endpoint(plan: CrawlPlan):
    contrast = [c.endpoint for c in plan.checks if c.contrast]
    assert sorted(contrast) == sorted({c.endpoint for c in plan.checks})  # each endpoint once
    assert all(c.axe for c in plan.checks if c.contrast)


def plan_digest(plan: CrawlPlan) -> str:
    """Return what decides the groups: every planned check with its cost."""
    checks = sorted((c.who, c.path, c.endpoint, c.axe, c.contrast, c.elements) for c in plan.checks)
    return hashlib.sha256(repr(checks).encode()).hexdigest()


def assert_same_plan_in_every_process(plan: CrawlPlan, shared_dir) -> None:
    """Fail unless every xdist process planned the same checks.

    Each process crawls a demo of its own and takes its groups from its own plan; were two plans
    different, a page could fall between the groups (or be checked twice) without any test
    noticing. The first process to get here files its digest; every other one compares.
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:  # one process: every group comes from the one plan
        return
    filed = shared_dir / f"a11y-plan-{run}"
    mine = plan_digest(plan)
    draft = shared_dir / f"a11y-plan-{run}-{os.environ.get('PYTEST_XDIST_WORKER')}"
    draft.write_text(mine)
    try:
        os.link(draft, filed)  # atomic: exactly one process files its digest
    except FileExistsError:
        pass
    assert filed.read_text() == mine, "the test processes planned different pages: groups would miss some"


@pytest.mark.parametrize("group", range(GROUPS), ids=lambda g: f"group{g + 1}of{GROUPS}")
def test_every_page_passes_axe_for_every_role(plan: CrawlPlan, role_tab, demo_site: DemoSite, group: int,
                                              tmp_path_factory):
    assert_same_plan_in_every_process(plan, tmp_path_factory.getbasetemp().parent)
    checks = plan.group(group, GROUPS)
    result = CheckResult()
    for check in checks:
        page_check(role_tab(check.who), demo_site.base_url, check, result)
    if checks:
        role_tab(checks[0].who).goto("about:blank")  # no page's timers run on while other tests do
    print(f"\n{len(checks)} pages ({sum(c.axe for c in checks)} through axe at 1366 and 390 px): "
          + ", ".join(sorted({c.endpoint for c in checks})))
    print("\n".join(map(str, result.findings)))
    problems = result.problems(ALLOWED)
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


def test_structural_twins_differ_only_in_words_targets_and_values():
    page = ('<main><h1>{title}</h1><a href="{href}" class="btn">{link}</a>'
            '<input name="q" value="{value}" aria-label="{label}"><td data-sort="{sort}">{cell}</td></main>')
    first = markup_skeleton(page.format(title="Touchpoints", href="/t/1", link="Open", value="a", label="Search",
                                        sort="1", cell="Ann"))
    assert first == markup_skeleton(page.format(title="Kontaktpunkter", href="/t/2?sort=name", link="Öppna",
                                                value="b", label="Sök", sort="9", cell="Bo Ærø"))
    # What axe judges is kept: an empty link or label, another class, id or element.
    assert first != markup_skeleton(page.format(title="T", href="/t/1", link="", value="a", label="Search",
                                                sort="1", cell="Ann"))
    assert first != markup_skeleton(page.format(title="T", href="/t/1", link="Open", value="a", label="",
                                                sort="1", cell="Ann"))
    assert first != markup_skeleton(page.replace('class="btn"', 'class="btn btn-light"').format(
        title="T", href="/t/1", link="Open", value="a", label="Search", sort="1", cell="Ann"))
    assert first != markup_skeleton(page.replace("<main>", '<main id="x">').format(
        title="T", href="/t/1", link="Open", value="a", label="Search", sort="1", cell="Ann"))
    assert first != markup_skeleton(page.replace("</main>", "<img></main>").format(
        title="T", href="/t/1", link="Open", value="a", label="Search", sort="1", cell="Ann"))
    # A label of only spaces is empty to axe, so it is no twin of a real one.
    assert first != markup_skeleton(page.format(title="T", href="/t/1", link="Open", value="a", label=" ",
                                                sort="1", cell="Ann"))
    # aria-valuenow must be a number: 3 and 70 are twins, None and "" are not.
    meter = '<main><h1>M</h1><div role="progressbar" aria-valuenow="{now}" aria-valuetext="{text}"></div></main>'
    three = markup_skeleton(meter.format(now="3", text="3 of 5"))
    assert three == markup_skeleton(meter.format(now="70", text="Level 4"))
    assert three == markup_skeleton(meter.format(now="-1.5", text="x"))
    assert three != markup_skeleton(meter.format(now="None", text="3 of 5"))
    assert three != markup_skeleton(meter.format(now="", text="3 of 5"))
    assert three != markup_skeleton(meter.format(now=" ", text="3 of 5"))
    assert three != markup_skeleton(meter.format(now="3", text=" "))
    # Script and style text is code, kept as it is.
    styled = '<html><head><style>{css}</style><script>{js}</script></head><body><h1>S</h1></body></html>'
    plain = markup_skeleton(styled.format(css="main { color: #222 }", js="var n = 1;"))
    assert plain == markup_skeleton(styled.format(css="main { color: #222 }", js="var n = 1;"))
    assert plain != markup_skeleton(styled.format(css="main { color: #ddd }", js="var n = 1;"))
    assert plain != markup_skeleton(styled.format(css="main { color: #222 }", js="var n = 2;"))


#: A page with what the check must catch: an image without alt text shown only on phones, a form
#: field without a label at both widths, faint text, two <h1>, a 600 px wide block.
BROKEN_PAGE = """<!doctype html><html lang="en"><head><title>Broken</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>.phone { display: none } @media (max-width: 600px) { .phone { display: block } }</style></head>
<body><main><h1>One</h1><h1>Two</h1><input type="text"><img class="phone" src="/x.png">
<p style="color: #bbb">faint</p><div style="width: 600px">wide</div></main></body></html>"""


def test_a_new_violation_fails_the_check_at_the_width_it_shows(browser):
    context = browser_context(browser, viewport=WIDE)
    context.add_init_script(script=AXE_SCRIPT)
    context.route("http://a11y.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=BROKEN_PAGE))
    try:
        page = context.new_page()
        result = CheckResult()
        page_check(page, "http://a11y.test", PlannedCheck("visitor", "/broken", "x.broken", True, 0), result)
        found = {(f.rule, f.width) for f in result.findings}
        assert {("label", 1366), ("label", 390), ("image-alt", 390), ("color-contrast", 1366),
                ("color-contrast", 390)} <= found
        assert ("image-alt", 1366) not in found  # the image is hidden on wide screens
        assert result.too_wide and result.headings
        assert any("[critical] image-alt @390px" in p for p in result.problems({}))

        # An endpoint's second page: every rule but colour contrast, at both widths.
        second = CheckResult()
        page_check(page, "http://a11y.test", PlannedCheck("visitor", "/broken3", "x.broken", True, 0, contrast=False),
                   second)
        found = {(f.rule, f.width) for f in second.findings}
        assert {("label", 1366), ("label", 390), ("image-alt", 390)} <= found
        assert not any(rule == "color-contrast" for rule, _width in found)

        # A structural twin is measured at 390 px only, without axe.
        twin = CheckResult()
        page_check(page, "http://a11y.test", PlannedCheck("visitor", "/broken2", "x.broken", False, 0), twin)
        assert not twin.findings and twin.too_wide and twin.headings
        assert page.viewport_size == NARROW

        # A page is loaded at the width the tab has and checked there first: loaded at 390 px and
        # then widened, it shows the same findings at each width as loaded at 1366 px.
        narrow_first = CheckResult()
        page_check(page, "http://a11y.test", PlannedCheck("visitor", "/broken4", "x.broken", True, 0), narrow_first)
        assert page.viewport_size == WIDE
        assert sorted((f.rule, f.width, f.targets) for f in narrow_first.findings) == \
            sorted((f.rule, f.width, f.targets) for f in result.findings)
        assert narrow_first.too_wide and narrow_first.headings
    finally:
        context.close()


LOGIN_PAGE = (b'<!doctype html><html lang="en"><head><title>Log in</title></head>'
              b"<body><main><h1>Log in</h1></main></body></html>")


def _sends_gone_to_login(environ, start_response):
    """A site whose /gone sends the browser to /login, as the app does with a session it refuses."""
    if environ["PATH_INFO"] == "/gone":
        start_response("302 Found", [("Location", "/login")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [LOGIN_PAGE]


def test_a_page_that_sends_the_browser_elsewhere_is_an_error_not_a_check(browser):
    context = browser_context(browser, viewport=WIDE)
    context.add_init_script(script=AXE_SCRIPT)
    try:
        with serving(_sends_gone_to_login) as base_url:
            page = context.new_page()
            moved = CheckResult()
            page_check(page, base_url, PlannedCheck("visitor", "/gone", "x.gone", True, 0), moved)
            assert moved.errors == [f"visitor: {base_url}/gone: landed on /login instead"]
            assert not moved.findings
            planned = CheckResult()  # the page it landed on, planned as itself, is checked
            page_check(page, base_url, PlannedCheck("visitor", "/login", "x.login", True, 0), planned)
            assert not planned.errors and not planned.headings
    finally:
        context.close()


def test_processes_that_planned_differently_are_caught(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run1")
    one = CrawlPlan(checks=[PlannedCheck("sponsor", "/a", "main.a", True, 10)])
    other = CrawlPlan(checks=[PlannedCheck("sponsor", "/a", "main.a", True, 11)])
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    assert_same_plan_in_every_process(one, tmp_path)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert_same_plan_in_every_process(one, tmp_path)
    with pytest.raises(AssertionError, match="planned different pages"):
        assert_same_plan_in_every_process(other, tmp_path)
