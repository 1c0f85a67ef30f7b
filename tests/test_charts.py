"""Tests for the inline SVG charts shared by the HTML report and the PDF."""
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from flask_babel import force_locale
from markupsafe import Markup

from cxgov.charts import (
    DEFAULT_ACCENT,
    SERIES_STYLES,
    Series,
    bar_chart,
    gauge,
    level_distribution,
    radar_chart,
    trend_chart,
)

NS = "{http://www.w3.org/2000/svg}"
AXES = ["Customer Insight", "Journey Management", "Governance", "Culture", "Measurement", "Technology"]
PERIODS = [f"{y}-Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)][3:12]
EVIL = "<script>alert(1)</script> & Co"


def parse(svg: Markup) -> ET.Element:
    """Parse chart markup as XML, failing the test if it is not well formed."""
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def all_charts(**kw):
    """Build one of each chart from the same labels, for checks that apply to all of them."""
    label = kw.get("label", "Label")
    return {
        "radar": radar_chart([label, "B", "C"], [Series(label, [1, 2, 3]), Series("T", [2, 3, 4], "target")],
                             title=label, accent=kw.get("accent", DEFAULT_ACCENT)),
        "trend": trend_chart([label, "P2"], [Series(label, [10, 20]), Series("M", [5, 6], "muted")],
                             title=label, y_label=label, accent=kw.get("accent", DEFAULT_ACCENT)),
        "bar": bar_chart([label, "B"], [1, 2], targets=[2, None], title=label, accent=kw.get("accent", DEFAULT_ACCENT)),
        "dist": level_distribution({1: 1, 3: 4}, accent=kw.get("accent", DEFAULT_ACCENT)),
        "gauge": gauge(42, label=label, accent=kw.get("accent", DEFAULT_ACCENT)),
    }


@pytest.mark.parametrize("name", ["radar", "trend", "bar", "dist", "gauge"])
def test_every_chart_is_accessible_well_formed_svg(name):
    root = parse(all_charts()[name])
    assert root.tag == f"{NS}svg"
    for attr in ("width", "height", "viewBox", "aria-label", "role"):
        assert root.get(attr), attr
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root[0].tag == f"{NS}title" and root[0].text
    assert "DejaVu Sans" in root.get("font-family")


@pytest.mark.parametrize("name", ["radar", "trend", "bar", "gauge"])
def test_user_strings_are_escaped(name):
    svg = all_charts(label=EVIL)[name]
    raw = str(svg)
    assert "<script>" not in raw
    assert "&lt;script&gt;" in raw
    assert "& Co" not in raw and "&amp; Co" in raw
    root = parse(svg)
    assert not list(root.iter(f"{NS}script")) and not list(root.iter("script"))
    # The escaped label still reads correctly once parsed.
    assert any("alert(1)" in t for t in texts(root) + [root.get("aria-label")])


def test_only_the_allowed_svg_subset_is_used():
    allowed = {"svg", "title", "g", "line", "polyline", "polygon", "circle", "rect", "path", "text"}
    for name, svg in all_charts().items():
        tags = {el.tag.removeprefix(NS) for el in parse(svg).iter()}
        assert tags <= allowed, (name, tags - allowed)
        raw = str(svg)
        for banned in ("dominant-baseline", "class=", "<style", "filter", "foreignObject", "<script"):
            assert banned not in raw, (name, banned)


def test_output_is_deterministic():
    first = all_charts(label="Same")
    second = all_charts(label="Same")
    assert {k: str(v) for k, v in first.items()} == {k: str(v) for k, v in second.items()}


def test_numbers_have_at_most_two_decimals():
    svg = str(radar_chart(AXES, [Series("x", [1 / 3, 2 / 3, 1.23456, 4.9999, 0.1, 2])]))
    svg += str(trend_chart(PERIODS, [Series("x", [100 / 3 + i for i in range(9)])]))
    svg += str(gauge(100 / 7))
    assert not re.search(r"\d\.\d{3,}", svg)


def test_series_styles_differ_in_dash_pattern_and_marker():
    dashes = {SERIES_STYLES[s].dasharray for s in ("primary", "target", "previous")}
    markers = {SERIES_STYLES[s].marker for s in ("primary", "target", "previous")}
    assert len(dashes) == 3 and len(markers) == 3


def test_rendered_series_are_distinguishable_without_colour():
    svg = radar_chart(AXES, [Series("now", [3] * 6), Series("goal", [4] * 6, "target"),
                             Series("before", [2] * 6, "previous")])
    root = parse(svg)
    data_polys = [p for p in root.iter(f"{NS}polygon") if p.get("stroke-width") in {"2.2", "1.6"}]
    # One data polygon per series (legend samples are <line>s), each with its own dash pattern.
    assert len(data_polys) == 3
    assert len({p.get("stroke-dasharray") for p in data_polys}) == 3
    # Marker shapes: circles for primary, squares (rects) for target, triangles (polygons) for previous.
    assert len([c for c in root.iter(f"{NS}circle")]) >= 6
    legend = texts(root)
    assert {"now", "goal", "before"} <= set(legend)


def test_invalid_accent_falls_back_to_default():
    for bad in ("red", "#12345", "#zzzzzz", "#1f5f8b; fill:url(x)", "\"><script>", None):
        svg = str(bar_chart(["a"], [3], accent=bad))  # type: ignore[arg-type]
        assert DEFAULT_ACCENT in svg
        parse(Markup(svg))
    assert "#aa3300" in str(bar_chart(["a"], [3], accent="#AA3300"))
    assert DEFAULT_ACCENT not in str(bar_chart(["a"], [3], accent="#aa3300"))


def test_radar_handles_3_to_12_axes_and_fits_labels():
    for n in (3, 5, 12):
        axes = [f"Dimension number {i} with a long name" for i in range(n)]
        root = parse(radar_chart(axes, [Series("a", [3] * n)]))
        width = float(root.get("width"))
        assert len(list(root.iter(f"{NS}line"))) == n  # one spoke per axis
        for t in root.iter(f"{NS}text"):
            assert 0 <= float(t.get("x")) <= width
            assert 0 <= float(t.get("y")) <= float(root.get("height"))


def test_radar_keeps_long_nordic_compounds_whole_and_inside():
    """Swedish and Danish dimension titles were cut to 'Medarbe…' on the dashboard radar."""
    from cxgov.charts import _text_width

    for axes in (["Insikt och feedbackloopar", "Styrning och organisation", "Kundresor och kanaler",
                  "Servicelöfte och kultur", "Befogenheter och delegerade mandat", "Medarbetarupplevelse"],
                 ["Indsigt og feedback-loops", "Styring og organisation", "Kunderejser og kanaler",
                  "Serviceløfte og kultur", "Handlefrihed og uddelegerede mandater", "Medarbejderoplevelse"]):
        root = parse(radar_chart(axes, [Series("a", [3] * 6)], size=400))
        shown = texts(root)
        assert not any("\u2026" in t for t in shown), shown
        assert axes[-1] in shown
        width = float(root.get("width"))
        for t in root.iter(f"{NS}text"):
            if t.get("text-anchor", "middle") == "middle":
                half = _text_width("".join(t.itertext()), float(t.get("font-size", 11))) / 2
                assert float(t.get("x")) - half >= 0 and float(t.get("x")) + half <= width


def test_radar_missing_and_out_of_range_values():
    svg = radar_chart(["a", "b", "c"], [Series("s", [None, 99, -5])], max_value=5, size=400)
    root = parse(svg)
    polys = [p for p in root.iter(f"{NS}polygon") if p.get("stroke-width") == "2.2"]
    pts = [tuple(map(float, xy.split(","))) for xy in polys[0].get("points").split()]
    centre = pts[0]
    assert pts[2] == centre  # clamped to the minimum: drawn at the centre like None
    outer = max(abs(pts[1][0] - centre[0]), abs(pts[1][1] - centre[1]))
    assert outer <= 200
    # No marker for the missing value.
    assert len(list(root.iter(f"{NS}circle"))) == 2


def test_radar_without_axes_or_series():
    assert "No data" in str(radar_chart([], []))
    root = parse(radar_chart(AXES, []))
    assert not list(root.iter(f"{NS}circle"))


def test_trend_breaks_line_on_none_and_labels_last_primary_value():
    root = parse(trend_chart(PERIODS, [Series("idx", [10, 20, None, 40, 50, None, 70, 80, 90.25])]))
    polylines = list(root.iter(f"{NS}polyline"))
    assert len(polylines) == 3
    assert "90.2" in texts(root) or "90.3" in texts(root)


def test_trend_marks_a_period_with_a_labelled_line_and_says_so_in_its_title():
    periods = ["2026-Q1", "2026-Q2", "2026-Q3"]
    marks = [("2026-Q2", "Version 1.1"), ("2026-Q1", "first"), ("1999-Q1", "absent")]
    root = parse(trend_chart(periods, [Series("idx", [10, 20, 30])], marks=marks, title="T"))
    assert "Version 1.1" in texts(root)
    assert "first" not in texts(root) and "absent" not in texts(root)  # no line before the first point
    dashed = [line for line in root.iter(f"{NS}line") if line.get("stroke-dasharray") == "4 3"]
    assert len(dashed) == 1
    x = float(dashed[0].get("x1"))
    xs = [float(v.split(",")[0]) for v in root.find(f"{NS}polyline").get("points").split()]
    assert xs[0] < x < xs[1]  # between the last quarter before and the first one after
    assert root.find(f"{NS}title").text.endswith("2026-Q2: Version 1.1.")
    unmarked = parse(trend_chart(periods, [Series("idx", [10, 20, 30])], title="T"))
    assert not [line for line in unmarked.iter(f"{NS}line") if line.get("stroke-dasharray") == "4 3"]


def test_trend_single_period_and_all_none():
    root = parse(trend_chart(["2026-Q4"], [Series("idx", [55])]))
    assert len(list(root.iter(f"{NS}circle"))) == 1
    assert "55" in texts(root)
    root = parse(trend_chart(PERIODS, [Series("idx", [None] * 9)]))
    assert "No data" in texts(root)
    assert "No data" in str(trend_chart([], []))


def test_trend_thins_x_labels_but_keeps_the_latest():
    periods = [f"P{i:02d}" for i in range(20)]
    labels = texts(parse(trend_chart(periods, [Series("x", list(range(20)))])))
    shown = [t for t in labels if t.startswith("P")]
    assert 2 <= len(shown) <= 12
    assert "P19" in shown


def test_trend_clamps_out_of_range_values():
    root = parse(trend_chart(["a", "b"], [Series("x", [-50, 500])], height=260))
    ys = [float(c.get("cy")) for c in root.iter(f"{NS}circle")]
    height = float(root.get("height"))
    assert all(0 <= y <= height for y in ys)


def test_trend_labels_muted_lines_at_their_end_without_overlap():
    series = [Series(f"Dim {k}", [50] * 9, "muted") for k in range(6)] + [Series("Index", [50] * 9)]
    root = parse(trend_chart(PERIODS, series))
    end = [t for t in root.iter(f"{NS}text") if "".join(t.itertext()).startswith("Dim")]
    ys = sorted(float(t.get("y")) for t in end)
    assert len(ys) == 6
    assert all(b - a >= 10 for a, b in zip(ys, ys[1:]))


def test_bar_chart_values_targets_and_none():
    root = parse(bar_chart(["A", "B", "C"], [2.5, None, 9], targets=[4, 3, None], max_value=5))
    labels = texts(root)
    assert {"2.5", "n/a", "9.0", "Score", "Target"} <= set(labels)
    rects = [r for r in root.iter(f"{NS}rect") if r.get("fill") == DEFAULT_ACCENT and r.get("height") == "18"]
    widths = [float(r.get("width")) for r in rects]
    track = float(next(r for r in root.iter(f"{NS}rect") if r.get("fill") == "#eef0f3").get("width"))
    assert max(widths) == track  # 9 clamped to the maximum of 5
    assert "n/a" in str(bar_chart(["A"], [None]))
    assert "3" in texts(parse(bar_chart(["A"], [3], value_digits=0)))
    # Half up like every other figure ("{:.1f}" printed 2.2 here).
    assert "2.3" in texts(parse(bar_chart(["A"], [2.25])))


def test_level_distribution_counts():
    root = parse(level_distribution({1: 2, 2: 0, 3: 7, 9: 4, 5: -1}))
    labels = texts(root)
    assert labels[0::2] == ["2", "0", "7", "0", "0"]
    assert labels[1::2] == ["L1", "L2", "L3", "L4", "L5"]
    parse(level_distribution({}))


def test_gauge_value_and_missing_value():
    assert "62.5" in texts(parse(gauge(62.5, label="Maturity index")))
    assert "n/a" in texts(parse(gauge(None)))
    assert "100" in texts(parse(gauge(150)))


def test_series_rejects_unknown_style():
    with pytest.raises(ValueError):
        Series("x", [1], style="rainbow")


label_text = st.text(max_size=40)
values = st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=14)


@settings(max_examples=60, deadline=None)
@given(
    axes=st.lists(label_text, max_size=13),
    periods=st.lists(label_text, max_size=21),
    series=st.lists(st.tuples(label_text, values, st.sampled_from(sorted(SERIES_STYLES))), max_size=5),
    accent=st.text(max_size=8),
    lo=st.floats(allow_nan=True, allow_infinity=False, width=32),
    hi=st.floats(allow_nan=True, allow_infinity=False, width=32),
)
def test_random_input_never_raises_and_always_parses(axes, periods, series, accent, lo, hi):
    built = [Series(name, vals, style) for name, vals, style in series]
    first_vals = built[0].values if built else ()
    charts = [
        radar_chart(axes, built, min_value=lo, max_value=hi, accent=accent, title=axes[0] if axes else ""),
        trend_chart(periods, built, y_min=lo, y_max=hi, accent=accent, y_label=periods[0] if periods else ""),
        bar_chart(axes, first_vals, targets=list(first_vals)[::-1], max_value=hi, accent=accent),
        level_distribution({i: int(v) for i, v in enumerate(first_vals) if v is not None and abs(v) < 1e6}),
        gauge(first_vals[0] if first_vals else None, max_value=hi, label=periods[0] if periods else ""),
    ]
    for svg in charts:
        parse(svg)


def test_heatmap_numbers_are_centred_without_middle_anchors():
    """Cell numbers start at the cell centre minus their exact DejaVu Sans width (no anchor group each)."""
    from cxgov.charts import _centred_number, heatmap

    root = parse(heatmap([("A1", "Close the loop", (2.0, None))], ["All", "Front line"], width=400))
    cells = [t for t in root.iter(f"{NS}text") if t.text in ("2.0", "\u2013")]
    assert len(cells) == 2 and all(t.get("text-anchor") == "start" for t in cells)
    number = cells[0]
    width = (0.6362 * 2 + 0.3179) * 9
    centre = float(number.get("x")) + width / 2
    assert abs(centre - (400 - min(84.0, 400 * 0.55 / 2) * 1.5)) < 0.11  # the first column's centre
    # Anything that is not a plain number keeps the middle anchor.
    assert 'text-anchor="middle"' in _centred_number(10, 10, "n/a", size=9, fill="#000")


def test_heatmap_draws_rules_and_cells_as_few_paths():
    """The row rules are one path and the cells one path per shade, whatever the number of rows."""
    from cxgov.charts import HEAT_SHADES, heatmap

    rows = [(f"A{i}", f"Practice {i}", (1.0 + i % 5, 3.0, None)) for i in range(40)]
    root = parse(heatmap(rows, ["All", "Leaders", "Front line"], width=600))
    assert not list(root.iter(f"{NS}rect")) and not list(root.iter(f"{NS}line"))
    paths = list(root.iter(f"{NS}path"))
    fills = [p.get("fill") for p in paths]
    assert sorted(f for f in fills if f != "none") == sorted(HEAT_SHADES)  # levels 1-5: five shades
    rule = next(p for p in paths if p.get("fill") == "none")
    assert rule.get("d").count("M") == 40
    assert sum(p.get("d").count("M") for p in paths if p.get("fill") != "none") == 80  # two cells a row


@pytest.mark.parametrize("lang, label", [("en", "L%d"), ("sv", "Nivå %d"), ("da", "Niveau %d"), ("nb", "Nivå %d")])
def test_level_labels_are_the_languages_own_short_form(app, lang, label):
    """Danish readers read "Niveau 1", not "N1"; a column too narrow for the word shows the number."""
    with app.test_request_context(), force_locale(lang):
        for width in (240, 300):  # the cycle pages' two sizes
            assert texts(parse(level_distribution({1: 1}, width=width)))[1::2] == [label % n for n in range(1, 6)]
        narrow = texts(parse(level_distribution({1: 1}, width=100)))[1::2]  # 20 px a column
        assert narrow == ([label % n for n in range(1, 6)] if lang == "en" else [str(n) for n in range(1, 6)])
