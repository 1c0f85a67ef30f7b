"""A consultant creates a client and follows the getting-started checklist to a first closed cycle
and its report; the checklist ticks itself from what was entered."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cxgov.cycles import services
from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.onboarding.checklist import quarter_of
from cxgov.orgs.models import Organisation, Role
from tests.conftest import TEST_PASSWORD
from tests.cycles.helpers import framework
from tests.e2e.conftest import log_in_by_request, next_page_loaded


def _done(page) -> dict[str, str]:
    items = page.locator("[data-testid=getting-started] [data-done]")
    return {items.nth(i).get_attribute("data-testid")[5:]: items.nth(i).get_attribute("data-done")
            for i in range(items.count())}


def _step(page, key: str) -> None:
    with next_page_loaded(page):
        page.click(f"[data-testid=step-{key}] a")


def _submit(page, button: str = "main form [type=submit]") -> None:
    """Submit the page's (first) form and wait for the page it leads to."""
    with next_page_loaded(page):
        page.locator(button).first.click()


def test_new_client_from_zero_to_first_report(live_server, page, make_user, make_member):
    consultant = make_user(is_consultant=True, name="Helena Strand")
    log_in_by_request(page, live_server, consultant.email, TEST_PASSWORD)
    page.goto(f"{live_server}/")  # a consultant's home: the portfolio
    with next_page_loaded(page):
        page.click("main >> text=New client organisation")
    page.fill("input[name=name]", "Fjord Retail")
    page.fill("input[name=industry]", "Retail")
    _submit(page)
    page.wait_for_selector("[data-testid=getting-started]")
    overview = page.url
    assert set(_done(page).values()) == {"no"}

    # 1. settings and service promise
    _step(page, "settings")
    page.fill("textarea[name=service_promise]", "We answer every customer within one working day.")
    _submit(page)
    page.goto(overview)
    assert _done(page)["settings"] == "yes"

    # 2-3. journeys and channels from the retail template
    with next_page_loaded(page):
        page.click("text=Start the register from an industry template or a spreadsheet.")
    page.check("#tpl-retail")
    with next_page_loaded(page):
        page.click("text=Add these journeys and channels")
    page.wait_for_selector("[data-testid=getting-started]")
    done = _done(page)
    assert (done["journeys"], done["channels"], done["people"]) == ("yes", "yes", "no")

    # 4. people
    _step(page, "people")
    page.fill("input[name=name]", "Siv Berg")
    page.fill("input[name=email]", "siv@fjord.example")
    _submit(page)
    page.goto(overview)
    assert _done(page)["people"] == "yes"

    # 5. the CX sponsor in the register (the step opens the form with the role chosen)
    _step(page, "roles")
    page.select_option("select[name=person_id]", label="Siv Berg")
    _submit(page)
    page.goto(overview)
    assert _done(page)["roles"] == "yes"

    # 6. a touchpoint with its owner
    _step(page, "touchpoints")
    page.fill("input[name=name]", "Find a store")
    page.select_option("select[name=owner_id]", label="Siv Berg")
    _submit(page)
    page.goto(overview)
    assert _done(page)["touchpoints"] == "yes"

    # 7. respondents: a member who answers (joining is the invitation flow, tested elsewhere)
    db.session.rollback()
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Fjord Retail"))
    sponsor = make_member(org, Role.SPONSOR, name="Karin Sponsor")
    page.reload()
    assert _done(page)["respondents"] == "yes" and _done(page)["cycle"] == "no"

    # 8. the first cycle: create, invite, open
    _step(page, "cycle")
    page.fill("input[name=period]", quarter_of(date.today()))
    _submit(page)
    page.wait_for_url("**/respondents")
    page.select_option("select[name=user_id]", label=f"Karin Sponsor <{sponsor.email}>")
    _submit(page, "form:has(select[name=user_id]) [type=submit]")
    with next_page_loaded(page):
        page.click("text=Open for answers")
    page.goto(overview)
    assert "getting-started" not in page.content() or _done(page)["cycle"] == "yes"

    # the sponsor's answers (the answering page has its own browser test), then close and sign off
    db.session.rollback()
    cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == org.id))
    respondent = services.respondent_for(cycle, sponsor)
    for practice in framework().practices if cycle.framework_version == framework().version else ():
        services.answer_save(cycle=cycle, respondent=respondent, data=services.AnswerInput(practice.id, "3", "", 0))
    db.session.commit()
    page.goto(f"{overview}cycles/{cycle.id}/")
    page.once("dialog", lambda dialog: dialog.accept())
    with next_page_loaded(page):
        page.click("text=Close and sign off")
    page.goto(overview)
    assert page.locator("[data-testid=getting-started]").count() == 0  # done: the first cycle closed
    assert page.locator("[data-testid=next-action]").get_attribute("data-action") == "review_report"
    with next_page_loaded(page):
        page.click("text=Open the report")
    assert "/reports/" in page.url and "Fjord Retail" in page.content()
