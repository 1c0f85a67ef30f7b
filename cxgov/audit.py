"""Security events: who did what, in which organisation, with what result.

Within a request, events are queued and written in their own short transaction after
the request's own transaction has ended (committed or rolled back), so a refused request
still leaves its trace, and on SQLite the event never waits for the request's own write
lock. Values are escaped before they reach
the log file, so a hostile e-mail address cannot forge log lines.
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, utcnow
from .extensions import db

log = logging.getLogger("cxgov.security")


class SecurityEvent(db.Model):
    """One security-relevant event (login, refusal, import, export...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: What happened, e.g. "login", "login_failed", "permission_denied", "export".
    action: Mapped[str] = mapped_column(String(60))
    #: "ok", "refused", "failed"...
    result: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The e-mail as typed (for failed logins the account may not exist).
    actor: Mapped[str] = mapped_column(String(254), default="")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")


def escape_for_log(value: object, limit: int = 500) -> str:
    """Return ``value`` on one line: newlines and control characters become escapes."""
    text = str(value)
    out = []
    for ch in text[:limit]:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif code < 32 or code == 127 or 0x80 <= code < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def security_event(action: str, *, result: str = "ok", actor: str | None = None,
                   detail: str = "", org_id: int | None = None) -> None:
    """Record a security event in the database and the security log."""
    user_id = None
    if has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
        actor = actor or current_user.email
    if org_id is None and has_request_context() and getattr(g, "org", None) is not None:
        org_id = g.org.id
    remote = (request.remote_addr or "") if has_request_context() else "cli"
    values = {
        "at": utcnow(),
        "action": escape_for_log(action, 60),
        "result": escape_for_log(result, 20),
        "user_id": user_id,
        "actor": escape_for_log(actor or "", 254),
        "org_id": org_id,
        "remote_addr": escape_for_log(remote, 64),
        "detail": escape_for_log(detail, 500),
    }
    if has_request_context():
        g.setdefault("_security_events", []).append(values)
    else:
        db.session.execute(insert(SecurityEvent).values(**values))  # the CLI command commits
    log.info("action=%s result=%s actor=%s org=%s addr=%s detail=%s", values["action"],
             values["result"], values["actor"], org_id, values["remote_addr"], values["detail"])


def write_queued_security_events(_exc: BaseException | None = None) -> None:
    """Write the events this request queued, once its own transaction is over."""
    events = g.pop("_security_events", None)
    if not events:
        return
    db.session.rollback()  # a no-op after the view's commit; ends a refused request's work
    with db.engine.begin() as connection:
        connection.execute(insert(SecurityEvent), events)
