"""The consultant's light formatting: paragraphs, lists and bold, and nothing else (escaped)."""
from __future__ import annotations

from dataclasses import replace

from cxgov.reports import narrative
from cxgov.reports.context import NarrativeView
from cxgov.reports.narrative import Block, Run
from cxgov.reports.render import render_pdf_html

from . import samples


def test_paragraphs_lists_and_bold():
    blocks = narrative.parse("First **bold** line\ncontinues.\n\n- one\n- **two**\n  more\nAfter")
    assert blocks == (
        Block("p", ((Run("First "), Run("bold", True), Run(" line continues.")),)),
        Block("ul", ((Run("one"),), (Run("two", True), Run(" more")))),
        Block("p", ((Run("After"),),)),
    )
    assert narrative.parse("an ** unmatched") == (Block("p", ((Run("an ** unmatched"),),)),)
    assert narrative.parse("  \n\n ") == ()


def test_markup_typed_by_a_user_is_escaped_in_the_report():
    context = samples.sample_context()
    text = "<script>alert(1)</script> **<b>x</b>**\n- <img src=x onerror=alert(1)>"
    view = NarrativeView(summary=narrative.parse(text), key_messages=("<i>m</i>",), automatic=False,
                         summary_text=text)
    html = render_pdf_html(replace(context, narrative=view))
    assert "<script>" not in html and "<img src=x" not in html and "<i>m</i>" not in html
    assert "&lt;script&gt;" in html and "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in html
