"""Locale selection: the organisation's language inside an organisation, else the default."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, g, has_request_context
from flask_babel import get_locale

SUPPORTED_LANGUAGES = {"en": "English", "sv": "Svenska", "da": "Dansk"}


def select_locale() -> str:
    """Return the locale for this request."""
    if has_request_context():
        org = getattr(g, "org", None)
        if org is not None and org.language in SUPPORTED_LANGUAGES:
            return org.language
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


#: Where the compiled catalogues live (translations/<locale>/LC_MESSAGES/messages.mo).
TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"


def text_language(chosen: str | None, default: str = "en") -> str:
    """Return the language text chosen as ``chosen`` is actually shown in (WCAG 3.1.1).

    Choosing Svenska or Dansk changes the text only once a compiled catalogue for it exists;
    until then the text is English and ``lang`` must say so, or a screen reader reads English
    words with Swedish pronunciation. Once issue 16 adds a catalogue, this follows the choice
    by itself. Works without an app (the PDF workers).
    """
    if not chosen or chosen == default:
        return default
    catalogue = TRANSLATIONS_DIR / chosen / "LC_MESSAGES"
    return chosen if catalogue.is_dir() and any(catalogue.glob("*.mo")) else default


def page_language() -> str:
    """Return the ``<html lang>`` of the page being rendered: see :func:`text_language`."""
    chosen = get_locale()
    return text_language(str(chosen) if chosen else None,
                         current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))
