"""A marker for strings that are defined at import time but translated where they are shown.

``N_("Every touchpoint has an owner")`` returns the text unchanged; ``scripts/messages`` extracts
it (``-k N_``), and the code that shows it calls ``gettext`` on it in the reader's language.
"""

from __future__ import annotations

import functools

from babel import support

from .i18n import SUPPORTED_LANGUAGES, TRANSLATIONS_DIR


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it untranslated."""
    return message


@functools.cache
def compiled_catalogue(lang: str) -> support.NullTranslations:
    """Return the compiled catalogue of ``lang``, read directly: for text shown without an app."""
    return support.Translations.load(str(TRANSLATIONS_DIR), [lang])


def translations_of(message: str) -> dict[str, str]:
    """Return ``message`` in every supported language (English where a catalogue lacks it).

    For names a file may carry in any language, such as the register's sheet names: a workbook
    exported in Danish must import in a Swedish or English organisation too. Reads the compiled
    catalogues directly, so it works without an app or a request.
    """
    return {lang: compiled_catalogue(lang).gettext(message) for lang in SUPPORTED_LANGUAGES}


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction (``-k N_plural:1,2``); return it untranslated."""
    return singular, plural
