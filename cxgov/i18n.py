"""Which language a request is shown in, and which languages exist at all.

Order (see docs/i18n.md): the signed-in user's own choice, else the language of the
respondent answering through a personal link, else the organisation's language, else the
browser's ``Accept-Language`` (best match among the supported languages), else the instance
default. Pages outside an organisation (the login page, the account page) have no organisation
language, so they follow the user's choice or the browser.

A language only counts once its compiled catalogue exists (:func:`text_language`): a choice
whose catalogue is missing would show English text under a Swedish ``lang``, so the
resolution moves on to the next source instead. ``get_locale()`` therefore always names the
language of the text shown, and numbers, dates and framework text follow it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeGuard

import click
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale, refresh
from flask_login import current_user

#: Every language the interface, the framework and the reports can be shown in.
SUPPORTED_LANGUAGES = {"en": "English", "sv": "Svenska", "da": "Dansk", "nb": "Norsk bokmål"}
#: Browser tags that mean a supported language under another code ("no" and "nn" read as bokmål:
#: a reader of nynorsk reads bokmål far better than English).
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}

#: Languages whose readers plan in ISO week numbers ("v. 50", "uge 50", "uke 50").
WEEK_LANGUAGES = frozenset({"sv", "da", "nb"})

#: Where the compiled catalogues live (translations/<locale>/LC_MESSAGES/messages.mo).
TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"


def _default() -> str:
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en") if current_app else "en"


def language_available(lang: str | None, default: str = "en") -> bool:
    """Tell whether text in ``lang`` can be shown: the default, or a compiled catalogue exists."""
    if not lang or lang not in SUPPORTED_LANGUAGES:
        return False
    if lang == default:
        return True
    catalogue = TRANSLATIONS_DIR / lang / "LC_MESSAGES"
    return catalogue.is_dir() and any(catalogue.glob("*.mo"))


def available_languages() -> list[tuple[str, str]]:
    """Return (code, name) of every language text can be shown in now, for language pickers."""
    default = _default()
    return [(code, name) for code, name in SUPPORTED_LANGUAGES.items() if language_available(code, default)]


def browser_languages(accept: Iterable[tuple[str, float]]) -> list[str]:
    """Return the supported languages of ``Accept-Language`` pairs, the browser's favourite first."""
    ranked: list[tuple[float, int, str]] = []
    for position, (tag, quality) in enumerate(accept):
        primary = tag.replace("_", "-").split("-")[0].lower()
        lang = LANGUAGE_ALIASES.get(primary, primary)
        if quality > 0 and lang in SUPPORTED_LANGUAGES:
            ranked.append((quality, -position, lang))
    # Highest quality first; among equals, the one the browser listed first.
    ordered: list[str] = []
    for _q, _pos, lang in sorted(ranked, reverse=True):
        if lang not in ordered:
            ordered.append(lang)
    return ordered


def language_resolve(
    *,
    user_choice: str | None,
    respondent_choice: str | None = None,
    org_language: str | None,
    accept: Iterable[tuple[str, float]] = (),
    default: str = "en",
    available: Iterable[str] | None = None,
) -> str:
    """Return the language to show: the first available of user, respondent, organisation, browser.

    ``available`` names the languages that can be shown (default: those with a catalogue); a
    choice that is not available is skipped, so the result is always a language the text is in.
    """
    usable = set(available) if available is not None else None

    def ok(lang: str | None) -> TypeGuard[str]:
        if usable is not None:
            return bool(lang) and lang in usable and lang in SUPPORTED_LANGUAGES
        return language_available(lang, default)

    for lang in (user_choice, respondent_choice, org_language):
        if ok(lang):
            return lang
    # The browser's list is tried in its own order, so "sv, da;q=0.9" still reaches Danish
    # when only the Danish catalogue exists.
    for lang in browser_languages(accept):
        if ok(lang):
            return lang
    return default


#: Where a command line names its language: cxgov's own variable first, then POSIX's order.
CLI_LANGUAGE_VARIABLES = ("CXGOV_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_language(environ: Mapping[str, str] | None = None, default: str = "en") -> str:
    """Return the language ``flask`` commands speak: ``CXGOV_LANG``, else the shell's locale.

    The first variable that is set decides, as in POSIX (``LC_ALL=C`` means the default);
    ``sv_SE.UTF-8`` reads as ``sv``. A command's own ``--lang`` (reports, exports) wins over it.
    """
    environ = os.environ if environ is None else environ
    for name in CLI_LANGUAGE_VARIABLES:
        value = environ.get(name)
        if not value:
            continue
        primary = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
        lang = LANGUAGE_ALIASES.get(primary, primary)
        return lang if language_available(lang, default) else default
    return default


def select_locale() -> str:
    """Return the locale for this request (Flask-Babel's locale selector).

    Outside a request, a ``flask`` command speaks :func:`cli_language`; anything else (threads,
    workers) the instance default unless it forces a language itself.
    """
    default = _default()
    if not has_request_context():
        if click.get_current_context(silent=True) is not None:
            return cli_language(default=default)
        return default
    forced = getattr(g, "language_override", None)
    if forced and language_available(forced, default):
        return forced
    user_choice = None
    if current_user and getattr(current_user, "is_authenticated", False):
        user_choice = getattr(current_user, "language", None)
    org = getattr(g, "org", None)
    return language_resolve(
        user_choice=user_choice,
        respondent_choice=getattr(g, "respondent_language", None),
        org_language=org.language if org is not None else None,
        accept=list(request.accept_languages),
        default=default,
    )


def forget_request_locale() -> None:
    """Drop a locale cached by an earlier request sharing this app context (tests, CLI loops).

    Flask-Babel caches the locale on ``g``; a test client inside a pushed app context shares
    ``g`` between requests, and each request must resolve its own language.
    """
    for name in ("respondent_language", "language_override"):
        g.pop(name, None)
    refresh()


def current_language() -> str:
    """Return the language of the text being rendered now (request, or a forced locale)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def text_language(chosen: str | None, default: str = "en") -> str:
    """Return the language text chosen as ``chosen`` is actually shown in (WCAG 3.1.1).

    Choosing a language changes the text only once a compiled catalogue for it exists;
    until then the text is English and ``lang`` must say so, or a screen reader reads English
    words with Swedish pronunciation. Works without an app (the PDF workers).
    """
    return chosen if chosen and language_available(chosen, default) else default


def page_language() -> str:
    """Return the ``<html lang>`` of the page being rendered: see :func:`text_language`."""
    chosen = get_locale()
    return text_language(str(chosen) if chosen else None, _default())


def report_language(requested: str | None, org_language: str | None, default: str = "en") -> str:
    """Return the language a report or export is made in: the one asked for, else the organisation's."""
    for lang in (requested, org_language):
        if lang and language_available(lang, default):
            return lang
    return default


@contextmanager
def rendering_in(lang: str | None) -> Iterator[str]:
    """Render text, numbers and dates in ``lang`` (a report's or export's language) inside the block.

    Yields the language actually used: ``lang`` when its catalogue exists, else the default,
    so a document's ``lang`` attribute always names the language of its text. Without an app
    (pure tests) nothing is forced and the text stays English.
    """
    if not has_app_context():
        yield "en"
        return
    shown = text_language(lang, _default())
    with force_locale(shown):
        yield shown


#: ``--lang`` for every command that writes a report or an export (default: the organisation's).
lang_option = click.option(
    "--lang",
    "lang",
    type=click.Choice(list(SUPPORTED_LANGUAGES)),
    default=None,
    help="Language of the document (default: the organisation's language).",
)
