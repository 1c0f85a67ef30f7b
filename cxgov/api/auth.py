"""Who is calling the API: a personal access token, checked again on every request.

Session cookies never authenticate the API: a browser that is logged in to cxgov cannot be
made to call it by another site (no CSRF through cookies), and CSRF tokens are not needed
for a bearer token. The organisation in the URL is loaded with the same rule as the web
pages (not a member, or outside the token's scope: 404), and the role comes from the user's
membership *now*, so a token loses an organisation the moment its user does.
"""

from __future__ import annotations

import math
import threading
import time
from functools import wraps
from typing import Any, Callable, Collection

from flask import Flask, current_app, g, has_request_context, request
from flask_login import AnonymousUserMixin
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..audit import security_event
from ..db import begin_writing, utcnow
from ..extensions import db
from ..history.models import ChangeLog
from ..orgs.models import Organisation, Role
from ..tenancy import membership_for, roles_required, view_roles
from .models import ApiToken
from .problems import ApiProblem
from .tokens import LAST_USED_RESOLUTION, token_find, token_touch

_ROLES_ATTR = "_cxgov_roles"


def current_token() -> ApiToken:
    """Return the token of the current API request."""
    return g.api_token


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def authenticate() -> ApiToken:
    """Find the request's token (401 without a usable one) and apply its rate limit (429)."""
    if getattr(g, "api_token", None) is not None:
        return g.api_token
    # Whoever the session cookie names, the API does not know them: only the token counts.
    g._login_user = AnonymousUserMixin()
    secret = _bearer()
    token = token_find(secret) if secret else None
    if token is None:
        if secret:
            security_event("api_token_refused", result="refused", detail="unknown, revoked or expired token")
        raise ApiProblem(401, headers={"WWW-Authenticate": 'Bearer realm="cxgov"'})
    g.api_token = token
    g._login_user = token.user  # services, history and the security log see the token's user
    RATE_LIMITER.check(token.id)
    return token


def load_org(org_slug: str) -> None:
    """Set ``g.org`` and ``g.membership`` for the URL's organisation, or answer 404."""
    token = authenticate()
    org = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    membership = membership_for(token.user_id, org.id) if org is not None else None
    if org is None or membership is None or (token.org_id is not None and token.org_id != org.id):
        raise ApiProblem(404)
    g.org = org
    g.membership = membership


def api_access(roles: Collection[Role], *, write: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Admit members with one of ``roles`` (403 otherwise); a write also needs a token that may write."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        guarded = roles_required(roles)(view)

        @wraps(guarded)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if write and g.api_token.read_only:
                security_event(
                    "permission_denied",
                    result="refused",
                    detail=f"read-only token {g.api_token.name!r}: {view.__name__}",
                )
                raise ApiProblem(403, "This token is read-only.")
            return guarded(*args, **kwargs)

        setattr(wrapper, _ROLES_ATTR, view_roles(guarded))
        return wrapper

    return decorator


class RateLimiter:
    """A fixed-window request counter per token, per app process.

    Each worker process counts for itself, so with N workers a token gets up to N times the
    limit: enough to stop a runaway script, which is what it is for.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[int, int], tuple[float, int]] = {}

    def check(self, token_id: int) -> None:
        """Count one request; raise a 429 problem with Retry-After when the window is full."""
        limit = int(current_app.config.get("API_RATE_LIMIT", 300))
        window = float(current_app.config.get("API_RATE_WINDOW_SECONDS", 60))
        if limit <= 0:
            return
        # current_app is typed as Flask but is a proxy; _get_current_object is Flask's way to the app.
        key = (id(current_app._get_current_object()), token_id)  # type: ignore[attr-defined]
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= window:
                start, count = now, 0
            if count >= limit:
                retry = max(1, math.ceil(start + window - now))
                raise ApiProblem(429, headers={"Retry-After": str(retry)})
            self._windows[key] = (start, count + 1)
            if len(self._windows) > 10_000:  # forget idle windows rather than grow forever
                for stale in [k for k, (s, _) in self._windows.items() if now - s >= window]:
                    del self._windows[stale]


RATE_LIMITER = RateLimiter()


def record_use(response: Any) -> Any:
    """After an answered request, note the token's last use (at most one write a minute)."""
    token: ApiToken | None = getattr(g, "api_token", None)
    if token is None or response.status_code >= 400:
        return response
    now = utcnow()
    last = token.last_used_at
    if last is not None and now - last < LAST_USED_RESOLUTION:
        return response
    begin_writing()
    token_touch(token_id=token.id, now=now)
    db.session.commit()
    return response


def _name_token_in_history(session: Session, _context: Any, _instances: Any) -> None:
    """Give change log entries written through the API the token's name (history shows it)."""
    if not has_request_context():
        return
    token = getattr(g, "api_token", None)
    if token is None:
        return
    for obj in session.new:
        if isinstance(obj, ChangeLog) and obj.via_token is None:
            obj.via_token = token.name[:100]


def init_api_auth(app: Flask) -> None:
    """Name tokens in history; keep the caller of one request from leaking into the next."""
    if not event.contains(Session, "before_flush", _name_token_in_history):
        event.listen(Session, "before_flush", _name_token_in_history)

    @app.teardown_request
    def forget_token(_exc: BaseException | None = None) -> None:
        g.pop("api_token", None)
