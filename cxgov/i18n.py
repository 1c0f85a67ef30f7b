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


def page_language() -> str:
    """Return the language the page's text is actually in, for ``<html lang>`` (WCAG 3.1.1).

    Choosing Svenska or Dansk changes the text only once a compiled catalogue for it exists;
    until then the page is English and must say so, or a screen reader reads English words
    with Swedish pronunciation. With a catalogue present this follows the choice by itself.
    """
    from flask_babel import get_locale

    from .extensions import babel

    chosen = get_locale()
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    if chosen is None:
        return default
    available = {str(locale) for locale in babel.list_translations()}
    return str(chosen) if str(chosen) in available else default
