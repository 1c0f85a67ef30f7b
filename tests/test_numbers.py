"""One rounding for every displayed figure: half up on the decimal value, same digits everywhere."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxgov import charts
from cxgov.numbers import change_direction, fmt_index, fmt_level, fmt_number, fmt_signed, round_half_up
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
