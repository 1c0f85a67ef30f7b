"""The report's charts, drawn from its plain data; the cycle dashboard draws the same ones.

Each figure takes the plain structures of :mod:`cxgov.reports.context` (``RadarData``,
``TrendData``, ``Heatmap``), never a result or an ORM object, so the report page, the PDF,
the Word file and the cycle dashboard show one picture with one set of numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from cxgov import charts

from . import context as ctx
from .i18n import gettext

#: Below this spread of the dimension scores a radar is a regular polygon that says nothing.
RADAR_MIN_SPREAD = 0.3


@dataclass(frozen=True)
class ReportCharts:
    """The inline SVG charts of one report."""

    radar: Markup
    trend: Markup
    heatmap: Markup


def radar_scale(values: list[float]) -> tuple[float, float, tuple[float, ...]]:
    """Return (low, high, rings) for a radar scaled to the data: whole or half levels around it."""
    lo = max(0.0, math.floor(min(values) * 2) / 2 - 0.5)
    hi = min(5.0, math.ceil(max(values) * 2) / 2 + 0.5)
    if hi - lo < 1.5:
        lo = max(0.0, hi - 1.5)
    step = 0.5 if hi - lo <= 3 else 1.0
    rings = tuple(lo + step * k for k in range(1, int(round((hi - lo) / step)) + 1))
    return lo, hi, rings


def dimension_bars(radar: ctx.RadarData, accent: str) -> Markup:
    """Draw each dimension's score (1–5) as a bar with its target as a tick."""
    return charts.bar_chart(
        radar.axes,
        radar.current,
        targets=radar.target,
        max_value=5,
        width=560,
        accent=accent,
        title=gettext("Dimension scores against their targets"),
    )


def shows_radar(radar: ctx.RadarData) -> bool:
    """Return whether the scores differ enough for a radar to show a shape."""
    current = [v for v in radar.current if v is not None]
    return bool(current) and max(current) - min(current) >= RADAR_MIN_SPREAD


def dimension_profile(radar: ctx.RadarData, previous_period: str | None, accent: str) -> Markup:
    """Draw the dimension scores as a radar scaled to the data (current, target, previous).

    Where the scores lie so close that the radar would be a regular polygon, bars against
    their targets replace it.
    """
    if not shows_radar(radar):
        return dimension_bars(radar, accent)
    current = [v for v in radar.current if v is not None]
    everything = current + [v for v in (*radar.target, *(radar.previous or ())) if v is not None]
    series = [
        charts.Series(gettext("Current"), radar.current, "primary"),
        charts.Series(gettext("Target"), radar.target, "target"),
    ]
    if radar.previous is not None and previous_period:
        series.append(charts.Series(previous_period, radar.previous, "previous"))
    lo, hi, rings = radar_scale(everything)
    return charts.radar_chart(
        radar.axes,
        series,
        min_value=lo,
        max_value=hi,
        rings=rings,
        size=400,
        accent=accent,
        title=gettext("Dimension scores: current, target, previous"),
    )


def trend(data: ctx.TrendData, accent: str) -> Markup:
    """Draw the index and each dimension per quarter, each in its own labelled colour.

    A framework version change is a labelled mark ("Version 1.1") before its first quarter.
    """
    series = [charts.Series(gettext("Maturity index"), data.index, "primary")]
    series += [
        charts.Series(s.name, s.values, "series", colour=charts.SERIES_PALETTE[k % len(charts.SERIES_PALETTE)])
        for k, s in enumerate(data.dimensions)
    ]
    return charts.trend_chart(
        data.periods,
        series,
        y_min=0,
        y_max=100,
        width=660,
        height=250,
        accent=accent,
        value_digits=0,
        title=gettext("Maturity index and dimensions per quarter"),
        marks=version_marks(data.version_marks),
    )


def version_marks(marks: tuple[ctx.VersionMark, ...]) -> list[tuple[str, str]]:
    """Return the trend chart's (period, label) marks for framework version changes."""
    return [(m.period, gettext("Version %(version)s", version=m.version)) for m in marks]


def heatmap(c: ctx.ReportContext) -> Markup:
    """Draw the level of every practice per respondent group."""
    columns = [gettext("All") + "\n" + f"n = {c.summary.n_respondents}"] + [
        f"{g.label}\n" + (gettext("n = %(n)d, low", n=g.n) if g.low_sample else f"n = {g.n}") for g in c.heatmap.groups
    ]
    rows = [(row.id, row.title, (row.level, *row.levels)) for row in c.heatmap.rows]
    return charts.heatmap(rows, columns, title=gettext("Level per practice and respondent group"))


def build_charts(c: ctx.ReportContext) -> ReportCharts:
    """Draw the report's charts from the context, in the report's accent colour."""
    accent = c.cover.accent
    return ReportCharts(
        radar=dimension_profile(c.radar, c.summary.previous_period, accent),
        trend=trend(c.trend, accent),
        heatmap=heatmap(c),
    )
