"""From a gap to an action, to done, to the next quarter's dashboard (and report) follow-up."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from cxgov.actions.models import Action
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.actions.helpers import framework, person, scored_cycle
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in_by_request, next_page_loaded


def test_gap_to_action_to_done_to_next_quarter(live_server, page, make_org, make_member, app):
    org = make_org(name="Nordlys Energi")
    sponsor = make_member(org, Role.SPONSOR, name="Karin Ångström")
    karin = person(org, "Karin Ångström", role="cx_sponsor", user=sponsor)
    q2 = scored_cycle(org, "2026-Q2", {"A2": 2, "B3": 3})
    db.session.commit()
    slug, q2_id, karin_id = org.slug, q2.id, karin.id
    a2 = framework().practice("A2")

    # 1. The sponsor turns the A2 gap on the dashboard into an action with one click.
    log_in_by_request(page, live_server, sponsor.email, TEST_PASSWORD)
    page.goto(f"{live_server}/o/{slug}/cycles/{q2_id}/")
    with next_page_loaded(page):
        page.click("[data-testid=make-action-A2]")
    expect(page).to_have_url(re.compile(r".*/actions/\d+/edit$"))
    assert page.input_value("input[name=title]") == f"A2 {a2.title.get()}: reach level 3"
    assert page.input_value("textarea[name=description]") == a2.next_step(2)
    assert page.input_value("select[name=owner_id]") == str(karin_id)

    # 2. She sets a due date and saves; the action is on the plan, owned by her.
    due = date.today() + timedelta(days=30)
    page.fill("input[name=due_date]", due.isoformat())
    with next_page_loaded(page):
        page.click("button[type=submit]:has-text('Save action')")
    expect(page).to_have_url(re.compile(r".*/actions/\d+$"))
    page.fill("textarea[name=text]", "Forum named; first meeting booked.")
    with next_page_loaded(page):
        page.click("button:has-text('Add note')")
    expect(page.locator("[data-testid=notes]")).to_contain_text("Forum named; first meeting booked.")

    # 3. It gets done.
    with next_page_loaded(page):
        page.click("[data-testid=edit-action]")
    page.select_option("select[name=status]", "done")
    with next_page_loaded(page):
        page.click("button[type=submit]:has-text('Save action')")
    expect(page.locator("[data-status=done]").first).to_be_visible()
    page.goto(f"{live_server}/o/{slug}/actions/")
    expect(page.locator("[data-testid=count-done]")).to_have_text(re.compile(r"1\s*$"))
    expect(page.locator("[data-testid=action-table]")).to_contain_text("Karin Ångström")

    db.session.rollback()
    action = db.session.scalar(select(Action).where(Action.practice_id == "A2"))
    assert action.status == "done" and action.done_at is not None and action.source_cycle_id == q2_id

    # 4. The next quarter: A2 moved from 2 to 3; the dashboard shows the action beside the change.
    q3 = scored_cycle(db.session.get(type(org), org.id), "2026-Q3", {"A2": 3, "B3": 3}, status="open")
    db.session.commit()
    page.goto(f"{live_server}/o/{slug}/cycles/{q3.id}/")
    card = page.locator("[data-testid=cycle-followup]")
    row = card.locator(f"[data-followup-action='{action.id}']")
    expect(row).to_contain_text("Done")
    expect(row).to_contain_text("+1.0")

    # 5. The follow-up page says the same; the report's section too once it exists.
    page.goto(f"{live_server}/o/{slug}/actions/followup/{q3.id}")
    expect(page.locator(f"[data-followup-action='{action.id}']")).to_contain_text("+1.0")
    if "reports.show" in app.view_functions:
        page.goto(f"{live_server}/o/{slug}/reports/{q3.id}")
        section = page.locator("#rp-actions")
        # The table names the practice in its own column, so the action's text follows it.
        expect(section).to_contain_text(action.title.split(": ", 1)[-1].capitalize())
        expect(section).to_contain_text("+1.0")
