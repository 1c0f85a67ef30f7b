"""Account operations. Services flush; the caller (view or CLI command) commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_babel import ngettext
from sqlalchemy import ColumnElement, case, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import SecurityEvent, security_event_add, security_event_settle
from ..db import utcnow
from ..extensions import db
from ..i18n import SUPPORTED_LANGUAGES
from ..validators import is_email, normalise_email

from .models import MIN_PASSWORD_LENGTH, SetPasswordLink, User, hash_token, new_token

SET_PASSWORD_LINK_DAYS = 7


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def user_by_email(email: str) -> User | None:
    """Return the user with this e-mail (case-insensitive), if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


_STAND_IN_HASHES: dict[str, str] = {}


def user_authenticate(*, email: str, password: str) -> User | None:
    """Return the active user whose password this is, or None, doing the same hash work either way.

    Checking a password costs a deliberately slow hash. Doing it only for real accounts made
    a wrong password take 100 ms and an unknown address 7 ms, which told anyone which
    addresses have accounts; an unknown, inactive or not yet activated account is checked
    against a stand-in hash of the same method instead.
    """
    user = user_by_email(email)
    if user is not None and user.active and user.password_hash:
        return user if user.check_password(password) else None
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _STAND_IN_HASHES:
        _STAND_IN_HASHES[method] = generate_password_hash(new_token(), method=method)
    check_password_hash(_STAND_IN_HASHES[method], password)
    return None


def user_create(
    *,
    email: str,
    name: str,
    password: str | None = None,
    is_admin: bool = False,
    is_consultant: bool = False,
    firm_name: str | None = None,
) -> User:
    """Create a user; without a password they log in only after using a set-password link."""
    email = normalise_email(email)
    if not is_email(email):
        # lazy (read when shown): an organisation import logs the reason in English, shows it translated
        raise AccountError(lazy_gettext("Not a valid e-mail address: “%(email)s”", email=email))
    if user_by_email(email) is not None:
        raise AccountError(lazy_gettext("A user with the e-mail %(email)s already exists.", email=email))
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            ngettext(
                "Passwords need at least %(num)d character.",
                "Passwords need at least %(num)d characters.",
                MIN_PASSWORD_LENGTH,
            )
        )
    user = User(
        email=email,
        name=name.strip() or email,
        is_admin=is_admin,
        is_consultant=is_consultant or is_admin,
        firm_name=firm_name or None,
    )
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
        raise AccountError(_("%(email)s has a password already; no set-password link is issued.", email=user.email))
    _links_spend(user=user)
    token = new_token()
    db.session.add(
        SetPasswordLink(
            user_id=user.id, token_hash=hash_token(token), expires_at=utcnow() + timedelta(days=SET_PASSWORD_LINK_DAYS)
        )
    )
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
    db.session.execute(
        update(SetPasswordLink)
        .where(SetPasswordLink.user_id == user.id, SetPasswordLink.used_at.is_(None))
        .values(used_at=utcnow())
    )


def user_deactivate(*, user: User) -> None:
    """Deactivate a user and end every session of theirs."""
    user.active = False
    user.rotate_session_token()
    db.session.flush()


#: A failed password from a stranger's address slows every other unusual address down too, but
#: only after this many failures per allowed failure of one address, and gently: one minute,
#: then doubling, never longer than the lock window.
ACCOUNT_BACKOFF_FACTOR = 2
ACCOUNT_BACKOFF_FIRST_SECONDS = 60
#: An address the account logged in from successfully within this many days is "usual": the
#: account-wide back-off and the address-wide limit never apply to it.
USUAL_ADDRESS_DAYS = 90


def login_refusal_seconds(*, email: str, remote_addr: str, attempt_id: int | None = None) -> int:
    """Return how long further logins are refused (0 when allowed).

    Three limits, so that a stranger can neither guess a password nor lock its owner out:

    - (account, address): ``LOGIN_MAX_FAILURES`` failures since that pair's last success lock
      the pair for ``LOGIN_LOCK_SECONDS``. A stranger locks only themselves.
    - account: from addresses the account has never logged in from, failures from anywhere
      past twice that number earn a back-off that starts at a minute and doubles per failure
      (up to the lock window), so guessing from many addresses stays slow. The owner's usual
      addresses are exempt, so they can always log in from where they usually do.
    - address: four times the limit over any accounts (spraying one password) refuses that
      address, except for accounts that usually log in from it (offices share addresses).

    Failures are counted in the security log (a database table), so the limits hold across
    every gunicorn worker and app server. ``attempt_id`` is this request's own attempt, already
    committed as a failure before the password is checked (:func:`login_attempt_begin`). It is
    counted, so parallel attempts on several workers see each other and never exceed the limit
    together; the thresholds are one higher to make room for it.
    """
    config = current_app.config
    max_failures = int(config["LOGIN_MAX_FAILURES"])
    window = timedelta(seconds=int(config["LOGIN_LOCK_SECONDS"]))
    own = 1 if attempt_id is not None else 0
    now = utcnow()
    since = now - window
    email = normalise_email(email)
    # the lock runs from the latest *earlier* failure, so the refusal does not extend itself
    earlier_at = case((SecurityEvent.id != attempt_id, SecurityEvent.at)) if own else SecurityEvent.at
    failed = SecurityEvent.action == "login_failed"
    succeeded = SecurityEvent.action == "login"

    usual_since = now - timedelta(days=USUAL_ADDRESS_DAYS)

    def last_success(*where: ColumnElement[bool]) -> datetime | None:
        # bounded in time, so the query stays on the index of ``at`` however long the log grows
        return db.session.scalar(
            select(func.max(SecurityEvent.at)).where(succeeded, SecurityEvent.at > usual_since, *where)
        )

    def failures(after: datetime, *where: ColumnElement[bool]) -> tuple[int, datetime | None]:
        count, latest = db.session.execute(
            select(func.count(), func.max(earlier_at)).where(failed, SecurityEvent.at > after, *where)
        ).one()
        return count - own, latest

    refusals: list[datetime] = []  # the moments until which this attempt is refused
    pair = (SecurityEvent.actor == email, SecurityEvent.remote_addr == remote_addr)
    pair_success = last_success(*pair)
    count, latest = failures(max(since, pair_success) if pair_success else since, *pair)
    if count >= max_failures:
        refusals.append((latest or now) + window)

    usual = pair_success is not None
    if not usual:
        account_success = last_success(SecurityEvent.actor == email)
        count, latest = failures(
            max(since, account_success) if account_success else since, SecurityEvent.actor == email
        )
        over = count - max_failures * ACCOUNT_BACKOFF_FACTOR
        if over >= 0:
            backoff = min(window.total_seconds(), ACCOUNT_BACKOFF_FIRST_SECONDS * 2.0 ** min(over, 30))
            refusals.append((latest or now) + timedelta(seconds=backoff))
        count, latest = failures(since, SecurityEvent.remote_addr == remote_addr)
        if count >= max_failures * 4:
            refusals.append((latest or now) + window)
    if not refusals:
        return 0
    remaining = (max(refusals) - now).total_seconds()
    return max(1, int(remaining)) if remaining > 0 else 0


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


def user_language_set(*, user: User, language: str | None) -> None:
    """Set ``user``'s own language; None (or "") follows the organisation's language."""
    if language and language not in SUPPORTED_LANGUAGES:
        raise AccountError(_("Choose one of the languages offered."))
    user.language = language or None
    db.session.flush()
