"""First browser test: log in, see the organisation list, log out."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in, next_page_loaded


def test_login_list_logout(live_server, page, make_user, make_org, make_member):
    consultant = make_user(is_consultant=True, name="Helena Strand")
    make_org(name="Nordlys Energi", consultant=consultant)
    make_org(name="Fjord Bank", consultant=consultant)

    log_in(page, live_server, consultant.email, TEST_PASSWORD)  # returns once Bootstrap has run
    table = page.locator("[data-testid=portfolio]")  # a consultant lands on the portfolio
    expect(table).to_contain_text("Nordlys Energi")
    expect(table).to_contain_text("Fjord Bank")

    page.click("text=Helena Strand")  # the account dropdown
    with next_page_loaded(page):
        page.click("[data-testid=logout]")
    expect(page).to_have_url(f"{live_server}/login")
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
