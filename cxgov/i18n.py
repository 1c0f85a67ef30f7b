"""Locale selection: the organisation's language inside an organisation, else the default."""
from __future__ import annotations

from flask import current_app, g, has_request_context

SUPPORTED_LANGUAGES = {"en": "English", "sv": "Svenska", "da": "Dansk"}


def select_locale() -> str:
    """Return the locale for this request."""
    if has_request_context():
        org = getattr(g, "org", None)
        if org is not None and org.language in SUPPORTED_LANGUAGES:
            return org.language
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
