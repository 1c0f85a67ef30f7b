"""Mail on a real SMTP server: invitations, reminders, digests, outages, refusals, two senders."""
from __future__ import annotations

import multiprocessing
import os
import re
from collections import Counter
from datetime import date, timedelta
from multiprocessing.connection import Connection

from sqlalchemy import func, select, update

from cxgov import create_app
from cxgov.actions.models import Action
from cxgov.cycles import services
from cxgov.cycles.invitations import cycle_reminder_days_set, reminders_scheduled_queue
from cxgov.cycles.models import Answer
from cxgov.db import utcnow
from cxgov.extensions import db
from cxgov.mail.models import MailMessage
from cxgov.mail.services import mail_enqueue, mail_send_pending
from cxgov.register.models import Person
from tests.conftest import database_url_for_tests, login_as

def _parts(message):
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")}


def _link(message) -> str:
    return re.search(r"(http://\S+/(?:answer/\S+|o/\S+/answer))\s", _parts(message)["text/plain"]).group(1)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_invitations_arrive_with_both_parts_their_language_and_a_link_that_works(app, client, smtp, team):
    app.config["MAIL_URL"] = smtp.url
    org, cycle = team["org"], team["cycle"]
    login_as(client, team["sponsor"])
    page = client.post(f"/o/{org.slug}/cycles/{cycle.id}/invite", follow_redirects=True).data.decode()
    assert "/answer/" not in page  # with a mail server the sponsor never sees a personal link
    assert mail_send_pending().sent == 3
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["dorte@example.com", "eva@example.com",
                                                            "mia@example.com"]
    for message in smtp.inbox.messages:
        parts = _parts(message)
        assert set(parts) == {"text/plain", "text/html"}
        assert "Nordlys Energi" in parts["text/html"] and cycle.period in message["Subject"]
    assert 'lang="da"' in _parts(smtp.inbox.to("dorte@example.com")[0])["text/html"]
    assert 'lang="en"' in _parts(smtp.inbox.to("eva@example.com")[0])["text/html"]
    member_link = _link(smtp.inbox.to("mia@example.com")[0])
    assert member_link.endswith(f"/o/{org.slug}/cycles/{cycle.id}/answer")  # members log in as usual

    stranger = app.test_client()
    entered = stranger.get(_path(_link(smtp.inbox.to("dorte@example.com")[0])))
    assert entered.status_code == 303 and entered.headers["Location"].endswith("/answer/"), entered.headers
    page = stranger.get("/answer/")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    saved = stranger.post("/answer/save", json={"practice_id": "A1", "choice": "3", "version": 0})
    assert saved.status_code == 200, saved.data
    db.session.expire_all()
    assert db.session.scalar(select(Answer.level).where(Answer.respondent_id == team["dan"].id)) == 3
    assert db.session.get(type(team["dan"]), team["dan"].id).link_opened_at is not None


def test_reminders_go_to_those_who_have_not_submitted_and_stop_on_request(app, client, runner, smtp, team):
    app.config["MAIL_URL"] = smtp.url
    org, cycle = team["org"], team["cycle"]
    services.respondent_submit(cycle=cycle, respondent=team["eve"])
    db.session.commit()
    dry = runner.invoke(args=["cycle", "remind", org.slug, cycle.period, "--dry-run"])
    assert "mia@example.com" in dry.output and "dorte@example.com" in dry.output
    assert "eva@example.com" not in dry.output and db.session.scalar(select(func.count(MailMessage.id))) == 0
    login_as(client, team["sponsor"])
    assert client.post(f"/o/{org.slug}/cycles/{cycle.id}/remind").status_code == 302
    mail_send_pending()
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["dorte@example.com", "mia@example.com"]
    reminder = smtp.inbox.to("dorte@example.com")[0]
    unsubscribe = reminder["List-Unsubscribe"].strip("<>")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert app.test_client().get(_path(unsubscribe)).status_code == 200  # asks, stops nothing
    assert app.test_client().post(_path(unsubscribe)).status_code == 200
    result = runner.invoke(args=["cycle", "remind", org.slug, cycle.period])
    assert "mia@example.com" in result.output and "dorte@example.com" not in result.output
    page = client.get(f"/o/{org.slug}/cycles/{cycle.id}/respondents").data.decode()
    row = page[page.index('data-respondent="mia@example.com"'):].split("</tr>")[0]
    assert "Reminded 2 times" in row


def test_action_owners_get_one_digest_of_due_and_overdue_actions(app, runner, smtp, make_org):
    app.config["MAIL_URL"] = smtp.url
    org = make_org(name="Digest Org")
    owner = Person(org_id=org.id, name="Olle Owner", email="olle@example.com")
    quiet = Person(org_id=org.id, name="Quiet Owner", email="quiet@example.com")
    db.session.add_all([owner, quiet])
    db.session.flush()
    today = date.today()
    for title, due, who in [("Call-back routine", today + timedelta(days=3), owner),
                            ("Customer board charter", today - timedelta(days=2), owner),
                            ("Far away", today + timedelta(days=40), quiet)]:
        db.session.add(Action(org_id=org.id, title=title, owner_id=who.id, due_date=due, status="planned"))
    db.session.commit()
    result = runner.invoke(args=["action", "remind", org.slug])
    assert "olle@example.com\t2 actions" in result.output and "quiet@" not in result.output
    mail_send_pending()
    [digest] = smtp.inbox.messages
    text = _parts(digest)["text/plain"]
    assert digest["To"] == "olle@example.com" and "Call-back routine" in text and "overdue" in text
    assert "Far away" not in text and digest["List-Unsubscribe"]


def test_an_smtp_outage_keeps_every_message_and_sends_each_once_when_it_is_back(app, client, smtp, team):
    app.config["MAIL_URL"] = smtp.url
    smtp.stop()
    login_as(client, team["sponsor"])
    client.post(f"/o/{team['org'].slug}/cycles/{team['cycle'].id}/invite")
    report = mail_send_pending()
    assert report.sent == 0 and report.retried == 3
    rows = db.session.scalars(select(MailMessage)).all()
    assert all(m.status == "queued" and m.attempts == 1 and m.next_attempt_at > utcnow() for m in rows)
    smtp.start()
    assert mail_send_pending().sent == 0  # not due yet: the backoff holds
    db.session.execute(update(MailMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert mail_send_pending().sent == 3
    assert mail_send_pending().sent == 0
    assert len(smtp.inbox.messages) == 3


def test_a_refused_address_is_marked_failed_and_the_sponsor_sees_it(app, client, smtp, team):
    app.config["MAIL_URL"] = smtp.url
    smtp.inbox.refuse.add("eva@example.com")
    login_as(client, team["sponsor"])
    client.post(f"/o/{team['org'].slug}/cycles/{team['cycle'].id}/invite")
    report = mail_send_pending()
    assert report.sent == 2 and report.failed == 1
    page = client.get(f"/o/{team['org'].slug}/cycles/{team['cycle'].id}/respondents").data.decode()
    row = page[page.index('data-respondent="eva@example.com"'):].split("</tr>")[0]
    assert "Invitation failed" in row


def _sender(env: dict[str, str], result: Connection) -> None:
    """One sender process: the production factory's app from the environment, as a cron job's.

    Forked from the test process, not spawned: the two senders are still processes of their own,
    each with its own app, engine and connections to the same committed database, racing for the
    same rows; what they no longer pay is importing cxgov (pandas, SQLAlchemy, the API) and
    compiling it again, about 1.7 s of CPU each. Only this function's own objects are used here,
    never the test's app, session or connections (the other threads of the test process, the SMTP
    server's above all, are not in this copy).
    """
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        result.send(mail_send_pending(batch=7).sent)
        db.session.remove()
        db.engine.dispose()
    result.close()


def test_two_sender_processes_send_each_of_200_messages_exactly_once(app, smtp, make_org):
    org = make_org(name="Queue Org")
    for n in range(200):
        mail_enqueue(kind="reminder", template="reminder", to=f"r{n}@example.com", lang="en", org=org,
                     subject=lambda n=n: f"message {n}",
                     context={"name": "R", "period": "2026-Q4", "url": "http://x/", "due": "", "answered": 0})
    db.session.commit()
    db.session.remove()
    db.engine.dispose()  # no open connection of the test's is copied into the forked senders
    env = {"CXGOV_DATABASE_URL": database_url_for_tests(), "CXGOV_SECRET_KEY": "test-secret",
           "CXGOV_MAIL_URL": smtp.url}
    fork = multiprocessing.get_context("fork")
    pipes = [fork.Pipe(duplex=False) for _ in range(2)]
    senders = [fork.Process(target=_sender, args=(env, sending)) for _receiving, sending in pipes]
    for sender in senders:
        sender.start()
    sent = []
    for (receiving, sending), sender in zip(pipes, senders):
        sending.close()  # the parent's copy: recv() then ends with EOFError if the sender dies
        assert receiving.poll(300), "a sender gave no answer in 300 s"
        sent.append(receiving.recv())
        sender.join(60)
    assert [sender.exitcode for sender in senders] == [0, 0], sent
    counts = Counter(m["Subject"] for m in smtp.inbox.messages)
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert sum(sent) == 200
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MailMessage.id)).where(MailMessage.status == "sent")) == 200


def test_member_invitations_go_by_mail_and_the_page_is_the_same_for_known_and_new_addresses(
        app, client, smtp, make_org, make_member, make_user):
    app.config["MAIL_URL"] = smtp.url
    org = make_org(name="Mail Members")
    sponsor = make_member(org, "sponsor")
    make_user(email="known@example.com", name="Known Person")
    login_as(client, sponsor)
    pages = []
    for email in ("known@example.com", "new@example.com"):
        page = client.post(f"/o/{org.slug}/members", data={"email": email, "name": "", "role": "respondent"},
                           follow_redirects=True).data.decode()
        pages.append(page.replace(email, "EMAIL"))
    assert "/set-password/" not in pages[1] and "Known Person" not in pages[0]
    assert pages[0].count("alert-success") == pages[1].count("alert-success") == 1
    mail_send_pending()
    new_text = _parts(smtp.inbox.to("new@example.com")[0])["text/plain"]
    known_text = _parts(smtp.inbox.to("known@example.com")[0])["text/plain"]
    assert "/set-password/" in new_text and "/invitations/" in known_text and "/set-password/" not in known_text


def test_scheduled_reminders_fire_once_per_offset(app, smtp, team):
    app.config["MAIL_URL"] = smtp.url
    cycle = team["cycle"]
    cycle.due_date = date(2026, 12, 20)
    cycle_reminder_days_set(cycle=cycle, days=[7, 2])
    db.session.commit()
    assert reminders_scheduled_queue(today=date(2026, 12, 12)) == 0  # 8 days before: nothing yet
    assert reminders_scheduled_queue(today=date(2026, 12, 13)) == 3  # 7 days before
    assert reminders_scheduled_queue(today=date(2026, 12, 14)) == 0  # fired once
    services.respondent_submit(cycle=cycle, respondent=team["eve"])
    assert reminders_scheduled_queue(today=date(2026, 12, 18)) == 2  # 2 days before, Eve is done
    assert reminders_scheduled_queue(today=date(2026, 12, 19)) == 0
    db.session.commit()
    assert mail_send_pending().sent == 5
