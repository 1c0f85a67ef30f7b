"""Parse each SVG attribute value once per process instead of once per element and use.

WeasyPrint 70 draws an SVG by reading every element's attributes again as strings: each
element's font size, each shape's coordinates and stroke width, each label's fill colour, its
dash array and its ``filter``/``clip-path`` URLs. The helpers it reads them with are pure
functions of the string, but slow for what they do: ``size`` imports a module on every call and
runs four regular expressions (``normalize``) on any value that is not a bare number, such as
the default stroke width ``1px``; ``color`` runs tinycss2's colour parser; ``parse_url`` runs
``urllib``'s. The report's charts have about 430 elements that repeat a dozen values (the
heatmap alone prints some two hundred numbers in one colour), so these parses were a tenth of
the time spent drawing the charts.

This keeps each helper's result per distinct argument (bounded). ``color`` hands out a copy,
since WeasyPrint multiplies the returned colour's alpha in place. The drawn PDF is byte for
byte the same. Installed once, only on the WeasyPrint release it was written against.
"""

from __future__ import annotations

from typing import Any, Callable

import weasyprint
from weasyprint.svg import bounding_box, defs, path, shapes, text, utils

#: The modules that bound the helpers by name (``from .utils import size``) when imported.
_USERS = (weasyprint.svg, bounding_box, defs, path, shapes, text, utils)
#: Distinct values kept per helper: a report has a few hundred; anything beyond is parsed again.
MEMO_LIMIT = 4096


def _memoised(function: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``function`` remembering its result per distinct (hashable) arguments."""
    memo: dict[tuple[Any, ...], Any] = {}

    def remembered(*args: Any, **keywords: Any) -> Any:
        if keywords:  # WeasyPrint passes none; keep any other call exactly as it was
            return function(*args, **keywords)
        try:
            return memo[args]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument: never from an attribute, but keep WeasyPrint's answer
            return function(*args)
        value = function(*args)
        if len(memo) < MEMO_LIMIT:
            memo[args] = value
        return value

    remembered.__wrapped__ = function  # type: ignore[attr-defined]
    remembered.__name__ = function.__name__
    return remembered


def _copied_colour(function: Callable[[str | None], Any]) -> Callable[[str | None], Any]:
    """Return ``color`` parsing each string once and handing out a copy of the parsed colour."""
    parsed = _memoised(function)

    def color(string: str | None) -> Any:
        colour = parsed(string)
        if not hasattr(colour, "__dict__"):  # "currentcolor" comes back as a string: immutable
            return colour
        copy = object.__new__(type(colour))
        copy.__dict__.update(colour.__dict__)  # space, coordinates (a tuple) and alpha
        return copy

    color.__wrapped__ = function  # type: ignore[attr-defined]
    return color


def svg_parsing_memo_install() -> None:
    """Make WeasyPrint's SVG drawing parse each attribute value once.

    Called once, by cxgov.reports.weasyprint_patches (which checks the WeasyPrint release).
    """
    originals = {name: getattr(utils, name) for name in ("size", "normalize", "parse_url", "color")}
    replacements = {
        "size": _memoised(originals["size"]),
        "normalize": _memoised(originals["normalize"]),
        "parse_url": _memoised(originals["parse_url"]),
        "color": _copied_colour(originals["color"]),
    }
    for module in _USERS:
        for name, original in originals.items():
            if getattr(module, name, None) is original:
                setattr(module, name, replacements[name])
