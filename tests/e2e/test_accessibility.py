"""WCAG 2.2 AA on every page of the demo workspace, for every role, at 1366 px and 390 px.

One browser, one crawl per role (see a11y_crawl.py): 0 serious or critical axe violations,
moderate and minor ones only when explained in ``ALLOWED`` below, and no page wider than a
390 px phone screen. docs/accessibility.md says what this covers and what it cannot.
"""
from __future__ import annotations

import pytest

from cxgov.demo import (DEMO_ADMIN, DEMO_AMBASSADOR, DEMO_CONSULTANT, DEMO_PASSWORD, DEMO_SPONSOR,
                        demo_create)
from cxgov.extensions import db
from tests.e2e.a11y_crawl import CrawlResult, crawl
from tests.e2e.conftest import log_in

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

#: rule id -> why a moderate or minor axe finding is accepted. Serious and critical findings
#: are never accepted.
ALLOWED: dict[str, str] = {}


@pytest.fixture
def demo_workspace(app):
    demo_create()
    db.session.commit()


def test_every_page_passes_axe_for_every_role(app, demo_workspace, live_server, browser):
    result = CrawlResult()
    for who, email, start in ROLES:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        if email:
            page = context.new_page()
            log_in(page, live_server, email, DEMO_PASSWORD)
            page.wait_for_load_state()
            page.close()
        crawl(app, context, live_server, start, result, who)
        context.close()
    checked = sum(len(urls) for urls in result.checked.values())
    print(f"\n{result.visited} pages visited, {checked} pages of {len(result.checked)} endpoints "
          "checked with axe at 1366 and 390 px")
    print("\n".join(map(str, result.findings)))
    blocking = [str(f) for f in result.findings
                if f.impact in ("serious", "critical") or f.rule not in ALLOWED]
    assert checked > 40, "the crawl found too few pages: did logging in fail?"
    problems = ([f"error page: {line}" for line in result.errors] + blocking
                + [f"wider than 390 px: {line}" for line in result.too_wide]
                + [f"not one <h1>: {line}" for line in result.headings])
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)
