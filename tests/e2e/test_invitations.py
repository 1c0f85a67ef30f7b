"""The invitation flow in the browser: one person, two organisations, each adding them.

The first sponsor adds an address new to cxgov and hands over the set-password link; the
second adds the same address and gets an invitation only: no link and no name ever reaches
them. The organisation appears for the person only once they accept.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in_by_request, next_page_loaded

PERSON = "vera.lind@example.com"
PERSON_NAME = "Vera Lind"
PASSWORD = "Vera's own password"


def add_member(page, base_url: str, slug: str, email: str, name: str = "") -> None:
    page.goto(f"{base_url}/o/{slug}/members")
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", name)
    page.select_option("select[name=role]", "ambassador")
    with next_page_loaded(page):
        page.click("form.card button[type=submit]")
    expect(page.locator(".alert-success").first).to_be_visible()


def test_a_person_invited_by_two_organisations(live_server, page, make_org, make_member):
    org_a, org_b = make_org(name="Nordlys Energi"), make_org(name="Fjord Bank")
    sponsor_a = make_member(org_a, Role.SPONSOR, name="Anna Sponsor")
    sponsor_b = make_member(org_b, Role.SPONSOR, name="Bo Sponsor")
    # Three people, one after the other in one tab: each one's session (cookies) only, as in a
    # browser of their own. (A browser context each cost Chromium ~0.3 s more.)

    # the first sponsor adds an address new to cxgov: an invitation and the account's one link
    log_in_by_request(page, live_server, sponsor_a.email, TEST_PASSWORD)
    add_member(page, live_server, org_a.slug, PERSON, PERSON_NAME)
    link = page.locator("[data-testid=set-password-link] code").inner_text()
    assert re.search(r"/set-password/[\w-]+$", link)

    # the second sponsor adds the same address: the same message, no link, no name
    page.context.clear_cookies()
    log_in_by_request(page, live_server, sponsor_b.email, TEST_PASSWORD)
    add_member(page, live_server, org_b.slug, PERSON, "A guess")
    # the page after adding, and the members page as served again (read by a request, not a page load)
    for text in (page.content(), page.request.get(f"{live_server}/o/{org_b.slug}/members").text()):
        assert "/set-password/" not in text
        assert PERSON_NAME not in text and "Nordlys Energi" not in text
    assert page.locator("[data-testid=set-password-link]").count() == 0
    assert PERSON in page.locator("[data-testid=org-invitations]").inner_text()

    # the person sets a password through the link they were given, then sees two invitations
    page.context.clear_cookies()
    page.goto(link)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    with next_page_loaded(page):
        page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/invitations/")
    invitations = page.locator("[data-testid=pending-invitations]")
    assert "Nordlys Energi" in invitations.inner_text() and "Fjord Bank" in invitations.inner_text()

    # until accepted, neither organisation is theirs
    assert page.goto(f"{live_server}/o/{org_b.slug}/").status == 404
    page.goto(f"{live_server}/invitations/")
    with next_page_loaded(page):
        page.locator("li", has_text="Nordlys Energi").get_by_role("button", name="Accept").click()
    expect(page).to_have_url(f"{live_server}/o/{org_a.slug}/")

    page.goto(f"{live_server}/")
    assert "1 invitation is waiting for your answer." in page.content()
    assert "Fjord Bank" not in page.locator("[data-testid=org-list]").inner_text()
    with next_page_loaded(page):
        page.click("text=See invitations")
    with next_page_loaded(page):
        page.locator("li", has_text="Fjord Bank").get_by_role("button", name="Accept").click()
    expect(page).to_have_url(f"{live_server}/o/{org_b.slug}/")

    page.goto(f"{live_server}/")
    org_list = page.locator("[data-testid=org-list]").inner_text()
    assert "Nordlys Energi" in org_list and "Fjord Bank" in org_list

    # having accepted, the person is a member; only now does the sponsor see their name
    page.context.clear_cookies()
    log_in_by_request(page, live_server, sponsor_b.email, TEST_PASSWORD)
    page.goto(f"{live_server}/o/{org_b.slug}/members")
    assert PERSON_NAME in page.content()
    assert page.locator("[data-testid=org-invitations]").count() == 0
    assert "Nordlys Energi" not in page.content()
