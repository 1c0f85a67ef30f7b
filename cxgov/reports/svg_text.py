"""Draw a plain SVG ``<text>`` run as one line of text instead of one letter at a time.

WeasyPrint 70 lays out and draws every *letter* of an SVG text node on its own (one Pango
layout and one PDF text object per character), because SVG allows a position or a rotation
per character. The report's charts never use that: each label is a plain run at one x/y. The
heatmap alone has about 2,300 characters of labels, so its page took longer to lay out than
any four pages of prose (0.2 s of the demo PDF's 1.2 s). For a run without per-character
positions, rotations, letter spacing or ``textLength``, this draws the whole string as the
one line WeasyPrint has already laid out to measure it: the same glyphs at the same place
(with the font's kerning, which the per-letter path loses) and the same bounding box for
``text-anchor``. Anything else goes to WeasyPrint's own function unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from weasyprint import svg as svg_package
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.draw.text import draw_emojis, draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.text import Style, TextBox
from weasyprint.svg.utils import normalize, size
from weasyprint.text.ffi import FROM_UNITS, pango
from weasyprint.text.line_break import create_layout, line_size

#: Attributes that give a text node per-character layout: those keep WeasyPrint's own path.
_PER_CHARACTER = ("dx", "dy", "rotate", "textLength")
#: A coordinate as the report's charts write it: one plain number (normalize() is four regexes).
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _single(value: str | None) -> bool:
    """Return whether an ``x``/``y`` attribute holds at most one coordinate."""
    return value is None or bool(_PLAIN_NUMBER.fullmatch(value)) or len(normalize(value).strip().split(" ")) <= 1


def _coordinate(value: str, font_size: float, reference: float) -> float:
    """Return one ``x``/``y`` coordinate in user units, as WeasyPrint reads it."""
    return float(value) if _PLAIN_NUMBER.fullmatch(value) else size(normalize(value).strip(), font_size, reference)


def svg_text_whole_runs_install() -> None:
    """Make WeasyPrint draw plain SVG text runs whole.

    Called once, by cxgov.reports.weasyprint_patches (which checks the WeasyPrint release).
    """
    original = svg_package.text
    fast = _whole_run_text(original)
    for tag, function in list(svg_package.TAGS.items()):
        if function is original:
            svg_package.TAGS[tag] = fast
    # draw_node recognises text nodes by comparing with this module-level name.
    svg_package.text = fast


def _whole_run_text(original: Any) -> Any:
    """Return a replacement for ``weasyprint.svg.text.text`` that draws plain runs whole."""

    def text(svg: Any, node: Any, font_size: float) -> None:
        attrib = node.attrib
        content = node.text
        if (
            not content
            or "\n" in content
            or any(name in attrib for name in _PER_CHARACTER)
            or not _single(attrib.get("x"))
            or not _single(attrib.get("y"))
            or svg.length(node.get("letter-spacing"), font_size)
        ):
            return original(svg, node, font_size)

        # The style WeasyPrint's own function builds for a text node (it reads no CSS either).
        style = Style()
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        style["font_size"] = font_size
        if node.get("direction") in ("ltr", "rtl"):
            style["direction"] = node.get("direction")
        weight = node.get("font-weight", 400)
        if weight == "normal":
            weight = 400
        elif weight == "bold":
            weight = 700
        else:
            try:
                weight = int(weight)
            except ValueError:
                weight = 400
        style["font_weight"] = weight

        # One Pango layout per distinct label and font in this drawing, made once: split_first_line
        # made it, measured it and dropped it, and drawing made it again (reactivate). The
        # heatmap repeats the same few numbers a hundred times.
        key = (content, tuple(style["font_family"]), style["font_style"], weight, font_size, style["direction"])
        layouts = svg.__dict__.setdefault("_cxgov_text_layouts", {})
        known = layouts.get(key)
        if known is None:
            layout = create_layout(content, style, svg.context, None, 0)
            first_line, _ = layout.get_first_line()
            width, height = line_size(first_line, style)
            baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
            known = layouts[key] = (layout, style, width, height, baseline)
        layout, style, width, height, baseline = known

        ascent, descent = font_size * 0.8, font_size * 0.2
        y_align = 0.0
        display_anchor = node.get("display-anchor")
        alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
        if display_anchor == "middle":
            y_align = -height / 2
        elif display_anchor == "top":
            pass
        elif display_anchor == "bottom":
            y_align = -height
        elif alignment_baseline in ("central", "middle"):
            y_align = (ascent + descent) / 2 - descent
        elif alignment_baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
            y_align = ascent
        elif alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
            y_align = -descent

        # As WeasyPrint positions the first letter (including its test of the value, not of
        # the attribute, before it resets the pending dx/dy).
        x = _coordinate(attrib["x"], font_size, svg.inner_width) if "x" in attrib else None
        y = _coordinate(attrib["y"], font_size, svg.inner_height) if "y" in attrib else None
        if x:
            svg.cursor_d_position[0] = 0
        if y:
            svg.cursor_d_position[1] = 0
        x = svg.cursor_position[0] if x is None else x
        y = svg.cursor_position[1] if y is None else y
        svg.cursor_position = x + width, y
        x_position = x + svg.cursor_d_position[0]
        y_position = y + svg.cursor_d_position[1] + y_align
        node.text_bounding_box = extend_bounding_box(
            node.text_bounding_box,
            ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
        )

        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        svg.fill_stroke(fill, stroke, text=True)
        text_box = TextBox(layout, style)
        text_box.baseline = baseline
        emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    return text
