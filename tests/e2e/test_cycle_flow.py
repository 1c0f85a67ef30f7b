"""A respondent answers, reloads, finishes and submits; the sponsor closes and reads the dashboard."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from cxgov.cycles import services
from cxgov.cycles.models import Answer, Cycle
from cxgov.extensions import db
from cxgov.numbers import fmt_index
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD
from tests.cycles.helpers import framework, make_cycle
from tests.e2e.conftest import log_in_by_request, next_page_loaded, wait_until_autosaved


def _choose(page, practice_id: str, value: str) -> None:
    """Click a level card (or N/A / don't know) of an unsaved practice and wait until the autosave says so."""
    suffix = {"na": "na", "dont_know": "dk"}.get(value, value)
    page.click(f"label[for=c-{practice_id}-{suffix}]")
    wait_until_autosaved(page, practice_id)


def test_answer_reload_submit_close_dashboard(live_server, page, make_org, make_member):
    org = make_org(name="Nordlys Energi")
    sponsor = make_member(org, Role.SPONSOR, name="Karin Sponsor")
    agent = make_member(org, Role.RESPONDENT, name="Lars Agent")
    lead = make_member(org, Role.RESPONDENT, name="Erik Lead")
    # "full": every practice at its default target, so a leader at 4 and the front line at 2 leave gaps
    cycle = make_cycle(org, "2026-Q4", respondents=[(agent, "front_line"), (lead, "leadership")],
                       profile_key="full")
    # The leader has answered already, so the closed cycle has two sides to compare.
    r_lead = services.respondent_for(cycle, lead)
    for p in framework().practices:
        services.answer_save(cycle=cycle, respondent=r_lead,
                             data=services.AnswerInput(p.id, "4", "", 0))
    db.session.commit()
    cycle_id = cycle.id
    base = f"{live_server}/o/{org.slug}/cycles/{cycle_id}"

    # 1. The respondent answers part of the first dimension; each click saves itself.
    log_in_by_request(page, live_server, agent.email, TEST_PASSWORD)
    page.goto(f"{base}/answer")
    _choose(page, "A1", "2")
    _choose(page, "A2", "3")
    page.click("[data-practice=A3] summary")
    page.fill("textarea[name=note-A3]", "Only the web channel asks customers today.")
    _choose(page, "A3", "na")
    expect(page.locator("[data-answered]")).to_have_text("3")

    # 2. Reload (or a closed tab): the answers are there.
    page.reload()
    assert page.locator("#c-A1-2").is_checked()
    assert page.locator("#c-A2-3").is_checked()
    assert page.locator("#c-A3-na").is_checked()
    assert page.locator("textarea[name=note-A3]").input_value() == "Only the web channel asks customers today."
    expect(page.locator("[data-answered]")).to_have_text("3")

    # 3. Finish every dimension, moving on with "Save and continue".
    dimensions = framework().dimensions
    for number, dimension in enumerate(dimensions):
        for practice in dimension.practices:
            if practice.id in ("A1", "A2", "A3"):
                continue
            _choose(page, practice.id, "dont_know" if practice.id == "F5" else "2")
        if number + 1 < len(dimensions):
            with next_page_loaded(page):
                page.click("[data-testid=save-next]")
            expect(page).to_have_url(re.compile(f"dimension={re.escape(dimensions[number + 1].key)}$"))
    total = str(len(framework().practices))
    expect(page.locator("[data-answered]")).to_have_text(total)
    with next_page_loaded(page):
        page.click("[data-testid=submit-answers]")
    expect(page).to_have_url(f"{base}/")
    assert "Your answers are submitted" in page.content()
    # Until the cycle closes, the respondent sees only their own answers.
    assert page.locator("[data-testid=own-answers]").is_visible()
    assert page.locator("[data-testid=top-gaps]").count() == 0

    db.session.rollback()
    stored = {a.practice_id: a for a in db.session.scalars(select(Answer).where(
        Answer.respondent_id == services.respondent_for(db.session.get(Cycle, cycle_id), agent).id))}
    assert len(stored) == int(total) and stored["A1"].level == 2 and stored["A3"].kind == "na"
    assert stored["F5"].kind == "dont_know"

    # 4. The sponsor sees both submitted, closes the cycle and reads the dashboard.
    page.context.clear_cookies()
    log_in_by_request(page, live_server, sponsor.email, TEST_PASSWORD)
    page.goto(f"{base}/")
    assert "2" in page.locator("[data-testid=progress] .cx-kpi").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    # The close posts and comes back to the same address: wait for the new page, not the URL.
    with next_page_loaded(page):
        page.click("text=Close and sign off")
    assert "is closed" in page.content()
    index = page.locator("[data-testid=index]")
    assert index.is_visible()
    db.session.rollback()
    closed = db.session.get(Cycle, cycle_id)
    assert closed.status == "closed" and closed.results is not None
    assert fmt_index(closed.results["index"]) in index.inner_text()  # the one rounding of issue 17
    assert page.locator("[data-testid=top-gaps] tbody tr").count() == 5
    # Leadership (4) and the front line (2) differ by two levels: perception gaps are flagged.
    assert page.locator("[data-testid=perception] tbody tr").count() >= 1


def test_two_tabs_conflict_and_expired_session(live_server, page, make_org, make_member):
    org = make_org()
    agent = make_member(org, Role.RESPONDENT)
    cycle = make_cycle(org, "2026-Q4", respondents=[(agent, "front_line")])
    db.session.commit()
    url = f"{live_server}/o/{org.slug}/cycles/{cycle.id}/answer"
    log_in_by_request(page, live_server, agent.email, TEST_PASSWORD)
    page.goto(url)
    other = page.context.new_page()
    other.goto(url)  # both tabs show A1 unanswered (version 0)

    _choose(page, "A1", "2")
    other.click("label[for=c-A1-4]")
    conflict = other.locator("[data-practice=A1] [data-conflict]")
    conflict.wait_for()
    assert "changed in another window" in conflict.inner_text()
    assert "Level 2" in conflict.inner_text() and "Level 4" in conflict.inner_text()
    db.session.rollback()
    assert db.session.scalar(select(Answer.level)) == 2  # the stale tab overwrote nothing
    other.click("text=Keep my choice")
    wait_until_autosaved(other, "A1")
    db.session.rollback()
    assert db.session.scalar(select(Answer.level)) == 4

    # The session ends: the next autosave says so, and the choice stays in the form.
    page.context.clear_cookies()
    page.click("label[for=c-A2-3]")
    message = page.locator("[data-practice=A2] [data-conflict]")
    message.wait_for()
    assert "session has expired" in message.inner_text()
    assert page.locator("#c-A2-3").is_checked()
    other.close()
