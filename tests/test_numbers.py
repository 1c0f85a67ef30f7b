"""One rounding for every displayed figure: half up on the decimal value, same digits everywhere."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxgov import charts
from cxgov.numbers import change_direction, fmt_count, fmt_index, fmt_level, fmt_number, fmt_signed, round_half_up
from cxgov.reports import context as report_context


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (30.5, 0, 31.0), (31.5, 0, 32.0), (0.5, 0, 1.0), (-0.5, 0, -1.0), (2.5, 0, 3.0),
    (2.25, 1, 2.3), (2.35, 1, 2.4), (2.45, 1, 2.5), (0.05, 1, 0.1), (2.675, 2, 2.68),
    (-2.25, 1, -2.3), (4.0, 1, 4.0), (29.49, 0, 29.0),
])
def test_round_half_up_on_halves(value, digits, expected):
    assert round_half_up(value, digits) == expected


def test_formatters_on_halves():
    # Python's own format would give 30, 2.2 and 0 here (round half to even).
    assert f"{30.5:.0f}" == "30"
    assert fmt_index(30.5) == "31"
    assert fmt_level(2.25) == "2.3"
    assert fmt_signed(0.5) == "+1"
    assert fmt_signed(-0.5) == "\u22121"
    assert fmt_signed(0.2) == "\u00b10"
    assert fmt_signed(-0.04, 1) == "\u00b10.0"
    assert fmt_signed(0.25, 1) == "+0.3"
    assert fmt_number(-0.04, 1) == "0.0"  # never "-0.0"
    assert fmt_level(None) == fmt_index(float("nan")) == "\u2013"


def test_report_uses_the_same_functions():
    assert report_context.fmt_index is fmt_index
    assert report_context.fmt_level is fmt_level
    assert report_context.fmt_signed is fmt_signed


def test_charts_round_their_labels_half_up():
    assert ">31<" in str(charts.gauge(30.5, digits=0))
    assert ">2.3<" in str(charts.gauge(2.25, max_value=5))


def test_page_filters_use_the_same_rounding(app):
    env = app.jinja_env
    assert env.from_string("{{ 30.5|num(0) }} {{ 0.2|signed }} {{ 2.25|num }}").render() == "31 \u00b10 2.3"


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False), st.integers(0, 2))
def test_sign_and_digits_agree(value, digits):
    shown = fmt_signed(value, digits)
    direction = change_direction(value, digits)
    assert shown[0] == {1: "+", -1: "\u2212", 0: "\u00b1"}[direction]
    assert shown[1:] == fmt_number(abs(value), digits)


def test_a_half_shows_rounded_up_on_dashboard_report_pdf_word_and_cli(client, runner, make_org, make_member,
                                                                      make_user):
    """Index 30.5 and a dimension score of 2.25 read 31 and 2.3 wherever they are shown."""
    import io
    import re

    import docx

    from cxgov.extensions import db
    from tests.conftest import login_as
    from tests.pdftext import pdftotext
    from tests.reports.test_routes import _answered_cycle

    consultant = make_user(name="Helena Strand", is_consultant=True, firm_name="Strand")
    org = make_org(name="Halves AB", slug="halves", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    results = dict(cycle.results)
    dimensions = [dict(d) for d in results["dimensions"]]
    dimensions[0].update(score=2.25, index=30.5)
    results.update(index=30.5, dimensions=dimensions)
    cycle.results = results  # a closed cycle shows its stored result everywhere
    db.session.commit()
    login_as(client, consultant)

    def seen(text: str) -> str:
        """Return what a reader sees: text and SVG <title>s, not markup, styles or coordinates."""
        text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
        return " ".join(re.sub(r"<[^>]*>", " ", text).split())

    def words(text: str) -> set[str]:
        return set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", seen(text)))

    dashboard = client.get(f"/o/{org.slug}/cycles/{cycle.id}/").get_data(as_text=True)
    page = client.get(f"/o/{org.slug}/reports/{cycle.id}").get_data(as_text=True)
    pdf = client.get(f"/o/{org.slug}/reports/{cycle.id}/report.pdf").data
    pdf_text = pdftotext(pdf)
    document = docx.Document(io.BytesIO(client.get(f"/o/{org.slug}/reports/{cycle.id}/report.docx").data))
    word_text = " ".join([p.text for p in document.paragraphs]
                         + [c.text for t in document.tables for row in t.rows for c in row.cells])
    cli = runner.invoke(args=["cycle", "scores", org.slug, cycle.period]).output

    assert ">31<" in dashboard and ">2.3<" in dashboard  # the gauge and the bar's value label
    assert '<td class="text-end">2.3</td><td class="text-end fw-semibold">31</td>' in dashboard
    assert "Index: 31" in cli and re.search(r"A\. Insight and feedback loops\s+2\.3\s+31\s", cli)
    for name, text in (("dashboard", dashboard), ("page", page), ("pdf", pdf_text), ("word", word_text),
                       ("cli", cli)):
        shown = words(text)
        assert {"30.5", "2.25", "2.2"}.isdisjoint(shown), name  # never unrounded, never half to even
        assert "2.3" in shown, name
    for name, text in (("page", page), ("pdf", pdf_text), ("word", word_text)):
        assert re.search(r"(?<![\w.])31 ?/ ?100\b", seen(text)), name


@pytest.mark.parametrize(("lang", "level", "signed", "index"), [
    ("en", "50.8", "\u22122.3", "31"),
    ("sv", "50,8", "\u22122,3", "31"),
    ("da", "50,8", "\u22122,3", "31"),
    ("nb", "50,8", "\u22122,3", "31"),
])
def test_digits_are_written_the_readers_way(lang, level, signed, index):
    assert fmt_level(50.75, lang) == level
    assert fmt_signed(-2.25, 1, lang) == signed
    assert fmt_index(30.5, lang) == index
    assert fmt_signed(0.04, 1, lang) == "\u00b1" + level.replace("50", "0").replace("8", "0")


def test_the_rendered_language_decides_without_an_argument(app):
    from flask_babel import force_locale

    with app.test_request_context("/"):
        with force_locale("da"):
            assert fmt_level(2.25) == "2,3"
            assert ">2,3<" in str(charts.gauge(2.25, max_value=5))
            assert app.jinja_env.from_string("{{ 2.25|num }} {{ -1.25|signed(1) }}").render() == "2,3 \u22121,3"
        assert fmt_level(2.25) == "2.3"


def test_counts_are_grouped_the_reader_s_way():
    assert fmt_count(155798, "en") == "155,798"
    assert fmt_count(155798, "da") == "155.798"
    assert fmt_count(155798, "sv") == "155\u00a0798"
    assert fmt_count(155798, "nb") == "155\u00a0798"
    assert fmt_count(999, "sv") == "999"
