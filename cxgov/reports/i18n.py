"""gettext for report text that also works without a Flask app (pure tests, workers).

Inside an app context the strings go through Flask-Babel (the organisation's locale);
outside one they are formatted as written, in English.

A placeholder's value may be framework text shown in English because its translation is
missing (a :class:`~cxgov.framework.model.SourceText`, or a sentence holding one): the result
then is a :class:`~cxgov.framework.model.MixedText` that knows where that English sits, so the
page, the PDF and the Word file mark the value, not the whole sentence (WCAG 3.1.2).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from flask import has_app_context
from flask_babel import gettext as babel_gettext
from flask_babel import ngettext as babel_ngettext

from cxgov.framework.model import MixedText, SourceText, text_join

#: Stand-ins for English values while a sentence is formatted: private-use characters no
#: translation or value contains (they are removed from the other values first).
_OPEN, _CLOSE = "\ue000", "\ue001"
_STAND_IN = re.compile(f"{_OPEN}(\\d+){_CLOSE}")


def gettext(string: str, **variables: Any) -> str:
    """Translate ``string`` and interpolate ``%(name)s`` variables."""
    return _keeping_english(variables, lambda values: _gettext(string, values))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate with a plural form; ``num`` is available as ``%(num)d``."""
    return _keeping_english(variables, lambda values: _ngettext(singular, plural, num, values))


def _gettext(string: str, variables: dict[str, Any]) -> str:
    if has_app_context():
        return babel_gettext(string, **variables)
    return string % variables if variables else string


def _ngettext(singular: str, plural: str, num: int, variables: dict[str, Any]) -> str:
    if has_app_context():
        return babel_ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def _keeping_english(variables: dict[str, Any], format_: Callable[[dict[str, Any]], str]) -> str:
    """Format through ``format_``; English values (``SourceText``) stay marked in the result."""
    english = [name for name, value in variables.items() if isinstance(value, (SourceText, MixedText))]
    if not english:
        return format_(variables)
    values: dict[str, Any] = {
        name: _STAND_IN.sub("", value) if isinstance(value, str) else value for name, value in variables.items()
    }
    for index, name in enumerate(english):
        values[name] = f"{_OPEN}{index}{_CLOSE}"
    pieces = _STAND_IN.split(format_(values))
    # split() alternates text and the captured stand-in numbers: put the English values back.
    return text_join(piece if n % 2 == 0 else variables[english[int(piece)]] for n, piece in enumerate(pieces))
