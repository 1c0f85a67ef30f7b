"""Browser: a sponsor invites three people without accounts; one answers by the mailed link."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from cxgov.extensions import db
from cxgov.mail.services import mail_send_pending
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD
from tests.cycles.helpers import make_cycle
from tests.e2e.conftest import autosaved, browser_context, log_in, next_page_loaded
from tests.mail.conftest import SmtpServer


def test_invite_answer_by_link_and_remind_only_the_others(app, live_server, browser, page, make_org, make_member):
    smtp = SmtpServer()
    smtp.start()
    try:
        app.config["MAIL_URL"] = smtp.url
        org = make_org(name="Fjord Bank")
        sponsor = make_member(org, Role.SPONSOR, name="Siri Sponsor")
        cycle = make_cycle(org)
        db.session.commit()
        log_in(page, live_server, sponsor.email, TEST_PASSWORD)
        page.goto(f"{live_server}/o/{org.slug}/cycles/{cycle.id}/respondents")
        people = [("Anna Front", "anna@example.com"), ("Bo Front", "bo@example.com"), ("Cai Front", "cai@example.com")]
        for name, email in people:
            form = page.locator("[data-testid=invite-external]")
            form.get_by_label("Name").fill(name)
            form.get_by_label("E-mail").fill(email)
            form.get_by_label("Respondent group").select_option("front_line")
            with next_page_loaded(page):
                form.get_by_role("button", name="Add").click()
            assert "Respondent saved." in page.content()
        db.session.rollback()  # end this thread's read snapshot: the server has written since
        assert mail_send_pending().sent == 3  # the cron step

        invitation = smtp.inbox.to("anna@example.com")[0]
        link = re.search(r"(http://\S+/answer/\S+)", invitation.get_body(("plain",)).get_content()).group(1)
        respondent_tab = browser_context(browser, viewport={"width": 390, "height": 844}).new_page()
        respondent_tab.goto(link)
        assert "/answer/" in respondent_tab.url and link not in respondent_tab.url  # token left the URL
        respondent_tab.locator("label[for='c-A1-3']").click()
        expect(autosaved(respondent_tab, "A1")).to_be_visible()
        respondent_tab.get_by_label("Submit even though some practices are unanswered").check()
        with next_page_loaded(respondent_tab):
            respondent_tab.get_by_role("button", name="Submit my answers").click()
        assert "Thank you, Anna Front" in respondent_tab.content()
        respondent_tab.context.close()

        page.reload()
        anna_row = page.locator("tr[data-respondent='anna@example.com']")
        assert "Submitted" in anna_row.inner_text() and "Opened" in anna_row.inner_text()
        assert "1/" in anna_row.inner_text()
        with next_page_loaded(page):
            page.get_by_role("button", name="Send a reminder now").click()
        db.session.rollback()
        assert mail_send_pending().sent == 2
        reminded = sorted(m["To"] for m in smtp.inbox.messages if m["Subject"].startswith("Reminder"))
        assert reminded == ["bo@example.com", "cai@example.com"]
    finally:
        smtp.stop()
