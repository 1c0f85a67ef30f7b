"""Personal access token services: create (the secret is returned once), revoke, authenticate.

Services flush; the view or CLI command commits. A token never grants more than its user has:
the organisation and role are read from the user's membership on every request
(:mod:`cxgov.api.auth`), so leaving an organisation or losing a role takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..audit import security_event
from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Organisation
from ..tenancy import membership_for
from .models import TOKEN_PREFIX, ApiToken

#: Longest name a token may have (the column's width).
NAME_MAX = 100
#: Longest lifetime offered, in days (a bit over five years).
EXPIRY_MAX_DAYS = 2000
#: How stale ``last_used_at`` may get before a request refreshes it (one write a minute at most).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be created as asked; the message is for the user."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: the stored row and the secret, which is shown this once."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """Return the stored form of a secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_create(
    *, user: User, name: str, org: Organisation | None = None, read_only: bool = False, expires_days: int | None = None
) -> NewToken:
    """Make a token for ``user``, limited to ``org`` (a membership is required) or to all of theirs."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Give the token a name, e.g. the program that will use it."))
    if len(name) > NAME_MAX:
        raise TokenError(_("The name is too long (at most %(n)s characters).", n=NAME_MAX))
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise TokenError(_("The name contains control characters."))
    if org is not None and membership_for(user.id, org.id) is None:
        raise TokenError(_("You are not a member of that organisation."))
    if expires_days is not None and not 1 <= expires_days <= EXPIRY_MAX_DAYS:
        raise TokenError(_("The lifetime must be between 1 and %(n)s days.", n=EXPIRY_MAX_DAYS))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_hash(secret),
        hint=secret[: len(TOKEN_PREFIX) + 4],
        org_id=org.id if org is not None else None,
        read_only=bool(read_only),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    security_event(
        "api_token_created",
        actor=user.email,
        org_id=org.id if org is not None else None,
        detail=f"token {token.id} {name!r}{' read-only' if read_only else ''}",
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, by: User | None) -> None:
    """Revoke a token; it stops working with the next request."""
    if token.revoked_at is not None:
        raise TokenError(_("This token is already revoked."))
    token.revoked_at = utcnow()
    db.session.flush()
    security_event(
        "api_token_revoked",
        actor=by.email if by else "cli",
        detail=f"token {token.id} {token.name!r} of user {token.user_id}",
    )


def tokens_of(user: User) -> list[ApiToken]:
    """Return the user's tokens, newest first (revoked ones too, marked)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_find(secret: str) -> ApiToken | None:
    """Return the usable token whose secret is ``secret`` (its user active), or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or not token.usable(utcnow()) or not token.user.active:
        return None
    return token


def token_touch(*, token_id: int, now: datetime) -> bool:
    """Record that a token was used, unless that was recorded within the last minute."""
    result = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )
    # Session.execute is typed as returning Result; an UPDATE's result is a CursorResult with rowcount.
    return bool(result.rowcount)  # type: ignore[attr-defined]
