"""First browser test: log in, see the organisation list, log out."""
from __future__ import annotations

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in


def test_login_list_logout(live_server, page, make_user, make_org, make_member):
    consultant = make_user(is_consultant=True, name="Helena Strand")
    make_org(name="Nordlys Energi", consultant=consultant)
    make_org(name="Fjord Bank", consultant=consultant)

    log_in(page, live_server, consultant.email, TEST_PASSWORD)
    table = page.locator("[data-testid=portfolio]")  # a consultant lands on the portfolio
    table.wait_for()
    assert "Nordlys Energi" in table.inner_text() and "Fjord Bank" in table.inner_text()

    page.click("text=Helena Strand")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{live_server}/login")
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
