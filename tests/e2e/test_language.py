"""A Danish respondent answers in Danish in an English-speaking organisation; the sponsor reads English."""
from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from playwright.sync_api import expect

from cxgov.cycles import services
from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD
from tests.cycles.helpers import make_cycle
from tests.e2e.conftest import log_in_by_request, next_page_loaded, wait_until_autosaved


def _da(text: str, **variables) -> str:
    with force_locale("da"):
        return babel_gettext(text, **variables)


def test_a_danish_respondent_answers_in_danish_and_the_sponsor_reads_english(live_server, page, make_org,
                                                                            make_member):
    org = make_org(name="Nordlys Energi", language="en")
    sponsor = make_member(org, Role.SPONSOR, name="Karin Sponsor")
    agent = make_member(org, Role.RESPONDENT, name="Søren Agent")
    cycle = make_cycle(org, "2026-Q4", respondents=[(agent, "front_line")])
    db.session.commit()
    framework = services.cycle_framework(cycle)
    a1 = framework.practice("A1")
    assert a1.title.get("da") != a1.title.get("en"), "the framework has no Danish overlay"
    cycle_id, slug = cycle.id, org.slug
    base = f"{live_server}/o/{slug}/cycles/{cycle_id}"

    # The respondent's browser asks for English; they choose Danish as their own language. (The
    # server reads the browser's languages from the header only; a tab of the shared context with
    # its own header costs Chromium less than a browser context of its own, ~0.3 s a context.)
    page.set_extra_http_headers({"Accept-Language": "en-GB,en"})
    log_in_by_request(page, live_server, agent.email, TEST_PASSWORD)
    page.goto(f"{live_server}/account/language")
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("select[name=language]", "da")
    with next_page_loaded(page):
        page.click("main button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "da")

    # The answering page: Danish interface, Danish practice titles and level descriptors.
    page.goto(f"{base}/answer")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").inner_text() == _da("Self-assessment %(period)s", period="2026-Q4")
    a1_card = page.locator("[data-practice=A1]")
    assert a1.title.get("da") in a1_card.inner_text()
    assert a1.level_text(2, "da") in a1_card.inner_text()
    assert a1.title.get("en") not in page.content()
    for pid, level in (("A1", "2"), ("A2", "4")):
        page.click(f"label[for=c-{pid}-{level}]")
        wait_until_autosaved(page, pid)

    db.session.rollback()  # read what the server wrote, not this session's old snapshot
    saved = {a.practice_id: a.level for a in services.respondent_answers(services.respondent_for(cycle, agent)).values()}
    assert saved == {"A1": 2, "A2": 4}
    services.cycle_close(cycle=db.session.get(Cycle, cycle_id), org=org, by=None)
    db.session.commit()

    # The sponsor (no language of their own, an English organisation) reads the same answers in English.
    page.context.clear_cookies()  # the respondent's session ends; the sponsor's browser asks for Danish
    page.set_extra_http_headers({"Accept-Language": "da-DK,da"})
    log_in_by_request(page, live_server, sponsor.email, TEST_PASSWORD)
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "en"  # the organisation's, not the browser's
    page.click("summary:has-text('All practices')")
    text = page.locator("tr", has=page.locator("a[href$='/practices/A1']")).last.inner_text()
    assert a1.title.get("en") in text and a1.title.get("da") not in text
    assert re.search(r"\b2\.0\b", text), text  # the respondent's level, with an English decimal point
