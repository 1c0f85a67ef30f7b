"""The PDF's speed-ups change how it is drawn, never what it shows.

SVG labels drawn as whole runs (``svg_text``) land where WeasyPrint's own letter-by-letter
drawing puts them, and the single running footer still names the client, the period, the
firm and the page on every page but the cover.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from html import unescape

import pytest

from cxgov.reports import render, svg_text
from cxgov.reports.weasyprint_patches import weasyprint_patches_install


SVG_DOC = """<!doctype html><html lang="en"><head><meta charset="utf-8"/><title>t</title></head>
<body class="rp rp-pdf"><div class="rp-chart"><svg xmlns="http://www.w3.org/2000/svg" width="400" height="120"
 viewBox="0 0 400 120" role="img" aria-label="labels" font-family="DejaVu Sans, sans-serif">
<text x="10" y="20" font-size="9" fill="#333333">Close the inner loop with each customer</text>
<text x="200" y="40" font-size="9" text-anchor="middle">Leadership Ångström</text>
<text x="390" y="60" font-size="11" font-weight="bold" text-anchor="end">4.0</text>
<text x="10" y="80" font-size="9">Tvåspråkig <tspan font-weight="bold">tspan</tspan> rad</text>
<text x="10" y="100" font-size="9" dx="0 3 3 3">Spaced</text>
<text x="200" y="100" font-size="9" rotate="0 10 20">Rotated</text>
</svg></div></body></html>"""


@contextlib.contextmanager
def weasyprints_own_svg_text():
    """Draw SVG text with WeasyPrint's own function for the duration (restores the fast path)."""
    import weasyprint.svg as package
    from weasyprint.svg.text import text as own

    saved_tags, saved_text = dict(package.TAGS), package.text
    for tag, function in saved_tags.items():
        if function is saved_text:
            package.TAGS[tag] = own
    package.text = own
    try:
        yield
    finally:
        package.TAGS.clear()
        package.TAGS.update(saved_tags)
        package.text = saved_text


def _words(pdf: bytes, tmp_path, name: str) -> list[tuple[str, float, float, float, float]]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [
        (unescape(m.group(5)), *(float(m.group(k)) for k in range(1, 5)))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
        )
    ]


def test_fast_path_is_on_for_weasyprint_70():
    render.report_html_class()
    assert weasyprint_patches_install() is True
    import weasyprint.svg as package

    assert package.TAGS["text"] is package.text and package.TAGS["tspan"] is package.text
    assert package.text.__module__ == svg_text.__name__


def test_whole_runs_land_where_weasyprint_draws_each_letter(tmp_path):
    fast = _words(render.render_document(SVG_DOC, "#1f5f8b")[0], tmp_path, "fast")
    with weasyprints_own_svg_text():
        own = _words(render.render_document(SVG_DOC, "#1f5f8b")[0], tmp_path, "own")
    assert [w[0] for w in fast] == [w[0] for w in own]
    assert "Ångström" in [w[0] for w in fast] and "Rotated" not in " ".join(w[0] for w in fast[:5])
    for (word, *box_fast), (_, *box_own) in zip(fast, own):
        # Same place to within kerning (the per-letter path drops the font's kerning pairs).
        assert all(abs(a - b) < 1.0 for a, b in zip(box_fast, box_own)), (word, box_fast, box_own)


def test_per_character_layout_keeps_weasyprints_own_path(tmp_path):
    """dx and rotate lists position each letter: those nodes are drawn exactly as before."""
    fast = _words(render.render_document(SVG_DOC, "#1f5f8b")[0], tmp_path, "fast")
    with weasyprints_own_svg_text():
        own = _words(render.render_document(SVG_DOC, "#1f5f8b")[0], tmp_path, "own")
    special = [w for w in fast if w[0].startswith(("S", "R"))]
    assert special and special == [w for w in own if w[0].startswith(("S", "R"))]


@pytest.fixture(scope="module")
def footer_pages(sample_layout):
    """The shared sample layout (tests/reports/conftest.py): its client's name has a quote, angle brackets and &."""
    return sample_layout.context, sample_layout.pages, sample_layout.page_texts


def test_every_page_but_the_cover_has_the_running_footer(footer_pages):
    context, pages, texts = footer_pages
    running = f'Nordlys "Ö" <Ångström> & Bæk · {context.cover.period} · Øster & Ödman Advisory'
    assert f"page 1 of {pages}" not in texts[0] and running not in texts[0]
    for number, text in enumerate(texts[1:], start=2):
        assert f"{running} · page {number} of {pages}" in text, number


def test_footer_words_are_one_translatable_sentence_escaped_for_css(monkeypatch):
    monkeypatch.setattr(render, "gettext", lambda s, **v: 'sida %(page)s "av" <%(pages)s> & \\' % v)
    css = str(render.page_footer_css())
    assert '"sida " counter(page) " \\22 av\\22  \\3c " counter(pages) "\\3e  \\26  \\5c "' in css
    assert not re.search(r"[<>&]", css)
    assert "@page cover { @bottom-right { content: none; } }" in css


@pytest.fixture(scope="module")
def sample_pdf(sample_layout):
    """The sample report's HTML, PDF text per page, and how often WeasyPrint laid out each page.

    One real layout shared by the module's readers (tests/reports/conftest.py), which counted the
    pages it laid out from WeasyPrint's progress log.
    """
    return sample_layout.html, sample_layout.page_texts, sample_layout.laid_out_pages


def test_contents_page_is_laid_out_twice_and_every_entry_names_its_target(sample_pdf):
    html, _, made = sample_pdf
    assert made.count("1") == 2  # once with unknown page numbers, once with them; was three times
    assert all(made.count(str(n)) == 1 for n in range(2, 6))
    toc = re.search(r'<nav class="rp-toc".*?</nav>', html, re.DOTALL).group(0)
    for anchor in re.findall(r'href="#([\w-]+)"', toc):
        assert f'a[href="#{anchor}"]::after {{ content: target-counter(url(#{anchor}), page); }}' in html


def test_contents_page_numbers_are_the_pages_their_sections_start_on(sample_pdf):
    _, texts, _ = sample_pdf
    entries = dict(re.findall(r"^\s*(\S.*?\S)\s{3,}(\d+)\s*$", texts[0], re.MULTILINE))
    assert len(entries) >= 10
    for title in ("Key messages", "Roadmap for the next three quarters", "Appendix B · Practices by dimension"):
        page = int(entries[title])
        assert texts[page - 1].lstrip().startswith(title), title  # each of these sections starts a page


def test_repeated_labels_share_one_layout_and_land_where_weasyprint_puts_them(tmp_path):
    repeated = SVG_DOC.replace(
        "</svg>",
        '<text x="300" y="20" font-size="9" fill="#333333">4.0</text><text x="300" y="40" font-size="9">4.0</text></svg>',
    )
    fast = _words(render.render_document(repeated, "#1f5f8b")[0], tmp_path, "fast")
    with weasyprints_own_svg_text():
        own = _words(render.render_document(repeated, "#1f5f8b")[0], tmp_path, "own")
    assert [w[0] for w in fast].count("4.0") == 3
    assert [w[0] for w in fast] == [w[0] for w in own]
    for (word, *box_fast), (_, *box_own) in zip(fast, own):
        assert all(abs(a - b) < 1.0 for a, b in zip(box_fast, box_own)), (word, box_fast, box_own)


@contextlib.contextmanager
def weasyprints_own_svg_parsing():
    """Parse SVG attribute values with WeasyPrint's own helpers for the duration (restores the memo)."""
    from cxgov.reports import svg_memo

    saved = {}
    for module in svg_memo._USERS:
        for name in ("size", "normalize", "parse_url", "color"):
            current = getattr(module, name, None)
            if hasattr(current, "__wrapped__"):
                saved[module, name] = current
                setattr(module, name, current.__wrapped__)
    try:
        yield saved
    finally:
        for (module, name), function in saved.items():
            setattr(module, name, function)


CHART_DOC = SVG_DOC.replace(
    "</svg>",
    '<path d="M10 110H390" stroke="#dde1e6" stroke-width="0.6" stroke-dasharray="4 3"/>'
    '<rect x="10" y="104" width="30" height="4" fill="#0072b2" fill-opacity="0.5" stroke-width="1px"/>'
    '<circle cx="60" cy="106" r="3" fill="#d55e00" stroke="#ffffff"/>'
    '<polyline points="80,110 90,104 100,108" fill="none" stroke="#009e73" stroke-width="1.5em"/></svg>',
)


def test_parsed_svg_values_are_kept_and_the_pdf_is_the_same_byte_for_byte():
    from weasyprint.svg import utils

    render.report_html_class()
    fast = render.render_document(CHART_DOC, "#1f5f8b")[0]
    with weasyprints_own_svg_parsing() as replaced:
        own = render.render_document(CHART_DOC, "#1f5f8b")[0]
    assert {name for _, name in replaced} == {"size", "normalize", "parse_url", "color"}
    assert fast == own
    # WeasyPrint multiplies a parsed colour's alpha in place: each caller gets its own copy.
    first = utils.color("#333333")
    first.alpha *= 0.25
    assert utils.color("#333333").alpha == 1.0
    assert utils.size("1px", 9.0, 100.0) == 1.0 and utils.size("2em", 9.0, 100.0) == 18.0


def test_lengths_resolved_in_one_loop_lay_out_the_same_pdf_byte_for_byte(sample_layout):
    import sys

    from cxgov.reports import pdf_percentages

    render.report_html_class()
    fast = pdf_percentages.resolve_percentages
    own = fast.__wrapped__
    users = [
        m
        for n, m in sys.modules.items()
        if n.startswith("weasyprint.layout") and getattr(m, "resolve_percentages", None) is fast
    ]
    assert {m.__name__.rsplit(".", 1)[1] for m in users} >= {"percent", "block", "inline", "table", "page", "absolute"}
    # The sample's tables, percentages, calc() widths and positioned boxes, laid out both ways: the
    # shared layout went through the fast path, with a rule of percentages in calc() and max-height.
    ours = sample_layout.pdf
    for module in users:
        module.resolve_percentages = own
    try:
        theirs = render.render_document(sample_layout.html, sample_layout.context.cover.accent)[0]
    finally:
        for module in users:
            module.resolve_percentages = fast
    assert ours == theirs
