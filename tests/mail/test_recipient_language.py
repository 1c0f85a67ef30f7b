"""Mail to an account holder is written in that person's own language, then the organisation's.

On the real SMTP server of tests/mail/conftest.py: the sponsor works in English (the
organisation's language); each recipient reads subject, body, dates and role names in theirs.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from cxgov.actions.models import Action
from cxgov.extensions import db
from cxgov.mail.services import mail_send_pending, recipient_language
from cxgov.register.models import Person
from tests.conftest import login_as


def _in(lang: str, text: str, **values) -> str:
    with force_locale(lang):
        return babel_gettext(text, **values)


def _parts(message):
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")}


def test_a_member_with_their_own_language_gets_invitation_and_reminder_in_it(app, client, smtp, team):
    app.config["MAIL_URL"] = smtp.url
    org, cycle, member = team["org"], team["cycle"], team["member"]
    member.language = "sv"
    cycle.due_date = date(2026, 12, 11)
    db.session.commit()
    login_as(client, team["sponsor"])
    assert client.post(f"/o/{org.slug}/cycles/{cycle.id}/invite").status_code == 302
    assert client.post(f"/o/{org.slug}/cycles/{cycle.id}/remind").status_code == 302
    mail_send_pending()
    invitation, reminder = smtp.inbox.to("mia@example.com")
    assert invitation["Subject"] == _in("sv", "Your CX self-assessment %(period)s for %(org)s",
                                        period=cycle.period, org=org.name)
    assert reminder["Subject"] == _in("sv", "Reminder: CX self-assessment %(period)s for %(org)s",
                                      period=cycle.period, org=org.name)
    for message in (invitation, reminder):
        parts = _parts(message)
        assert 'lang="sv"' in parts["text/html"]
        assert _in("sv", "Hello %(name)s,", name="Mia Member") in parts["text/plain"]
        assert "11 december 2026" in parts["text/plain"]  # the due date in Swedish, not "December 11"
    # The respondent without an account and without a language still reads the organisation's.
    eva = _parts(smtp.inbox.to("eva@example.com")[0])
    assert 'lang="en"' in eva["text/html"] and "December 11, 2026" in eva["text/plain"]
    # A respondent given Danish by the sponsor keeps it.
    dorte = smtp.inbox.to("dorte@example.com")[0]
    assert dorte["Subject"] == _in("da", "Your CX self-assessment %(period)s for %(org)s",
                                   period=cycle.period, org=org.name)


def test_a_known_account_is_invited_in_its_own_language_a_new_address_in_the_organisations(
        app, client, smtp, make_org, make_member, make_user):
    app.config["MAIL_URL"] = smtp.url
    org = make_org(name="Mail Members", language="en")
    sponsor = make_member(org, "sponsor", name="Sara Sponsor")
    make_user(email="nils@example.com", name="Nils Norsk", language="nb")
    login_as(client, sponsor)
    for email in ("nils@example.com", "new@example.com"):
        client.post(f"/o/{org.slug}/members", data={"email": email, "name": "", "role": "respondent"})
    mail_send_pending()
    nils = smtp.inbox.to("nils@example.com")[0]
    assert nils["Subject"] == _in("nb", "%(name)s invites you to %(org)s on cxgov", name="Sara Sponsor",
                                  org=org.name)
    text = _parts(nils)["text/plain"]
    assert _in("nb", "See my invitations") in text and 'lang="nb"' in _parts(nils)["text/html"]
    new = smtp.inbox.to("new@example.com")[0]
    assert new["Subject"] == "Sara Sponsor invites you to Mail Members on cxgov"


def test_an_action_owner_with_an_account_gets_the_digest_in_their_language(app, runner, smtp, make_org, make_user):
    app.config["MAIL_URL"] = smtp.url
    org = make_org(name="Digest Org", language="en")
    dane = make_user(email="dina@example.com", name="Dina Dansk", language="da")
    owner = Person(org_id=org.id, name="Dina Dansk", email="dina@example.com", user_id=dane.id)
    plain = Person(org_id=org.id, name="Olle Owner", email="olle@example.com")
    db.session.add_all([owner, plain])
    db.session.flush()
    due = date.today() + timedelta(days=3)
    for who in (owner, plain):
        db.session.add(Action(org_id=org.id, title="Call-back routine", owner_id=who.id, due_date=due,
                              status="planned"))
    db.session.commit()
    assert runner.invoke(args=["action", "remind", org.slug]).exit_code == 0
    mail_send_pending()
    dina = smtp.inbox.to("dina@example.com")[0]
    assert dina["Subject"] == _in("da", "Your CX actions due soon at %(org)s", org=org.name)
    assert _in("da", "Stop these reminders") in _parts(dina)["text/plain"]
    olle = smtp.inbox.to("olle@example.com")[0]
    assert olle["Subject"] == "Your CX actions due soon at Digest Org"


def test_recipient_language_order(app, make_org, make_user):
    org = make_org(language="da")
    swede = make_user(email="sven@example.com", language="sv")
    plain = make_user(email="plain@example.com")
    assert recipient_language(org=org, user=swede, chosen="nb") == "sv"
    assert recipient_language(org=org, email="SVEN@example.com") == "sv"
    assert recipient_language(org=org, user=plain, chosen="nb") == "nb"
    assert recipient_language(org=org, email="nobody@example.com") == "da"
    assert recipient_language(org=None, email="nobody@example.com") == "en"
    assert recipient_language(org=org, user=swede.__class__(email="x@example.com", language="xx")) == "da"
