"""The one way every displayed figure is rounded: dashboard, report page, PDF, Word and CLI.

Python's ``round`` and ``format`` round half to even on the binary value (30.5 -> 30,
2.25 -> 2.2), which a reader checks against a calculator and calls wrong; and the dashboard
and the report rounded the same change differently. Everything shown goes through
:func:`round_half_up` on the decimal text of the value, and through the formatters below,
so two places that show a figure at the same precision show the same digits.

Precision is fixed per kind of figure: levels (1-5) and level changes with one decimal,
the 0-100 index, health score and index changes in whole points.

The digits are written the reader's way: a decimal comma in Swedish, Danish and Norwegian
("50,8"), a point in English, from Babel's locale data. The language is the one being rendered
(Flask-Babel's locale, which a report forces to its own language), or ``lang`` when given; without
an app (a bare script) English. SVG coordinates never come through here: only text a person reads.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import TypeGuard

from babel.core import UnknownLocaleError
from babel.numbers import format_decimal, get_decimal_symbol, get_minus_sign_symbol
from flask_babel import get_locale

DASH = "\u2013"  #: shown for a missing figure
MINUS = "\u2212"  #: a real minus sign, not a hyphen
PLUS_MINUS = "\u00b1"
# Enough digits for any finite float (up to ~1.8e308) with decimals to spare.
_WIDE = Context(prec=400)


def round_half_up(value: float, digits: int = 0) -> float:
    """Round ``value`` to ``digits`` decimals, halves away from zero (30.5 -> 31, 2.25 -> 2.3)."""
    # repr() gives the shortest decimal text that reads back as the same float, so 2.675
    # is rounded as the 2.675 a person typed, not as 2.67499999... in binary.
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE))


@lru_cache(maxsize=32)
def _symbols(lang: str) -> tuple[str, str]:
    """Return (decimal separator, minus sign) of ``lang`` (English's for an unknown code)."""
    try:
        return get_decimal_symbol(lang), get_minus_sign_symbol(lang)
    except (UnknownLocaleError, ValueError, TypeError):
        return ".", "-"


def display_language(lang: str | None = None) -> str:
    """Return ``lang``, else the language being rendered (Flask-Babel's locale), else English."""
    if lang:
        return lang
    try:
        locale = get_locale()
    except RuntimeError:  # outside an application: a bare script
        return "en"
    return locale.language if locale is not None else "en"


def localize_digits(text: str, lang: str | None = None) -> str:
    """Rewrite a number written the Python way ("-50.8") with ``lang``'s symbols ("−50,8")."""
    decimal, minus = _symbols(display_language(lang))
    if decimal != ".":
        text = text.replace(".", decimal)
    if minus != "-" and text.startswith("-"):
        text = minus + text[1:]
    return text


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and not isinstance(value, bool) and math.isfinite(value)


def fmt_number(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    """Format ``value`` with ``digits`` decimals, rounded half up, in the reader's digits ("50,8")."""
    if not _finite(value):
        return DASH
    rounded = round_half_up(value, digits)
    if rounded == 0:
        rounded = 0.0  # never "-0.0"
    return localize_digits(f"{rounded:.{digits}f}", lang)


def fmt_count(value: int, lang: str | None = None) -> str:
    """Format a whole count (bytes, rows) with the reader's digit grouping: 155 798 in sv and nb,
    155.798 in da, 155,798 in English."""
    try:
        return format_decimal(value, locale=display_language(lang))
    except (UnknownLocaleError, ValueError):
        return f"{value:,}"


class ReaderCount:
    """A count that takes the reader's digit grouping when the message holding it is rendered.

    A lazy message (``_l(..., n=ReaderCount(50000))``) is formatted in the language of whoever
    reads it, a page in Swedish or the English security log, so the count must not be formatted
    when the message is made."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __str__(self) -> str:
        return fmt_count(self.value)


def fmt_level(value: float | None, lang: str | None = None) -> str:
    """Format a level on the 1-5 scale (or a gap, or a priority) with one decimal."""
    return fmt_number(value, 1, lang)


def fmt_index(value: float | None, lang: str | None = None) -> str:
    """Format a 0-100 figure (index, health score, index points) as a whole number."""
    return fmt_number(value, 0, lang)


def fmt_signed(value: float | None, digits: int = 0, lang: str | None = None) -> str:
    """Format a change with its sign (+, real minus, or ± for a change that rounds to zero)."""
    if not _finite(value):
        return DASH
    magnitude = fmt_number(abs(value), digits, lang)
    if round_half_up(abs(value), digits) == 0:
        return PLUS_MINUS + magnitude
    return ("+" if value > 0 else MINUS) + magnitude


def change_direction(value: float | None, digits: int = 0) -> int:
    """Return 1, -1 or 0 for a change as it is displayed (a change shown as ±0 is 0)."""
    if not _finite(value):
        return 0
    shown = round_half_up(value, digits)
    return (shown > 0) - (shown < 0)
