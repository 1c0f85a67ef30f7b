"""Browser: a sponsor invites three people without accounts; one answers by the mailed link."""
from __future__ import annotations

import re

from cxgov.extensions import db
from cxgov.mail.services import mail_send_pending
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD
from tests.cycles.helpers import make_cycle
from tests.e2e.conftest import log_in_by_request, next_page_loaded, wait_until_autosaved
from tests.mail.conftest import SmtpServer


def test_invite_answer_by_link_and_remind_only_the_others(app, live_server, page, make_org, make_member):
    smtp = SmtpServer()
    smtp.start()
    try:
        app.config["MAIL_URL"] = smtp.url
        org = make_org(name="Fjord Bank")
        sponsor = make_member(org, Role.SPONSOR, name="Siri Sponsor")
        cycle = make_cycle(org)
        db.session.commit()
        log_in_by_request(page, live_server, sponsor.email, TEST_PASSWORD)
        respondents = f"{live_server}/o/{org.slug}/cycles/{cycle.id}/respondents"
        page.goto(respondents)
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
        # Anna, on her phone: no account, no session (the sponsor's cookies go; a browser context
        # of her own would cost Chromium ~0.3 s more than the same tab).
        page.context.clear_cookies()
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(link)
        assert "/answer/" in page.url and link not in page.url  # token left the URL
        page.locator("label[for='c-A1-3']").click()
        wait_until_autosaved(page, "A1")
        page.get_by_label("Submit even though some practices are unanswered").check()
        with next_page_loaded(page):
            page.get_by_role("button", name="Submit my answers").click()
        assert "Thank you, Anna Front" in page.content()

        # The sponsor again, at their desk.
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 900})
        log_in_by_request(page, live_server, sponsor.email, TEST_PASSWORD)
        page.goto(respondents)
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
