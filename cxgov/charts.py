"""Small inline SVG charts built on the server from plain numbers and strings.

The same markup is embedded in the HTML report page and in the WeasyPrint PDF, so it
sticks to the SVG subset both render the same way: basic shapes, ``<text>`` placed
with explicit baselines (no ``dominant-baseline``), attributes set inline, no CSS,
filters or scripts. Charts stay readable in greyscale because every series style
differs in dash pattern and marker shape, not only in colour. Output is deterministic:
the same input always gives byte-identical markup.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence, SupportsFloat, SupportsIndex

from flask_babel import gettext
from markupsafe import Markup, escape

from .numbers import fmt_number, localize_digits

__all__ = [
    "DEFAULT_ACCENT",
    "SERIES_STYLES",
    "Series",
    "bar_chart",
    "gauge",
    "heatmap",
    "level_distribution",
    "radar_chart",
    "trend_chart",
]

DEFAULT_ACCENT = "#1f5f8b"
FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"

_ACCENT_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# Characters XML 1.0 forbids even when escaped; a stray one would make the page invalid.
_XML_INVALID_RE = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

INK = "#333333"  # labels
SUBTLE = "#6b7178"  # axis ticks, secondary labels
GRID = "#dde1e6"  # gridlines and rings
TRACK = "#eef0f3"  # background of bars and gauge
TARGET_GREY = "#4a4a4a"
PREVIOUS_GREY = "#8a8a8a"
MUTED_GREY = "#b4bac1"


@dataclass(frozen=True)
class _Style:
    colour: str | None  # None means "the accent colour"
    width: float
    dasharray: str | None
    marker: str | None  # "circle", "square", "triangle" or None
    fill_opacity: float  # area fill under/inside the line; 0 means none


#: How each series style is drawn; dash pattern and marker differ so greyscale prints stay legible.
SERIES_STYLES: dict[str, _Style] = {
    "primary": _Style(None, 2.2, None, "circle", 0.14),
    "target": _Style(TARGET_GREY, 1.6, "6 4", "square", 0.0),
    "previous": _Style(PREVIOUS_GREY, 1.6, "1.5 3", "triangle", 0.0),
    "muted": _Style(MUTED_GREY, 1.0, None, None, 0.0),
    # One of several lines told apart by colour (Series.colour) and named in the legend.
    "series": _Style(None, 1.5, None, None, 0.0),
}
#: Colour-blind-safe line colours (Okabe-Ito), for charts with one line per dimension.
SERIES_PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7f7f7f", "#000000")
# Paint order: lighter, secondary series first so the primary series sits on top.
_DRAW_ORDER = {"muted": 0, "series": 1, "previous": 1, "target": 2, "primary": 3}


@dataclass(frozen=True)
class Series:
    """One named row of values; ``None`` marks a missing value."""

    name: str
    values: Sequence[float | None]
    style: str = "primary"  #: one of SERIES_STYLES
    colour: str | None = None  #: #rrggbb; overrides the style's colour (the "series" style)

    def __post_init__(self) -> None:
        if self.style not in SERIES_STYLES:
            raise ValueError(f"unknown series style {self.style!r}; use one of {sorted(SERIES_STYLES)}")
        if self.colour is not None and not _ACCENT_RE.match(self.colour):
            raise ValueError(f"not a #rgb/#rrggbb colour: {self.colour!r}")
        # A tuple keeps the dataclass hashable and the values immune to later mutation.
        object.__setattr__(self, "values", tuple(self.values))


# --------------------------------------------------------------------------- helpers


def _n(x: float) -> str:
    """Format a coordinate with at most one decimal, without trailing zeros."""
    s = f"{x:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _v(x: float) -> str:
    """Format a data value for display with at most two decimals (rounded half up, "2,5" in sv)."""
    s = fmt_number(x, 2, "en").rstrip("0").rstrip(".")
    return localize_digits("0" if s == "-0" else s)


def _v1(x: float, digits: int = 1) -> str:
    """Format a data value for display with ``digits`` decimals at most (rounded half up)."""
    s = fmt_number(x, digits, "en")
    return localize_digits(s[:-2] if s.endswith(".0") else s)


def _clean(value: object) -> float | None:
    """Return a finite float, or None for missing, non-numeric or non-finite values."""
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, (str, bytes, bytearray, SupportsFloat, SupportsIndex)):
        return None  # not something float() takes
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _bounds(lo: object, hi: object, default_lo: float, default_hi: float) -> tuple[float, float]:
    """Return a usable (low, high) range even when the caller passes nonsense."""
    a = _clean(lo)
    b = _clean(hi)
    # Absurd magnitudes would lose the +1 below to float precision; no score scale needs them.
    a = default_lo if a is None else _clamp(a, -1e9, 1e9)
    b = default_hi if b is None else _clamp(b, -1e9, 1e9)
    if b <= a:
        b = a + 1
    return a, b


def _accent(accent: object) -> str:
    """Return the accent colour if it is a #rgb/#rrggbb hex, else the default."""
    if isinstance(accent, str) and _ACCENT_RE.match(accent):
        return accent.lower()
    return DEFAULT_ACCENT


def _text(value: object) -> str:
    """Escape a user-provided string for SVG, dropping characters XML cannot carry."""
    return str(escape(_XML_INVALID_RE.sub("", str(value))))


_NARROW = set("iljtfrI.,:;'|!()[] ")
_WIDE = set("MWmw@%&")


def _text_width(s: str, font_size: float) -> float:
    """Estimate rendered width of ``s`` in DejaVu Sans (a wide font) at ``font_size``."""
    w = 0.0
    for ch in s:
        if ch in _NARROW:
            w += 0.34
        elif ch in _WIDE:
            w += 0.9
        elif ch.isupper() or ch.isdigit():
            w += 0.68
        else:
            w += 0.6
    return w * font_size


def _ellipsize(s: str, max_chars: int) -> str:
    return s if len(s) <= max_chars else s[: max(1, max_chars - 1)].rstrip() + "\u2026"


def _wrap(label: str, max_chars: int, max_lines: int = 2) -> list[str]:
    """Greedily wrap ``label`` on spaces into at most ``max_lines`` lines of ``max_chars``."""
    words = " ".join(str(label).split()).split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= max_chars or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])]
        lines[-1] = _ellipsize(lines[-1], max_chars) if len(lines[-1]) > max_chars else lines[-1]
    return [_ellipsize(line, max_chars) for line in lines if line] or [""]


def language_of(label: object) -> str | None:
    """Return the language a label says it is in, else None (the chart's, i.e. the page's).

    Framework text shown in English because its translation is missing is a ``SourceText``
    (:mod:`cxgov.framework.model`), which carries ``lang``; its ``<text>`` gets that language.
    """
    lang = getattr(label, "lang", None)
    return lang if isinstance(lang, str) and not isinstance(label, Markup) else None


def _label(
    x: float,
    y: float,
    s: str,
    *,
    size: float = 11,
    fill: str = INK,
    anchor: str = "middle",
    weight: str | None = None,
    lang: str | None = None,
) -> str:
    """Return one <text> element with its baseline at ``y``; ``lang`` when it differs from the page's.

    Both ``xml:lang`` (SVG 1.1, standalone SVG) and ``lang`` (SVG 2, inline in HTML) are
    written, so screen readers and the PDF read an English label in a Swedish report as English.
    """
    extra = f' font-weight="{weight}"' if weight else ""
    if lang:
        extra += f' xml:lang="{_text(lang)}" lang="{_text(lang)}"'
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT_FAMILY}" font-size="{_n(size)}"'
        f' fill="{fill}" text-anchor="{anchor}"{extra}>{_text(s)}</text>'
    )


#: Advance widths (em) of the characters a level is printed with, in DejaVu Sans, the first
#: font of every chart: digits are tabular, so a number's width is known exactly.
_NUMBER_ADVANCE = {**dict.fromkeys("0123456789", 0.6362), ".": 0.3179, ",": 0.3179, "\u2013": 0.5}


def _centred_number(x: float, y: float, s: str, *, size: float, fill: str) -> str:
    """Return a number centred on ``x`` as a start-anchored <text>, or a middle-anchored one.

    WeasyPrint draws every middle-anchored text into a group of its own to measure it; the
    heatmap prints some two hundred numbers, whose width in DejaVu Sans is known here.
    """
    if s and all(ch in _NUMBER_ADVANCE for ch in s):
        width = sum(_NUMBER_ADVANCE[ch] for ch in s) * size
        return _label(x - width / 2, y, s, size=size, fill=fill, anchor="start")
    return _label(x, y, s, size=size, fill=fill)


def _series_summary(labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str]) -> str:
    """Return the numbers a chart draws as one sentence per series: the chart's text equivalent.

    It becomes the SVG's <title> and aria-label, so a screen reader on the page and the tagged
    PDF's alternate text (WeasyPrint reads it from <title>) both carry the values, not just the
    chart's name (WCAG 1.1.1).
    """
    parts = []
    for s in series:
        values = _fitted(s.values, len(labels))
        shown = ", ".join(f"{label} {fmt(v) if v is not None else '–'}" for label, v in zip(labels, values))
        parts.append(f"{s.name}: {shown}")
    return ". ".join(parts) + "." if parts else ""


def _svg(width: float, height: float, title: str, body: Iterable[str]) -> Markup:
    """Wrap chart parts in an accessible <svg> root with explicit size and viewBox."""
    t = _text(title)
    head = (
        f'<svg xmlns="{SVG_NS}" width="{_n(width)}" height="{_n(height)}"'
        f' viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="{t}"'
        f' font-family="{FONT_FAMILY}">'
        f"<title>{t}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _no_data(width: float, height: float, title: str) -> Markup:
    return _svg(
        width,
        height,
        title,
        [
            f'<rect x="0.5" y="0.5" width="{_n(width - 1)}" height="{_n(height - 1)}" fill="none"'
            f' stroke="{GRID}" stroke-dasharray="4 3"/>',
            _label(width / 2, height / 2 + 4, gettext("No data"), size=11, fill=SUBTLE),
        ],
    )


def _stroke_attrs(style: _Style, colour: str) -> str:
    dash = f' stroke-dasharray="{style.dasharray}"' if style.dasharray else ""
    cap = ' stroke-linecap="round"' if style.dasharray and style.dasharray.startswith("1.5") else ""
    return f'stroke="{colour}" stroke-width="{_n(style.width)}"{dash}{cap} stroke-linejoin="round"'


def _marker(kind: str | None, x: float, y: float, colour: str, scale: float = 1.0) -> str:
    """Return a marker shape; shapes differ per style so series survive greyscale printing."""
    if kind == "circle":
        return (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(3.6 * scale)}" fill="{colour}"'
            f' stroke="#ffffff" stroke-width="1"/>'
        )
    if kind == "square":
        s = 3.2 * scale
        return (
            f'<rect x="{_n(x - s)}" y="{_n(y - s)}" width="{_n(2 * s)}" height="{_n(2 * s)}"'
            f' fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
        )
    if kind == "triangle":
        s = 4.2 * scale
        pts = [(x, y - s), (x + s * 0.9, y + s * 0.65), (x - s * 0.9, y + s * 0.65)]
        return f'<polygon points="{_points(pts)}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
    return ""


def _points(pts: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)


def _colour(style: _Style, accent: str, series: "Series | None" = None) -> str:
    return (series.colour if series is not None and series.colour else None) or style.colour or accent


def _legend_layout(names: Sequence[str], width: float, font_size: float = 10.5) -> tuple[list[tuple[float, int]], int]:
    """Place legend entries left to right, wrapping rows; return [(x, row)] and the row count."""
    sample, gap_after_sample, gap_between = 26, 6, 18
    entries = [sample + gap_after_sample + _text_width(_ellipsize(n, 40), font_size) for n in names]
    rows: list[list[float]] = [[]]
    row_widths = [0.0]
    for w in entries:
        needed = w if not rows[-1] else row_widths[-1] + gap_between + w
        if rows[-1] and needed > width - 16:
            rows.append([w])
            row_widths.append(w)
        else:
            rows[-1].append(w)
            row_widths[-1] = needed
    placed: list[tuple[float, int]] = []
    for r, (row, total) in enumerate(zip(rows, row_widths)):
        x = (width - total) / 2  # centred rows look calmer under a chart
        for w in row:
            placed.append((x, r))
            x += w + gap_between
    return placed, len(rows)


_LEGEND_ROW = 18


def _legend(series: Sequence[Series], width: float, top: float, accent: str) -> tuple[list[str], float]:
    """Return legend elements and their height; one sample line + marker + name per series."""
    if not series:
        return [], 0.0
    placed, rows = _legend_layout([s.name for s in series], width)
    parts: list[str] = []
    for s, (x, r) in zip(series, placed):
        style = SERIES_STYLES[s.style]
        colour = _colour(style, accent, s)
        y = top + r * _LEGEND_ROW + 9
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 26)}" y2="{_n(y)}" fill="none"'
            f" {_stroke_attrs(style, colour)}/>"
        )
        parts.append(_marker(style.marker, x + 13, y, colour))
        parts.append(
            _label(x + 32, y + 3.8, _ellipsize(s.name, 40), size=10.5, anchor="start", lang=language_of(s.name))
        )
    return parts, rows * _LEGEND_ROW + 4


def _nice_step(span: float, target_ticks: int = 5) -> float:
    """Return a 1/2/2.5/5 x 10^k step giving roughly ``target_ticks`` intervals over ``span``."""
    raw = span / max(1, target_ticks)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _ticks(lo: float, hi: float, target_ticks: int = 5) -> list[float]:
    step = _nice_step(hi - lo, target_ticks)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    k = 0
    while first + k * step <= hi + step * 1e-9 and k < 50:
        ticks.append(round(first + k * step, 10))
        k += 1
    return ticks


def _fitted(values: Sequence[object], n: int) -> list[float | None]:
    """Return exactly ``n`` cleaned values: extra values dropped, missing ones None."""
    vals = [_clean(v) for v in list(values)[:n]]
    return vals + [None] * (n - len(vals))


# --------------------------------------------------------------------------- radar


def radar_chart(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    max_value: float = 5,
    min_value: float = 0,
    rings: Sequence[float] = (1, 2, 3, 4, 5),
    size: int = 420,
    accent: str = DEFAULT_ACCENT,
    title: str = "",
) -> Markup:
    """Draw a radar (spider) chart: one spoke per axis, one polygon per series, legend below."""
    accent = _accent(accent)
    title = title or gettext("Radar chart")
    lo, hi = _bounds(min_value, max_value, 0, 5)
    width = max(160.0, float(_clean(size) or 420))
    labels = [str(a) for a in axes]
    label_langs = [language_of(a) for a in axes]
    n = len(labels)
    if n == 0:
        return _no_data(width, width * 0.6, title)

    pad, gap, font, line_h = 4.0, 9.0, 11.0, 13.0
    angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]
    dirs = [(math.cos(a), math.sin(a)) for a in angles]
    half = width / 2
    # Long one-word labels (Nordic compounds) may shrink the web this far rather than be cut.
    r_min = width * 0.18
    r_max = half - pad - gap - 2 * line_h

    # Try several wrap widths and keep the one giving the largest web whose labels neither
    # get cut short nor bump into each other; long labels get ellipsized only as a last resort.
    def layout(max_chars: int, max_lines: int) -> tuple[tuple[bool, int, float], float, list[list[str]]]:
        wrapped = [_wrap(lbl, max_chars, max_lines) for lbl in labels]
        # Characters lost to ellipsis: Nordic compounds (Medarbetarupplevelse) cannot always be
        # kept whole, so the layout that cuts least wins over the one with the largest web.
        truncated = sum(
            len(lbl) - sum(len(line.rstrip("\u2026")) for line in lines) + len(lines) - 1
            for lbl, lines in zip(labels, wrapped)
            if any("\u2026" in line for line in lines) and "\u2026" not in lbl
        )
        r = r_max
        boxes = []
        for (dx, dy), lines in zip(dirs, wrapped):
            w = max(_text_width(line, font) for line in lines)
            h = len(lines) * line_h
            if abs(dx) > 1e-6:
                r = min(r, (half - pad - w / 2 - abs(dx) * w / 2) / abs(dx) - gap)
            if abs(dy) > 1e-6:
                # Vertical room is flexible (the SVG grows), but keep labels from drifting far.
                r = min(r, (half - pad - h / 2 - abs(dy) * h / 2) / abs(dy) - gap + 40)
            boxes.append((dx, dy, w, h))
        r = max(r, r_min)
        rects = []
        for dx, dy, w, h in boxes:
            bx = dx * (r + gap) + dx * w / 2
            by = dy * (r + gap) + dy * h / 2
            rects.append((bx - w / 2, by - h / 2, bx + w / 2, by + h / 2))
        clash = any(
            a[0] < b[2] + 4 and b[0] < a[2] + 4 and a[1] < b[3] and b[1] < a[3]
            for k, a in enumerate(rects)
            for b in rects[k + 1 :]
        ) or any(x0 < -half + pad - 0.5 or x1 > half - pad + 0.5 for x0, _, x1, _ in rects)
        return (not clash, -truncated, r), r, wrapped

    candidates = [
        (18, 2),
        (16, 2),
        (14, 2),
        (12, 2),
        (10, 2),
        (14, 3),
        (12, 3),
        (10, 3),
        (8, 3),
        (20, 2),
        (22, 2),
        (20, 3),
    ]
    best = max((layout(c, k) for c, k in candidates), key=lambda item: item[0])
    _, r, wrapped = best

    def point(i: int, value: float) -> tuple[float, float]:
        frac = (_clamp(value, lo, hi) - lo) / (hi - lo)
        dx, dy = dirs[i]
        return dx * r * frac, dy * r * frac  # relative to the centre

    # Lay out axis labels relative to the centre, then size the SVG to what was drawn.
    label_parts: list[tuple[float, float, list[str]]] = []
    top, bottom = -r, r
    for (dx, dy), lines in zip(dirs, wrapped):
        w = max(_text_width(line, font) for line in lines)
        h = len(lines) * line_h
        # Anchor the label block's centre so its nearest edge sits just outside the ring.
        cx_rel = dx * (r + gap) + dx * w / 2
        cy_rel = dy * (r + gap) + dy * h / 2
        y0 = cy_rel - h / 2
        top = min(top, y0)
        bottom = max(bottom, y0 + h)
        label_parts.append((cx_rel, y0, lines))

    cx = half
    cy = pad - top
    chart_h = bottom - top + 2 * pad
    parts: list[str] = []

    # Web: rings as polygons, then spokes.
    ring_values = [v for v in (_clean(x) for x in rings) if v is not None and lo < v <= hi]
    ring_values = sorted(set(ring_values))
    if not ring_values or ring_values[-1] != hi:
        ring_values.append(hi)
    for v in ring_values:
        pts = [(cx + x, cy + y) for x, y in (point(i, v) for i in range(n))]
        outer = v == hi
        parts.append(
            f'<polygon points="{_points(pts)}" fill="{"#fafbfc" if outer else "none"}"'
            f' stroke="{"#c3c9d0" if outer else GRID}" stroke-width="1"/>'
        )
    # Put the outer fill underneath the inner rings.
    parts.insert(0, parts.pop())
    for dx, dy in dirs:
        parts.append(
            f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(cx + dx * r)}" y2="{_n(cy + dy * r)}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )

    # Series, secondary ones first.
    ordered = sorted(series, key=lambda s: _DRAW_ORDER[s.style])
    for s in ordered:
        style = SERIES_STYLES[s.style]
        colour = _colour(style, accent)
        vals = _fitted(s.values, n)
        pts = [(cx + x, cy + y) for x, y in (point(i, lo if v is None else v) for i, v in enumerate(vals))]
        fill = f'fill="{colour}" fill-opacity="{style.fill_opacity:g}"' if style.fill_opacity else 'fill="none"'
        parts.append(f'<polygon points="{_points(pts)}" {fill} {_stroke_attrs(style, colour)}/>')
        for (x, y), value in zip(pts, vals):
            if value is not None:  # no marker for a missing value: the dip to the centre says enough
                parts.append(_marker(style.marker, x, y, colour))

    # Ring labels sit just left of the top spoke, level with each ring, clear of the markers
    # that sit on the spoke itself; drawn after the data so they stay legible.
    for v in ring_values:
        _, y = point(0, v)
        parts.append(_label(cx - 5, cy + y + 3, _v(v), size=8.5, fill=SUBTLE, anchor="end"))

    for (x_rel, y0, lines), lang in zip(label_parts, label_langs):
        for k, line in enumerate(lines):
            parts.append(_label(cx + x_rel, cy + y0 + (k + 1) * line_h - 3, line, size=font, lang=lang))

    height = chart_h
    if len(series) > 1:
        legend, legend_h = _legend(series, width, chart_h + 6, accent)
        parts.extend(legend)
        height += 6 + legend_h
    title = f"{title}. {_series_summary(labels, series, _v1)}"
    return _svg(width, height, title, parts)


# --------------------------------------------------------------------------- trend


def trend_chart(
    periods: Sequence[str],
    series: Sequence[Series],
    *,
    y_min: float = 0,
    y_max: float = 100,
    width: int = 640,
    height: int = 260,
    accent: str = DEFAULT_ACCENT,
    title: str = "",
    y_label: str = "",
    value_digits: int = 1,
    marks: Sequence[tuple[str, str]] = (),
) -> Markup:
    """Draw a line chart over periods; None breaks a line, muted lines are labelled at their end.

    ``marks`` are (period, label) pairs: a dashed vertical line just before the period, with
    the label beside it at the top (a framework version change, say). A mark on the first
    period or on a period not in the chart is left out.
    """
    accent = _accent(accent)
    title = title or gettext("Trend chart")
    lo, hi = _bounds(y_min, y_max, 0, 100)
    width_f = max(200.0, float(_clean(width) or 640))
    height_f = max(120.0, float(_clean(height) or 260))
    labels = [str(p) for p in periods]
    n = len(labels)
    if n == 0:
        return _no_data(width_f, height_f, title)

    muted = [s for s in series if s.style == "muted"]
    keyed = [s for s in series if s.style != "muted"]
    tick_vals = _ticks(lo, hi)
    tick_font, x_font, end_font = 9.5, 10.0, 9.0

    left = 10 + max(_text_width(_v(t), tick_font) for t in tick_vals) if tick_vals else 30
    end_names = [_ellipsize(" ".join(s.name.split()), 22) for s in muted]
    right = 14 + (max(_text_width(x, end_font) for x in end_names) + 6 if end_names else 0)
    right = min(right, width_f * 0.3)
    top = 12 + (14 if y_label else 0)
    legend_items = keyed if len(series) > 1 else []
    _, legend_rows = _legend_layout([s.name for s in legend_items], width_f) if legend_items else ([], 0)
    legend_h = legend_rows * _LEGEND_ROW + 4 if legend_items else 0
    bottom = 22 + (legend_h + 6 if legend_items else 0)
    plot_w = width_f - left - right
    plot_h = max(40.0, height_f - top - bottom)
    height_f = top + plot_h + bottom

    # Points run nearly edge to edge; a single period sits in the middle.
    inset = min(plot_w / (2 * n), 22.0)
    band = (plot_w - 2 * inset) / (n - 1) if n > 1 else plot_w

    def px(i: int) -> float:
        return left + inset + i * band if n > 1 else left + plot_w / 2

    def py(v: float) -> float:
        return top + plot_h - (_clamp(v, lo, hi) - lo) / (hi - lo) * plot_h

    parts: list[str] = []
    if y_label:
        parts.append(_label(left - 6, top - 10, _ellipsize(y_label, 60), size=9.5, fill=SUBTLE, anchor="start"))
    for t in tick_vals:
        y = py(t)
        base = t == tick_vals[0] and t == lo
        parts.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" y2="{_n(y)}"'
            f' stroke="{"#b9c0c7" if base else GRID}" stroke-width="1"/>'
        )
        parts.append(_label(left - 6, y + 3.4, _v(t), size=tick_font, fill=SUBTLE, anchor="end"))

    # Thin x labels so they never collide, always keeping the most recent period.
    max_w = max(_text_width(lbl, x_font) for lbl in labels)
    step = max(1, math.ceil((max_w + 10) / band), math.ceil(n / 12))
    x_base = top + plot_h
    for i, lbl in enumerate(labels):
        if (n - 1 - i) % step:
            continue
        x = px(i)
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(x_base)}" x2="{_n(x)}" y2="{_n(x_base + 4)}"'
            f' stroke="#b9c0c7" stroke-width="1"/>'
        )
        max_chars = max(3, int(band * step / (x_font * 0.62)))
        parts.append(_label(x, x_base + 15, _ellipsize(lbl, max_chars), size=x_font, fill=SUBTLE))

    # Marks go under the lines: a change of version is context, not data.
    mark_summary = []
    for period, text in marks:
        if str(period) not in labels[1:]:
            continue
        i = labels.index(str(period))
        x = px(i) - band / 2
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(x_base)}"'
            f' stroke="{TARGET_GREY}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
        label = _ellipsize(" ".join(str(text).split()), 24)
        w = _text_width(label, 9.5)
        # Beside the line, on the side with room; a white plate keeps it legible over gridlines.
        anchor, lx = ("start", x + 4) if x + 4 + w <= left + plot_w else ("end", x - 4)
        plate_x = lx if anchor == "start" else lx - w
        parts.append(
            f'<rect x="{_n(plate_x - 2)}" y="{_n(top + 1)}" width="{_n(w + 4)}" height="13"'
            f' fill="#ffffff" fill-opacity="0.85"/>'
        )
        parts.append(_label(lx, top + 11, label, size=9.5, fill=INK, anchor=anchor))
        mark_summary.append(f"{period}: {label}")

    any_value = False
    end_labels: list[tuple[float, str]] = []
    for s in sorted(series, key=lambda s: _DRAW_ORDER[s.style]):
        style = SERIES_STYLES[s.style]
        colour = _colour(style, accent, s)
        vals = _fitted(s.values, n)
        runs: list[list[tuple[float, float]]] = []
        current: list[tuple[float, float]] = []
        for i, v in enumerate(vals):
            if v is None:
                if current:
                    runs.append(current)
                current = []
            else:
                current.append((px(i), py(v)))
        if current:
            runs.append(current)
        any_value = any_value or bool(runs)
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{_points(run)}" fill="none" {_stroke_attrs(style, colour)}/>')
            elif not style.marker:
                # An isolated value of an unmarked line would otherwise be invisible.
                x, y = run[0]
                parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="1.8" fill="{colour}"/>')
        for run in runs:
            for x, y in run:
                parts.append(_marker(style.marker, x, y, colour, scale=0.9 if n > 12 else 1.0))
        if s.style == "muted" and runs:
            end_labels.append((runs[-1][-1][1], _ellipsize(" ".join(s.name.split()), 22)))

    # Muted lines are labelled directly at the right edge; push labels apart so none overlap.
    if end_labels:
        end_labels.sort(key=lambda e: e[0])
        ys = [y for y, _ in end_labels]
        spacing = 10.5
        for k in range(1, len(ys)):
            ys[k] = max(ys[k], ys[k - 1] + spacing)
        overflow = ys[-1] - (top + plot_h)
        if overflow > 0:
            ys[-1] -= overflow
            for k in range(len(ys) - 2, -1, -1):
                ys[k] = min(ys[k], ys[k + 1] - spacing)
        for y, (_, name) in zip(ys, end_labels):
            parts.append(_label(left + plot_w + 4, y + 3.2, name, size=end_font, fill=SUBTLE, anchor="start"))

    # Value label at the last point of the first primary series.
    primary = next((s for s in series if s.style == "primary"), None)
    if primary is not None:
        vals = _fitted(primary.values, n)
        last = max((i for i, v in enumerate(vals) if v is not None), default=None)
        if last is not None:
            v = vals[last]
            assert v is not None
            x, y = px(last), py(v)
            text = _v1(v, value_digits)
            w = _text_width(text, 11)
            ly = y - 9 if y - 9 - 11 >= top - 10 else y + 18
            anchor = "middle"
            if x + w / 2 > left + plot_w + right - 2:
                anchor, x = "end", x + 4
            # A white plate keeps the number legible where it crosses a gridline or target.
            plate_x = x - w / 2 if anchor == "middle" else x - w
            parts.append(
                f'<rect x="{_n(plate_x - 2)}" y="{_n(ly - 10)}" width="{_n(w + 4)}" height="13"'
                f' fill="#ffffff" fill-opacity="0.85"/>'
            )
            parts.append(_label(x, ly, text, size=11, fill=accent, anchor=anchor, weight="bold"))

    if not any_value:
        parts.append(_label(left + plot_w / 2, top + plot_h / 2 + 4, gettext("No data"), size=11, fill=SUBTLE))

    if legend_items:
        legend, _ = _legend(legend_items, width_f, height_f - legend_h - 2, accent)
        parts.extend(legend)
    # The text alternative reads the values at the precision the chart prints them.
    title = f"{title}. {_series_summary([str(p) for p in periods], series, lambda v: _v1(v, value_digits))}"
    if mark_summary:
        title = f"{title} {'. '.join(mark_summary)}."
    return _svg(width_f, height_f, title, parts)


# --------------------------------------------------------------------------- bars


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    targets: Sequence[float | None] | None = None,
    max_value: float = 5,
    width: int = 640,
    bar_height: int = 18,
    accent: str = DEFAULT_ACCENT,
    title: str = "",
    value_digits: int = 1,
) -> Markup:
    """Draw horizontal bars with the label on the left, the value at the end, targets as ticks.

    Values print with ``value_digits`` decimals, rounded half up like every other figure.
    """
    accent = _accent(accent)
    title = title or gettext("Bar chart")
    _, hi = _bounds(0, max_value, 0, 5)
    width_f = max(200.0, float(_clean(width) or 640))
    bh = _clamp(float(_clean(bar_height) or 18), 6, 60)
    names = [" ".join(str(x).split()) for x in labels]
    n = len(names)
    if n == 0:
        return _no_data(width_f, 60, title)
    vals = _fitted(values, n)
    tgts = _fitted(targets, n) if targets is not None else [None] * n
    has_targets = any(t is not None for t in tgts)

    def fmt(v: float | None) -> str:
        return "n/a" if v is None else fmt_number(v, value_digits)

    font = 11.0 if bh >= 14 else 9.5
    max_chars = max(6, int(width_f * 0.36 / (font * 0.62)))
    shown = [_ellipsize(name, max_chars) for name in names]
    # The width estimate runs a few per cent short on long labels; the margin keeps them uncut.
    label_w = min(max(_text_width(s, font) for s in shown) * 1.08 + 12, width_f * 0.4)
    value_w = max(_text_width(fmt(v), 10.5) for v in vals) + 10
    left = label_w
    plot_w = width_f - left - value_w - 6
    row = bh + 10
    top = 6.0

    def bx(v: float) -> float:
        return left + _clamp(v, 0, hi) / hi * plot_w

    parts: list[str] = []
    ticks = _ticks(0, hi, 5)
    plot_bottom = top + n * row
    for t in ticks:
        x = bx(t)
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(top - 2)}" x2="{_n(x)}" y2="{_n(plot_bottom)}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_label(x, plot_bottom + 12, _v(t), size=9, fill=SUBTLE))

    for i, (name, v, target, label) in enumerate(zip(shown, vals, tgts, labels)):
        y = top + i * row + 5
        mid = y + bh / 2
        parts.append(_label(left - 10, mid + font * 0.36, name, size=font, anchor="end", lang=language_of(label)))
        parts.append(f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(plot_w)}" height="{_n(bh)}" fill="{TRACK}"/>')
        end = left
        if v is not None and v > 0:
            end = bx(v)
            parts.append(
                f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(end - left)}" height="{_n(bh)}" fill="{accent}"/>'
            )
        tx = None
        if target is not None:
            tx = bx(target)
            parts.append(
                f'<line x1="{_n(tx)}" y1="{_n(y - 3)}" x2="{_n(tx)}" y2="{_n(y + bh + 3)}"'
                f' stroke="{TARGET_GREY}" stroke-width="2.5"/>'
            )
        text = fmt(v)
        tw = _text_width(text, 10.5)
        vx = end + 5
        # Step over a target tick that would otherwise cut through the value.
        if tx is not None and end - 2 <= tx <= vx + tw + 2:
            vx = tx + 5
        weight = "bold" if v is not None else None
        parts.append(
            _label(vx, mid + 3.8, text, size=10.5, fill=INK if v is not None else SUBTLE, anchor="start", weight=weight)
        )

    height = plot_bottom + 18
    if has_targets:
        # A two-entry key: the bar swatch and the target tick.
        ly = height + 6
        score_word, target_word = gettext("Score"), gettext("Target")
        score_w = _text_width(score_word, 10)
        total = 14 + 5 + score_w + 18 + 10 + 5 + _text_width(target_word, 10)
        x = (width_f - total) / 2
        parts.append(f'<rect x="{_n(x)}" y="{_n(ly)}" width="14" height="9" fill="{accent}"/>')
        parts.append(_label(x + 19, ly + 8.5, score_word, size=10, anchor="start"))
        x2 = x + 19 + score_w + 18
        parts.append(
            f'<line x1="{_n(x2 + 4)}" y1="{_n(ly - 2)}" x2="{_n(x2 + 4)}" y2="{_n(ly + 11)}"'
            f' stroke="{TARGET_GREY}" stroke-width="2.5"/>'
        )
        parts.append(_label(x2 + 13, ly + 8.5, target_word, size=10, anchor="start"))
        height = ly + 18
    summary = ", ".join(f"{name} {fmt(v)}" for name, v in zip(names, vals))
    title = f"{title}. {summary}."
    return _svg(width_f, height, title, parts)


# --------------------------------------------------------------------------- distribution


def level_distribution(
    counts: Mapping[int, int],
    *,
    width: int = 220,
    height: int = 60,
    accent: str = DEFAULT_ACCENT,
) -> Markup:
    """Draw a tiny column chart of how many answers fell on each level 1..5."""
    accent = _accent(accent)
    width_f = max(100.0, float(_clean(width) or 220))
    height_f = max(40.0, float(_clean(height) or 60))
    levels = (1, 2, 3, 4, 5)
    clean: dict[int, int] = {}
    for lvl in levels:
        c = _clean(counts.get(lvl, 0)) if counts else 0
        clean[lvl] = max(0, int(c or 0))
    summary = ", ".join(gettext("level %(level)d: %(count)d", level=lvl, count=clean[lvl]) for lvl in levels)
    title = gettext("Answers per level (%(summary)s)", summary=summary)
    top, bottom = 12.0, 13.0
    plot_h = height_f - top - bottom
    band = width_f / len(levels)
    bar_w = min(band * 0.62, 34)
    peak = max(clean.values()) or 1
    parts: list[str] = []
    base = top + plot_h
    parts.append(
        f'<line x1="2" y1="{_n(base)}" x2="{_n(width_f - 2)}" y2="{_n(base)}" stroke="#c3c9d0" stroke-width="1"/>'
    )
    for k, lvl in enumerate(levels):
        c = clean[lvl]
        cx = (k + 0.5) * band
        h = c / peak * plot_h
        if c > 0:
            parts.append(
                f'<rect x="{_n(cx - bar_w / 2)}" y="{_n(base - h)}" width="{_n(bar_w)}"'
                f' height="{_n(h)}" fill="{accent}"/>'
            )
        parts.append(_label(cx, base - h - 3, str(c), size=9, fill=INK if c else SUBTLE))
        # TRANSLATORS: the short axis label of maturity level 1..5 under a tiny column chart; the
        # language's own word where it fits (Niveau 1, Nivå 1), not a letter a reader must guess
        name = gettext("L%(level)d", level=lvl)
        # a label wider than its column would run into the next one: the number alone is still read
        fits = _text_width(name, 8.5) <= band - 4
        parts.append(_label(cx, base + 10.5, name if fits else str(lvl), size=8.5, fill=SUBTLE))
    return _svg(width_f, height_f, title, parts)


# --------------------------------------------------------------------------- gauge


def gauge(
    value: float | None,
    *,
    max_value: float = 100,
    width: int = 200,
    accent: str = DEFAULT_ACCENT,
    label: str = "",
    digits: int = 1,
) -> Markup:
    """Draw a semicircular meter from 0 to ``max_value`` with the number in the middle."""
    accent = _accent(accent)
    _, hi = _bounds(0, max_value, 0, 100)
    width_f = max(120.0, float(_clean(width) or 200))
    v = _clean(value)
    r_out = width_f / 2 - 6
    thickness = max(8.0, r_out * 0.2)
    r_in = r_out - thickness
    cx, cy = width_f / 2, r_out + 6

    def sector(frac_from: float, frac_to: float) -> str:
        # An annular sector as a polygon: renders the same everywhere, unlike arc flags.
        steps = max(2, int(abs(frac_to - frac_from) * 90))
        outer, inner = [], []
        for k in range(steps + 1):
            f = frac_from + (frac_to - frac_from) * k / steps
            a = math.pi * (1 - f)
            outer.append((cx + r_out * math.cos(a), cy - r_out * math.sin(a)))
            inner.append((cx + r_in * math.cos(a), cy - r_in * math.sin(a)))
        return _points(outer + inner[::-1])

    parts = [f'<polygon points="{sector(0, 1)}" fill="{TRACK}"/>']
    if v is not None:
        frac = _clamp(v, 0, hi) / hi
        if frac > 0:
            parts.append(f'<polygon points="{sector(0, frac)}" fill="{accent}"/>')
    # Thin white separators at each fifth mark the five maturity bands.
    for k in range(1, 5):
        a = math.pi * (1 - k / 5)
        parts.append(
            f'<line x1="{_n(cx + (r_in - 1) * math.cos(a))}" y1="{_n(cy - (r_in - 1) * math.sin(a))}"'
            f' x2="{_n(cx + (r_out + 1) * math.cos(a))}" y2="{_n(cy - (r_out + 1) * math.sin(a))}"'
            f' stroke="#ffffff" stroke-width="1.5"/>'
        )
    number = _v1(v, digits) if v is not None else "n/a"
    big = max(14.0, r_in * 0.4)
    parts.append(_label(cx, cy - 4, number, size=big, fill=INK if v is not None else SUBTLE, weight="bold"))
    parts.append(_label(cx - r_out + thickness / 2, cy + 13, "0", size=9, fill=SUBTLE))
    parts.append(_label(cx + r_out - thickness / 2, cy + 13, _v(hi), size=9, fill=SUBTLE))
    height = cy + 18
    if label:
        parts.append(_label(cx, cy + 16, _ellipsize(" ".join(str(label).split()), 30), size=10.5, fill=SUBTLE))
        height = cy + 22
    shown = f"{label}: {number}" if label else number
    return _svg(width_f, height, f"{shown} of {_v(hi)}", parts)


# --------------------------------------------------------------------------- heatmap

#: Cell shades for levels 1..5 (light orange for low to blue for high); the number is always printed.
HEAT_SHADES = ("#fbe3d6", "#fdf0e3", "#eef2f6", "#d5e6f3", "#a9cbe6")


def heatmap(
    rows: Sequence[tuple[str, str, Sequence[float | None]]],
    columns: Sequence[str],
    *,
    width: int = 660,
    row_height: float = 15.5,
    title: str = "",
) -> Markup:
    """Draw a table of levels (rows x columns) as one picture: id, title, then a shaded cell per column.

    A column name may have a second line after a newline (e.g. the sample size).

    One SVG instead of an HTML table: a PDF lays out one box instead of hundreds. Every cell
    prints its level, so the shade never carries meaning alone.
    """
    title = title or gettext("Heatmap")
    width_f = float(width)
    n_cols = max(1, len(columns))
    cell_w = min(84.0, width_f * 0.55 / n_cols)
    label_w = width_f - cell_w * n_cols
    head_h = 30.0
    height = head_h + row_height * len(rows) + 2
    parts: list[str] = []
    for j, name in enumerate(columns):
        x = label_w + cell_w * (j + 0.5)
        lines = [_ellipsize(part, max(6, int(cell_w / 5.2))) for part in str(name).split("\n")[:2]]
        for k, text in enumerate(lines):
            parts.append(_label(x, 12 + 11 * k, text, size=9, fill=SUBTLE))
    max_chars = max(10, int((label_w - 34) / 5.4))
    # The row rules are one path and the cells one path per shade: a PDF draws every SVG element
    # on its own, and a report's heatmap had about 240 lines and rectangles.
    rules: list[str] = []
    cells: dict[str, list[str]] = {}
    for i, (rid, name, values) in enumerate(rows):
        y = head_h + row_height * i
        rules.append(f"M0 {_n(y + row_height)}H{_n(width_f)}")
        parts.append(_label(0, y + row_height - 4.5, str(rid), size=9, fill=INK, anchor="start", weight="bold"))
        parts.append(
            _label(
                30,
                y + row_height - 4.5,
                _ellipsize(" ".join(str(name).split()), max_chars),
                size=9,
                fill=INK,
                anchor="start",
                lang=language_of(name),
            )
        )
        for j in range(n_cols):
            v = _clean(values[j]) if j < len(values) else None
            x = label_w + cell_w * j
            if v is not None:
                shade = HEAT_SHADES[int(_clamp(math.floor(v + 0.5), 1, 5)) - 1]
                cells.setdefault(shade, []).append(
                    f"M{_n(x + 1)} {_n(y + 1)}h{_n(cell_w - 2)}v{_n(row_height - 2)}h{_n(2 - cell_w)}z"
                )
            parts.append(
                _centred_number(
                    x + cell_w / 2,
                    y + row_height - 4.5,
                    fmt_number(v, 1) if v is not None else "\u2013",
                    size=9,
                    fill=INK if v is not None else SUBTLE,
                )
            )
    backdrop = [f'<path d="{"".join(d)}" fill="{shade}"/>' for shade, d in cells.items()]
    if rules:
        backdrop.append(f'<path d="{"".join(rules)}" fill="none" stroke="{GRID}" stroke-width="0.6"/>')
    parts[:0] = backdrop
    return _svg(width_f, height, title, parts)
