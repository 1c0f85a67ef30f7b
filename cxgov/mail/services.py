"""Queue messages, render them in the recipient's language, and send what is due.

Exactly-once sending with several senders: a sender claims rows by setting ``status`` from
``queued`` to ``sending`` together with its own random ``claim`` mark, in one UPDATE that
re-checks ``status = 'queued'``; it then sends only the rows that carry its mark. On
PostgreSQL the claim's SELECT also takes row locks with ``FOR UPDATE SKIP LOCKED``, so
concurrent senders pick different rows instead of queueing behind each other; on SQLite the
database's single writer orders the claims. A row is marked ``sent`` in its own commit right
after the server accepted it. Only a sender that dies between the server's "OK" and that
commit can leave a row ``sending``; such a claim is taken back after ``STALE_CLAIM`` and sent
again (the one case of a possible duplicate, preferred to a lost message).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Callable

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..i18n import text_language
from ..orgs.models import Organisation
from ..validators import normalise_email
from .delivery import MailSettings, PermanentFailure, Transport, mail_settings_from
from .models import STOPPABLE_KINDS, MailMessage, MailOptOut

log = logging.getLogger("cxgov.mail")

#: Attempts before a message is given up as failed.
MAX_ATTEMPTS = 8
#: Wait before the n-th retry: 1, 2, 4 ... minutes, at most an hour.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
#: A claim older than this belongs to a sender that died mid-run.
STALE_CLAIM = timedelta(minutes=15)


class MailError(ValueError):
    """A message cannot be queued (bad address, opted out)."""


def mail_settings() -> MailSettings:
    """Return where this instance sends mail (CXGOV_MAIL_URL, else the outbox folder)."""
    return mail_settings_from(
        current_app.config.get("MAIL_URL"), outbox_dir=str(Path(current_app.instance_path) / "outbox")
    )


def mail_is_configured() -> bool:
    """Return True when mail really leaves the machine (an SMTP server is configured)."""
    return not mail_settings().is_outbox


def external_url(endpoint: str, **values: Any) -> str:
    """Return an absolute URL, also outside a request (CLI, sender thread) via CXGOV_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


# -- unsubscribing ---------------------------------------------------------------------------
def _opt_out_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cxgov-mail-opt-out")


def opt_out_token(*, org_id: int, email: str, kind: str) -> str:
    """Return the signed token of an unsubscribe link (no database row needed until used)."""
    return str(_opt_out_serializer().dumps({"o": org_id, "e": email.lower(), "k": kind}))


def opt_out_read(token: str) -> tuple[int, str, str] | None:
    """Return (org id, address, kind) of a valid unsubscribe token, else None."""
    try:
        data = _opt_out_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in STOPPABLE_KINDS:
        return None
    try:
        return int(data["o"]), str(data["e"]), str(data["k"])
    except (KeyError, TypeError, ValueError):
        return None


def mail_opt_out(*, org_id: int, email: str, kind: str) -> None:
    """Record that ``email`` wants no more ``kind`` mail from the organisation (idempotent)."""
    email = email.lower()
    exists = db.session.scalar(
        select(MailOptOut.id).where(MailOptOut.org_id == org_id, MailOptOut.email == email, MailOptOut.kind == kind)
    )
    if exists is None:
        db.session.add(MailOptOut(org_id=org_id, email=email, kind=kind))
        db.session.flush()


def mail_opted_out_addresses(*, org_id: int, kind: str) -> set[str]:
    """Return the addresses that asked for no more ``kind`` mail from the organisation (one query)."""
    return set(db.session.scalars(select(MailOptOut.email).where(MailOptOut.org_id == org_id, MailOptOut.kind == kind)))


# -- the recipient's language ----------------------------------------------------------------
def recipient_language(
    *, org: Organisation | None, user: User | None = None, email: str | None = None, chosen: str | None = None
) -> str:
    """Return the language a mail to this recipient is written in.

    The account holder's own choice (``user``, else the account of ``email``) comes first, as it
    does for the pages they see; then ``chosen`` (the language a sponsor set for a respondent
    without an account); then the organisation's; then the instance default. A language whose
    catalogue is missing is skipped, so the mail's ``lang`` always names the language of its text.
    """
    if user is None and email:
        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    for lang in (user.language if user is not None else None, chosen, org.language if org is not None else None):
        if lang and text_language(lang, default) == lang:
            return lang
    return default


# -- queueing --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Branding:
    """What a message shows of its sender."""

    org_name: str
    firm_name: str
    accent: str


def branding_for(org: Organisation | None) -> Branding:
    """Return the organisation's mail branding (name, consultancy, accent colour)."""
    if org is None:
        return Branding(org_name="cxgov", firm_name="", accent="#0b5cad")
    return Branding(org_name=org.name, firm_name=org.brand_firm_name or "", accent=org.brand_accent or "#0b5cad")


def mail_enqueue(
    *,
    kind: str,
    template: str,
    to: str,
    lang: str,
    org: Organisation | None,
    subject: Callable[[], str],
    context: dict[str, Any],
    respondent_id: int | None = None,
) -> MailMessage:
    """Render a message in ``lang`` from ``templates/mail/<template>.{txt,html}`` and queue it.

    ``subject`` is called inside the recipient's locale, so its gettext call is translated.
    Reminders and digests carry a one-click unsubscribe link (List-Unsubscribe).
    """
    to = (to or "").strip()
    if "@" not in to or len(to) > 254 or any(c in to for c in "\r\n<>,"):
        raise MailError(_("That is not a usable e-mail address."))
    headers: dict[str, str] = {}
    unsubscribe_url = None
    if kind in STOPPABLE_KINDS and org is not None:
        unsubscribe_url = external_url("mail.unsubscribe", token=opt_out_token(org_id=org.id, email=to, kind=kind))
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with force_locale(lang or "en"):
        values = dict(context, brand=branding_for(org), unsubscribe_url=unsubscribe_url, lang=lang or "en")
        title = subject()
        text_body = render_template(f"mail/{template}.txt", subject=title, **values)
        html_body = render_template(f"mail/{template}.html", subject=title, **values)
    message = MailMessage(
        org_id=org.id if org else None,
        respondent_id=respondent_id,
        kind=kind,
        to_addr=to,
        subject=title[:300],
        text_body=text_body,
        html_body=html_body,
        headers=headers,
        status="queued",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def _email_of(message: MailMessage) -> EmailMessage:
    email = EmailMessage()
    sender = current_app.config.get("MAIL_FROM") or "cxgov <cxgov@localhost>"
    email["From"] = sender
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(idstring=f"cxgov{message.id}")
    email["Auto-Submitted"] = "auto-generated"
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


# -- sending -------------------------------------------------------------------------------
@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _claim(size: int) -> list[int]:
    """Claim up to ``size`` due messages for this sender and commit the claim."""
    now = utcnow()
    mark = secrets.token_hex(16)
    due = db.session.scalars(
        select(MailMessage.id)
        .where(MailMessage.status == "queued", MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    ).all()
    if due:
        db.session.execute(
            update(MailMessage)
            .where(MailMessage.id.in_(due), MailMessage.status == "queued")
            .values(status="sending", claimed_at=now, claim=mark)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    if not due:
        return []
    return list(
        db.session.scalars(
            select(MailMessage.id)
            .where(MailMessage.claim == mark, MailMessage.status == "sending")
            .order_by(MailMessage.id)
        )
    )


def _release_stale_claims() -> None:
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.status == "sending", MailMessage.claimed_at < utcnow() - STALE_CLAIM)
        .values(status="queued", claim=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _retry_later(message: MailMessage, error: str) -> bool:
    """Count a failed attempt; return True when the message will be tried again."""
    message.attempts += 1
    message.last_error = error[:2000]
    message.claim = None
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        return False
    message.status = "queued"
    message.next_attempt_at = utcnow() + _backoff(message.attempts)
    return True


def mail_send_pending(*, limit: int = 500, batch: int = 25, settings: MailSettings | None = None) -> SendReport:
    """Send every due message (up to ``limit``); commits after each message (a worker step).

    A server that cannot be reached puts the claimed messages back with a backoff; a server
    that refuses a recipient for good (5xx) marks that message failed at once.
    """
    settings = settings or mail_settings()
    report = SendReport()
    _release_stale_claims()
    while report.sent + report.failed + report.retried < limit:
        ids = _claim(min(batch, limit - report.sent - report.failed - report.retried))
        if not ids:
            break
        try:
            with Transport(settings) as transport:
                for message_id in ids:
                    message = db.session.get(MailMessage, message_id)
                    if message is None:
                        continue
                    try:
                        transport.send(_email_of(message), name=f"{message.id}-{message.kind}")
                    except PermanentFailure as error:
                        message.status, message.claim = "failed", None
                        message.attempts += 1
                        message.last_error = str(error)[:2000]
                        report.failed += 1
                    else:
                        message.status, message.sent_at, message.claim = "sent", utcnow(), None
                        message.attempts += 1
                        report.sent += 1
                    db.session.commit()
        except OSError as error:  # connection refused, timeout, TLS, SMTP errors (all OSError)
            db.session.rollback()
            log.warning("mail server unavailable, %d messages wait: %s", len(ids), error)
            for message in db.session.scalars(
                select(MailMessage).where(MailMessage.id.in_(ids), MailMessage.status == "sending")
            ):
                if _retry_later(message, str(error)):
                    report.retried += 1
                else:
                    report.failed += 1
            db.session.commit()
            break
    return report
