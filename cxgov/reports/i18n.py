"""gettext for report text that also works without a Flask app (pure tests, workers).

Inside an app context the strings go through Flask-Babel (the organisation's locale);
outside one they are formatted as written, in English.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import gettext as babel_gettext
from flask_babel import ngettext as babel_ngettext


def gettext(string: str, **variables: Any) -> str:
    """Translate ``string`` and interpolate ``%(name)s`` variables."""
    if has_app_context():
        return babel_gettext(string, **variables)
    return string % variables if variables else string


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate with a plural form; ``num`` is available as ``%(num)d``."""
    if has_app_context():
        return babel_ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables
