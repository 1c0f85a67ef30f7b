"""Browser test: an ambassador finds an unowned touchpoint in the matrix, gives it an owner,
sees the matrix and health page change, and a second tab's stale edit gets the conflict page."""
from __future__ import annotations

from cxgov.extensions import db
from cxgov.orgs.models import Role
from cxgov.register.models import Touchpoint
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in_by_request, next_page_loaded
from tests.register.helpers import small_register


def test_assign_an_owner_from_the_matrix_and_meet_a_conflict(live_server, page, make_org, make_member):
    org = make_org(slug="nordlys", name="Nordlys Energi")
    reg = small_register(org)
    tp = reg["touchpoints"][1]
    tp.owner_id = None
    db.session.commit()
    ambassador = make_member(org, Role.AMBASSADOR, name="Jonas Bæk")
    log_in_by_request(page, live_server, ambassador.email, TEST_PASSWORD)

    page.goto(f"{live_server}/o/nordlys/register/matrix")
    unowned = page.locator(".cx-tp-unowned")
    assert unowned.count() == 1 and "Compare plans" in unowned.inner_text()

    # A second tab opens the same edit form before the first one saves.
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server}/o/nordlys/register/touchpoints/{tp.id}/edit")

    with next_page_loaded(page):
        unowned.click()
    with next_page_loaded(page):
        page.click("text=Edit")
    page.select_option("select[name=owner_id]", label="Bo Ørsted")
    with next_page_loaded(page):
        page.click("[data-testid=register-form] button[type=submit]")
    assert page.url == f"{live_server}/o/nordlys/register/touchpoints/{tp.id}"
    assert "Touchpoint saved." in page.content()

    page.goto(f"{live_server}/o/nordlys/register/matrix")
    assert page.locator(".cx-tp-unowned").count() == 0
    assert "Bo Ørsted" in page.locator(".cx-tp", has_text="Compare plans").inner_text()
    page.goto(f"{live_server}/o/nordlys/register/health")
    assert page.locator("[data-testid=check-touchpoints_unowned]").get_attribute("data-status") == "ok"

    other_tab.fill("input[name=kpi]", "Plan page conversion")
    with next_page_loaded(other_tab):
        other_tab.click("[data-testid=register-form] button[type=submit]")
    conflict = other_tab.locator("[data-testid=conflict]")
    assert "Someone else saved this record" in conflict.inner_text()
    assert "Bo Ørsted" in conflict.inner_text()  # their owner beside yours (unowned)
    db.session.rollback()
    saved = db.session.get(Touchpoint, tp.id)
    assert saved.owner_id == reg["bo"].id and saved.kpi == ""
