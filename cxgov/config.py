"""Configuration read from ``CXGOV_*`` environment variables."""

from __future__ import annotations

import os
from typing import Any


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CXGOV_{name}", default)


def setting(name: str, default: str | None = None) -> str | None:
    """Return the ``CXGOV_<name>`` setting, for code that also runs without an app (a host-wide lock)."""
    return _env(name, default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return default if value is None else int(value)


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def config_from_env() -> dict[str, Any]:
    """Return Flask config values from the environment (the instance path fills in the rest)."""
    https = _env_bool("HTTPS")
    return {
        # None means "SQLite file in the instance folder"; create_app fills it in.
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL"),
        "SECRET_KEY": _env("SECRET_KEY"),
        # Signs organisation packages (exports). Unset: a key derived from SECRET_KEY, so a package
        # imports only into the instance that made it; give two instances the same value to move
        # organisations between them (docs/security.md).
        "PACKAGE_KEY": _env("PACKAGE_KEY"),
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_BYTES", 16 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session; forms stay open for a while
        "BABEL_DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "en"),
        "SQLITE_BUSY_TIMEOUT_MS": _env_int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_SECONDS": _env_int("LOGIN_LOCK_SECONDS", 900),
        "ASSESSMENTS_DIR": _env("ASSESSMENTS_DIR"),
        # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are then
        # trusted, so login throttling by address sees the client's address, not the proxy's.
        "PROXY_COUNT": _env_int("PROXY_COUNT", 0),
        # The security log's file; unset means stderr (gunicorn's error log).
        "SECURITY_LOG": _env("SECURITY_LOG"),
        # Lay out report PDFs in a low-priority helper process per worker (gunicorn.conf.py
        # turns this on), so that page requests get the CPU first.
        "PDF_HELPER": _env_bool("PDF_HELPER"),
        "PDF_HELPER_NICE": _env_int("PDF_HELPER_NICE", 10),
        # Outgoing mail: smtp:// or smtps:// URL; unset writes .eml files to instance/outbox/.
        "MAIL_URL": _env("MAIL_URL"),
        "MAIL_FROM": _env("MAIL_FROM", "cxgov <cxgov@localhost>"),
        # The address people reach this instance at, for links in mail sent outside a request
        # (the CLI and the sender thread); inside a request the request's own host is used.
        "BASE_URL": _env("BASE_URL"),
    }
