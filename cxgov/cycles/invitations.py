"""Inviting and reminding respondents by mail, and their personal answer links.

A personal link lets a respondent without an account open their own answers for one cycle,
while it is open, and nothing else. The token is random, shown once (in the mail, or to the
sponsor when no mail server is configured) and stored only as its SHA-256; issuing a new one
spends the old one, and revoking clears it. Members get a mail that points to the usual
answer page behind login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import hash_token, new_token
from ..db import utcnow
from ..extensions import db
from ..mail.models import MailMessage
from ..mail.services import external_url, mail_enqueue, mail_opted_out_addresses, recipient_language
from ..orgs.models import Organisation
from .models import Cycle, Respondent
from .services import CycleError, answers_by_respondent, cycle_respondents

#: Default days before the due date on which a scheduled reminder goes out.
DEFAULT_REMINDER_DAYS: tuple[int, ...] = (7, 2)


# -- personal answer links -------------------------------------------------------------------
def answer_link_issue(*, respondent: Respondent) -> str:
    """Give the respondent a new personal link token (the previous one stops working)."""
    token = new_token()
    respondent.link_token_hash = hash_token(token)
    respondent.link_issued_at = utcnow()
    db.session.flush()
    return token


def answer_link_revoke(*, respondent: Respondent) -> None:
    """Stop the respondent's personal link at once."""
    respondent.link_token_hash = None
    db.session.flush()


def answer_link_respondent(token: str) -> Respondent | None:
    """Return the respondent a live link token belongs to, while their cycle is open."""
    if not token or len(token) > 100:
        return None
    respondent = db.session.scalar(select(Respondent).where(Respondent.link_token_hash == hash_token(token)))
    if respondent is None or respondent.user_id is not None or not respondent.cycle.is_open:
        return None
    return respondent


def answer_link_opened(*, respondent: Respondent) -> None:
    """Record the first time the respondent opened their link (the sponsor's "opened")."""
    if respondent.link_opened_at is None:
        respondent.link_opened_at = utcnow()
        db.session.flush()


# -- mails -----------------------------------------------------------------------------------
def respondent_language(respondent: Respondent, org: Organisation) -> str:
    """Return the language a respondent reads: a member's own, else the one set for them, else the organisation's."""
    return recipient_language(org=org, user=respondent.user, chosen=respondent.language)


def _answer_url(respondent: Respondent) -> tuple[str, bool]:
    """Return (URL, personal?) for the respondent's next mail; a personal link is re-issued."""
    if respondent.user_id is not None:
        org = db.session.get_one(Organisation, respondent.org_id)
        return external_url("cycles.answer", org_slug=org.slug, cycle_id=respondent.cycle_id), False
    return external_url("answer_link.enter", token=answer_link_issue(respondent=respondent)), True


@dataclass(frozen=True)
class SentInvitation:
    """A queued invitation and the link it carries (a personal link only for non-members)."""

    respondent: Respondent
    message: MailMessage
    url: str
    personal: bool


def respondent_invite_mail(*, cycle: Cycle, org: Organisation, respondent: Respondent) -> SentInvitation:
    """Queue the invitation mail (with a fresh personal link for a respondent without account)."""
    if not cycle.is_open:
        raise CycleError(_("Invitations go out once the cycle is open."))
    url, personal = _answer_url(respondent)
    lang = respondent_language(respondent, org)
    message = mail_enqueue(
        kind="invitation",
        template="invitation",
        to=respondent.contact_email,
        lang=lang,
        org=org,
        respondent_id=respondent.id,
        subject=lambda: _("Your CX self-assessment %(period)s for %(org)s", period=cycle.period, org=org.name),
        context={
            "name": respondent.display_name,
            "period": cycle.period,
            "url": url,
            "personal": personal,
            "due": cycle.due_date,  # formatted by the template, in the recipient's language
        },
    )
    return SentInvitation(respondent=respondent, message=message, url=url, personal=personal)


def respondents_invite_mail(*, cycle: Cycle, org: Organisation) -> list[SentInvitation]:
    """Queue an invitation for every respondent who has not been mailed one."""
    invited = set(
        db.session.scalars(
            select(MailMessage.respondent_id).where(
                MailMessage.kind == "invitation", MailMessage.respondent_id.in_([r.id for r in cycle.respondents])
            )
        )
    )
    return [
        respondent_invite_mail(cycle=cycle, org=org, respondent=r)
        for r in cycle_respondents(cycle)
        if r.id not in invited
    ]


def reminder_recipients(cycle: Cycle, org: Organisation) -> list[Respondent]:
    """Return who gets a reminder now: not submitted, and not opted out of reminders."""
    stopped = mail_opted_out_addresses(org_id=org.id, kind="reminder")
    return [
        r
        for r in cycle_respondents(cycle)
        if r.submitted_at is None and r.contact_email and r.contact_email.lower() not in stopped
    ]


def respondents_remind_mail(*, cycle: Cycle, org: Organisation) -> list[Respondent]:
    """Queue a reminder for everyone who has not submitted; return them."""
    if not cycle.is_open:
        raise CycleError(_("Reminders are for open cycles."))
    recipients = reminder_recipients(cycle, org)
    answered = answers_by_respondent(cycle)
    now = utcnow()
    for respondent in recipients:
        url, _personal = _answer_url(respondent)
        mail_enqueue(
            kind="reminder",
            template="reminder",
            to=respondent.contact_email,
            lang=respondent_language(respondent, org),
            org=org,
            respondent_id=respondent.id,
            subject=lambda: _("Reminder: CX self-assessment %(period)s for %(org)s", period=cycle.period, org=org.name),
            context={
                "name": respondent.display_name,
                "period": cycle.period,
                "url": url,
                "due": cycle.due_date,  # formatted by the template, in the recipient's language
                "answered": answered.get(respondent.id, 0),
            },
        )
        respondent.reminded_at = now
        respondent.reminder_count = (respondent.reminder_count or 0) + 1
    db.session.flush()
    return recipients


def cycle_reminder_days_set(*, cycle: Cycle, days: list[int]) -> None:
    """Set on which days before the due date reminders go out automatically (0-60, unique)."""
    if cycle.is_closed:
        raise CycleError(_("The cycle is closed; reminders no longer go out."))
    if any(d < 0 or d > 60 for d in days):
        raise CycleError(_("Reminder days count back from the due date: use numbers from 0 to 60."))
    cycle.reminder_days = sorted(set(days), reverse=True)
    cycle.reminders_sent = [d for d in (cycle.reminders_sent or []) if d in cycle.reminder_days]
    db.session.flush()


def reminders_scheduled_queue(*, today: date | None = None) -> int:
    """Queue the scheduled reminders that are due today; return how many mails were queued.

    An offset fires once: on the first run on or after ``due_date - offset``. Offsets missed
    together (the sender was down) send one reminder, not several.
    """
    today = today or utcnow().date()
    queued = 0
    cycles = db.session.scalars(select(Cycle).where(Cycle.status == "open", Cycle.due_date.is_not(None)))
    for cycle in cycles:
        due = cycle.due_date
        if due is None:  # the query asks for cycles with a due date
            continue
        due_offsets = [
            d
            for d in (cycle.reminder_days or [])
            if d not in (cycle.reminders_sent or []) and today >= due - timedelta(days=d) and today <= due
        ]
        if not due_offsets:
            continue
        org = db.session.get_one(Organisation, cycle.org_id)
        queued += len(respondents_remind_mail(cycle=cycle, org=org))
        cycle.reminders_sent = sorted(set(cycle.reminders_sent or []) | set(due_offsets), reverse=True)
    db.session.flush()
    return queued


# -- what the sponsor sees -------------------------------------------------------------------
@dataclass(frozen=True)
class MailState:
    """One respondent's mail and answering status, as the respondents page shows it."""

    invited: str | None  #: None, "queued", "sent" or "failed" (the latest invitation)
    reminded: int
    opened_at: datetime | None
    failed: str  #: the last delivery error of any of their mails, "" when none failed


def respondents_mail_state(cycle: Cycle) -> dict[int, MailState]:
    """Return respondent id -> mail status, in one query."""
    ids = [r.id for r in cycle.respondents]
    latest: dict[int, MailMessage] = {}
    failed: dict[int, str] = {}
    for message in db.session.scalars(
        select(MailMessage).where(MailMessage.respondent_id.in_(ids)).order_by(MailMessage.id)
    ):
        respondent_id = message.respondent_id
        if respondent_id is None:  # the query asks for these respondents' mails only
            continue
        if message.kind == "invitation":
            latest[respondent_id] = message
        if message.status == "failed":
            failed[respondent_id] = message.last_error or _("delivery failed")
    out = {}
    for r in cycle.respondents:
        invitation = latest.get(r.id)
        status = None
        if invitation is not None:
            status = "queued" if invitation.status in ("queued", "sending") else invitation.status
        out[r.id] = MailState(
            invited=status, reminded=r.reminder_count or 0, opened_at=r.link_opened_at, failed=failed.get(r.id, "")
        )
    return out
