"""Account operations. Services flush; the caller (view or CLI command) commits."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from ..audit import SecurityEvent, security_event_add, security_event_settle
from ..db import utcnow
from ..extensions import db
from ..validators import is_email, normalise_email
from .models import MIN_PASSWORD_LENGTH, SetPasswordLink, User, hash_token, new_token

SET_PASSWORD_LINK_DAYS = 7


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def user_by_email(email: str) -> User | None:
    """Return the user with this e-mail (case-insensitive), if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def user_create(*, email: str, name: str, password: str | None = None, is_admin: bool = False,
                is_consultant: bool = False, firm_name: str | None = None) -> User:
    """Create a user; without a password they log in only after using a set-password link."""
    email = normalise_email(email)
    if not is_email(email):
        raise AccountError(f"Not a valid e-mail address: {email!r}")
    if user_by_email(email) is not None:
        raise AccountError(f"A user with the e-mail {email} already exists.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    user = User(email=email, name=name.strip() or email, is_admin=is_admin,
                is_consultant=is_consultant or is_admin, firm_name=firm_name or None)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_password_link_create(*, user: User) -> str:
    """Create the one live set-password link of an account that has no password yet.

    Callers issue links only for an account they created in the same step (and the admin for
    the consultants they create): anyone else adding an existing account invites it instead.
    Issuing a link spends the account's older links, so at most one is ever live.
    """
    if user.password_hash:
        raise AccountError(_("%(email)s has a password already; no set-password link is issued.",
                             email=user.email))
    _links_spend(user=user)
    token = new_token()
    db.session.add(SetPasswordLink(user_id=user.id, token_hash=hash_token(token),
                                   expires_at=utcnow() + timedelta(days=SET_PASSWORD_LINK_DAYS)))
    db.session.flush()
    return token


def set_password_link_find(token: str) -> SetPasswordLink | None:
    """Return the usable link for ``token``, or None when unknown, used or expired."""
    link = db.session.scalar(select(SetPasswordLink).where(SetPasswordLink.token_hash == hash_token(token)))
    return link if link is not None and link.usable() else None


def set_password_link_use(*, link: SetPasswordLink, password: str) -> User:
    """Set the user's password through a link and spend every link of theirs."""
    link.user.set_password(password)
    _links_spend(user=link.user)
    db.session.flush()
    return link.user


def _links_spend(*, user: User) -> None:
    """Mark every unused set-password link of ``user`` as used."""
    db.session.execute(update(SetPasswordLink)
                       .where(SetPasswordLink.user_id == user.id, SetPasswordLink.used_at.is_(None))
                       .values(used_at=utcnow()))


def user_deactivate(*, user: User) -> None:
    """Deactivate a user and end every session of theirs."""
    user.active = False
    user.rotate_session_token()
    db.session.flush()


def login_refusal_seconds(*, email: str, remote_addr: str, attempt_id: int | None = None) -> int:
    """Return how long further logins are refused (0 when allowed).

    Failed logins are counted in the security log (a database table), so the limit holds
    across every gunicorn worker and app server. A successful login resets the account's
    count; the per-address limit is looser because offices share addresses.

    ``attempt_id`` is this request's own attempt, already committed as a failure before the
    password is checked (:func:`login_attempt_begin`). It is counted, so parallel attempts on
    several workers see each other and never exceed the limit together; the thresholds are
    one higher to make room for it.
    """
    config = current_app.config
    max_failures = int(config["LOGIN_MAX_FAILURES"])
    window = timedelta(seconds=int(config["LOGIN_LOCK_SECONDS"]))
    own = 1 if attempt_id is not None else 0
    since = utcnow() - window
    email = normalise_email(email)
    # the lock runs from the latest *earlier* failure, so the refusal does not extend itself
    earlier_at = case((SecurityEvent.id != attempt_id, SecurityEvent.at)) if own else SecurityEvent.at

    last_success = db.session.scalar(
        select(func.max(SecurityEvent.at)).where(SecurityEvent.action == "login",
                                                 SecurityEvent.actor == email)
    )
    account_since = max(since, last_success) if last_success else since
    account_failures = db.session.execute(
        select(func.count(), func.max(earlier_at)).where(
            SecurityEvent.action == "login_failed", SecurityEvent.actor == email,
            SecurityEvent.at > account_since)
    ).one()
    address_failures = db.session.execute(
        select(func.count(), func.max(earlier_at)).where(
            SecurityEvent.action == "login_failed", SecurityEvent.remote_addr == remote_addr,
            SecurityEvent.at > since)
    ).one()
    refused_since = []
    if account_failures[0] >= max_failures + own:
        refused_since.append(account_failures[1])
    if address_failures[0] >= max_failures * 4 + own:
        refused_since.append(address_failures[1])
    if not refused_since:
        return 0
    latest = max(filter(None, refused_since), default=utcnow())
    return max(1, int((latest + window - utcnow()).total_seconds()))


def login_attempt_begin(*, email: str) -> SecurityEvent:
    """Record a login attempt as failed before the password is checked (flushes).

    The caller commits at once, so every worker counts this attempt; when the password
    turns out right, :func:`login_attempt_settle` turns the record into a login.
    """
    return security_event_add("login_failed", result="refused", actor=normalise_email(email))


def login_attempt_settle(*, attempt: SecurityEvent, outcome: str, user: User | None = None) -> None:
    """Give a login attempt its outcome: "login", "login_failed" or "login_throttled" (flushes)."""
    result = {"login": "ok", "login_failed": "refused", "login_throttled": "refused"}[outcome]
    security_event_settle(attempt, action=outcome, result=result, user_id=user.id if user else None)
