"""Resolve a box's lengths in one loop instead of three calls per property.

WeasyPrint 70 lays out a box by first turning its computed lengths into used values
(``layout.percent.resolve_percentages``): sixteen margins, paddings, widths and heights, each
through ``resolve_one_percentage`` -> ``percentage`` (and ``check_math``), i.e. about fifty
Python calls per box, and a box is resolved again each time it is laid out. The report lays out
some five thousand boxes, so those calls were a few per cent of the whole PDF. This does the
same arithmetic in one loop: an ``auto`` stays ``auto`` (``min-width``/``min-height`` become 0),
a percentage is taken of the containing block, a length is its pixel value, and anything else
(``calc()`` and the other math functions) goes through WeasyPrint's own ``percentage``. Borders
and box sizing are set exactly as before (``adjust_box_sizing`` is WeasyPrint's). The laid-out
document, and so the PDF, is byte for byte the same. Installed once, only on the WeasyPrint
release it was written against.
"""

from __future__ import annotations

import sys
from math import inf
from typing import Any

from weasyprint.css.functions import check_math
from weasyprint.formatting_structure import boxes
from weasyprint.layout import percent


_percentage = percent.percentage
_adjust_box_sizing = percent.adjust_box_sizing
_BORDER_WIDTHS = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")


def resolve_percentages(box: Any, containing_block: Any) -> None:
    """Set used values as attributes of the box object (same results as WeasyPrint's own)."""
    if isinstance(containing_block, boxes.Box):
        cb_width = containing_block.width
        cb_height = containing_block.height
    else:
        cb_width, cb_height = containing_block
    maybe_height = cb_height if isinstance(box, boxes.PageBox) else cb_width
    style = box.style
    if cb_height == "auto":
        # The containing block's height depends on its content: a percentage height is auto.
        height = style["height"]
        if height == "auto" or check_math(height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"
            box.height = height.value
        heights: tuple[tuple[str, Any], ...] = (("min_height", 0), ("max_height", inf))
    else:
        heights = (("height", cb_height), ("min_height", cb_height), ("max_height", cb_height))
    for name, refer_to in (
        ("margin_left", cb_width),
        ("margin_right", cb_width),
        ("margin_top", maybe_height),
        ("margin_bottom", maybe_height),
        ("padding_left", cb_width),
        ("padding_right", cb_width),
        ("padding_top", maybe_height),
        ("padding_bottom", maybe_height),
        ("width", cb_width),
        ("min_width", cb_width),
        ("max_width", cb_width),
        *heights,
    ):
        value = style[name]
        if value is None:
            pass
        elif value == "auto":
            if name == "min_width" or name == "min_height":
                value = 0
        else:
            unit = getattr(value, "unit", None)
            if unit == "%":
                value = refer_to * value.value / 100
            elif unit is None:  # a math function: WeasyPrint's own resolution
                value = _percentage(value, style, refer_to)
                if value == "auto" and (name == "min_width" or name == "min_height"):
                    value = 0
            else:  # px
                value = value.value
        setattr(box, name, value)

    collapse = style["border_collapse"] == "collapse"
    for name in _BORDER_WIDTHS:
        # With collapsed borders, the width was set while resolving the table's border conflicts.
        if not (collapse and hasattr(box, name)):
            setattr(box, name, style[name])
    _adjust_box_sizing(box, "width")
    _adjust_box_sizing(box, "height")


def fast_percentages_install() -> None:
    """Make WeasyPrint resolve a box's lengths in one loop.

    Called once, by cxgov.reports.weasyprint_patches (which checks the WeasyPrint release).
    """
    original = percent.resolve_percentages
    # Every layout module bound the function by name when it was imported (from .percent import ...).
    for name, module in list(sys.modules.items()):
        if name.startswith("weasyprint.layout") and getattr(module, "resolve_percentages", None) is original:
            module.resolve_percentages = resolve_percentages  # type: ignore[attr-defined]
    resolve_percentages.__wrapped__ = original  # type: ignore[attr-defined]
