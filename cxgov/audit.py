"""Security events: who did what, in which organisation, with what result.

Within a request, events are queued and written in their own short transaction after
the request's own transaction has ended (committed or rolled back), so a refused request
still leaves its trace, and on SQLite the event never waits for the request's own write
lock. Values are escaped before they reach
the log file, so a hostile e-mail address cannot forge log lines.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from logging.handlers import WatchedFileHandler
from typing import TextIO

from flask import Flask, g, has_request_context, request
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import ForeignKey, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, utcnow
from .extensions import Model, db

log = logging.getLogger("cxgov.security")

#: Security events are written in one language, whoever caused them and whatever language
#: their page was in, so that an operator can read the log and grep it for one wording.
LOG_LANGUAGE = "en"


class SecurityEvent(Model):
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


def log_text(value: object) -> str:
    """Return ``value`` as text in the log's language (a lazy gettext message is translated into it).

    A service error raised with ``lazy_gettext`` reads in the user's language on their page and
    in :data:`LOG_LANGUAGE` here; a plain ``str`` is returned as it is.
    """
    if isinstance(value, str):
        return value
    with force_locale(LOG_LANGUAGE):
        return str(value)


def _event_values(
    action: str, *, result: str, actor: str | None, detail: str, org_id: int | None, user_id: int | None = None
) -> dict:
    """Return the escaped column values of one event (the current user and org filled in)."""
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
        actor = actor or current_user.email
    if org_id is None and has_request_context() and getattr(g, "org", None) is not None:
        org_id = g.org.id
    remote = (request.remote_addr or "") if has_request_context() else "cli"
    return {
        "at": utcnow(),
        "action": escape_for_log(action, 60),
        "result": escape_for_log(result, 20),
        "user_id": user_id,
        "actor": escape_for_log(actor or "", 254),
        "org_id": org_id,
        "remote_addr": escape_for_log(remote, 64),
        "detail": escape_for_log(log_text(detail), 500),
    }


def _quoted(value: str) -> str:
    # values are already on one line with backslashes escaped; quoting makes a space or an
    # "x=y" inside a typed e-mail address unable to pose as another field of the line
    return '"' + value.replace('"', '\\"') + '"'


def _log_event(values: dict) -> None:
    """Write one event to the ``cxgov.security`` logger (stderr, or CXGOV_SECURITY_LOG)."""
    log.info(
        "at=%s action=%s result=%s actor=%s org=%s user=%s addr=%s detail=%s",
        values["at"].isoformat(timespec="seconds"),
        values["action"],
        values["result"],
        _quoted(values["actor"]),
        values["org_id"] if values["org_id"] is not None else "-",
        values["user_id"] if values["user_id"] is not None else "-",
        _quoted(values["remote_addr"]),
        _quoted(values["detail"]),
    )


def security_event(
    action: str, *, result: str = "ok", actor: str | None = None, detail: str = "", org_id: int | None = None
) -> None:
    """Record a security event in the database and the security log."""
    values = _event_values(action, result=result, actor=actor, detail=detail, org_id=org_id)
    if has_request_context():
        g.setdefault("_security_events", []).append(values)
    else:
        db.session.execute(insert(SecurityEvent).values(**values))  # the CLI command commits
    _log_event(values)


def security_event_add(action: str, *, result: str, actor: str, detail: str = "") -> SecurityEvent:
    """Add an event to the request's own transaction (flushes; not logged until settled).

    Used where the event must be visible to other workers before the request goes on:
    a login attempt is recorded as failed *before* the password is checked, so parallel
    attempts on several workers all count against the limit.
    """
    event = SecurityEvent(**_event_values(action, result=result, actor=actor, detail=detail, org_id=None))
    db.session.add(event)
    db.session.flush()
    return event


def security_event_settle(
    event: SecurityEvent, *, action: str | None = None, result: str | None = None, user_id: int | None = None
) -> None:
    """Give an event added with :func:`security_event_add` its outcome and write it to the log."""
    if action is not None:
        event.action = escape_for_log(action, 60)
    if result is not None:
        event.result = escape_for_log(result, 20)
    if user_id is not None:
        event.user_id = user_id
    db.session.flush()
    _log_event(
        {
            "at": event.at,
            "action": event.action,
            "result": event.result,
            "actor": event.actor,
            "org_id": event.org_id,
            "user_id": event.user_id,
            "remote_addr": event.remote_addr,
            "detail": event.detail,
        }
    )


def write_queued_security_events(_exc: BaseException | None = None) -> None:
    """Write the events this request queued, once its own transaction is over."""
    events = g.pop("_security_events", None)
    if not events:
        return
    db.session.rollback()  # a no-op after the view's commit; ends a refused request's work
    with db.engine.begin() as connection:
        connection.execute(insert(SecurityEvent), events)


_SECURITY_HANDLER_ATTR = "_cxgov_security_handler"


class _StderrHandler(logging.StreamHandler):
    """Write to whatever ``sys.stderr`` is at the time (test runners and daemons swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def init_security_log(app: Flask) -> None:
    """Send the ``cxgov.security`` logger to CXGOV_SECURITY_LOG (a file) or else to stderr.

    Installed once per process (several apps in one process share the logger). The file
    handler reopens the file when logrotate moves it; every worker appends whole lines.
    """

    path = app.config.get("SECURITY_LOG") or None
    for existing in list(log.handlers):
        if getattr(existing, _SECURITY_HANDLER_ATTR, None) == (path or "<stderr>"):
            return
        if hasattr(existing, _SECURITY_HANDLER_ATTR):
            log.removeHandler(existing)
            existing.close()
    handler: logging.Handler = WatchedFileHandler(path, encoding="utf-8") if path else _StderrHandler()
    setattr(handler, _SECURITY_HANDLER_ATTR, path or "<stderr>")
    handler.setFormatter(logging.Formatter("cxgov.security %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
