"""The per-render costs cut outside layout keep the PDF what WeasyPrint 70 makes of it.

Streams deflated at zlib's level 6 (``pdf_compress``) hold the very bytes pydyf's level 9
holds; only the deflated payloads and their lengths differ. A render's reference cycles are cut
after the PDF is written (``pdf_garbage``), so the collector finds (almost) nothing, and the
PDF is the same byte for byte.
"""

from __future__ import annotations

import contextlib
import gc
import re
import zlib

import pydyf

from cxgov.reports import pdf_compress, pdf_garbage, render
from tests.pdftext import pdftotext

DOC = """<!doctype html><html lang="sv"><head><meta charset="utf-8"/><title>Rapport</title></head>
<body class="rp rp-pdf"><section class="rp-section"><h2>Sammanfattning för Nordlys Åkersberga</h2>
<p>Ledningen bedömer E1 till 5,0 och första linjen till 2,0. Kunder som klagar hör sällan av oss.</p>
<ul><li>Sponsor först</li><li>Kundråd sedan</li></ul>
<table><tr><th>Praktik</th><th>Nivå</th></tr><tr><td>A1</td><td>2,8</td></tr></table>
<div class="rp-chart"><svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60"
 role="img" aria-label="stapel"><rect x="10" y="10" width="120" height="20" fill="#1f5f8b"/>
<text x="10" y="50" font-size="9">Ångström 4,0</text></svg></div></section></body></html>"""

#: The shapes that leave cycles behind: contents with page numbers, anonymous boxes, SVG, pages.
CYCLES_DOC = (
    DOC.replace(
        "</head>",
        "<style>nav a::after { content: target-counter(attr(href), page); } .rp-section { break-before: page; }</style>"
        "</head>",
    )
    .replace(
        '<body class="rp rp-pdf">',
        '<body class="rp rp-pdf"><nav><a href="#s1">Sammanfattning</a><a href="#s2">Bilaga</a></nav>'
        "<div>anonym <p>text</p> ruta</div>",
    )
    .replace('<section class="rp-section">', '<section class="rp-section" id="s1">', 1)
    .replace("</body>", '<section class="rp-section" id="s2"><h2>Bilaga</h2><p>Slut.</p></section></body>')
)


def _streams_of(document: str) -> tuple[bytes, list[pydyf.Stream]]:
    """Return the tagged PDF of ``document`` and every stream object pydyf wrote into it."""
    streams: list[pydyf.Stream] = []
    sheets, font_config = render.pdf_style("#1f5f8b")
    laid_out = render.report_html_class()(document, render.make_url_fetcher()).render(
        stylesheets=sheets, font_config=font_config
    )
    pdf = laid_out.write_pdf(
        pdf_variant=render.PDF_VARIANT,
        finisher=lambda _, written: streams.extend(o for o in written.objects if isinstance(o, pydyf.Stream)),
    )
    return pdf, streams


def _split(data: bytes) -> tuple[bytes, bytes]:
    """Return (dictionary without its /Length, deflated payload) of one stream object's bytes."""
    head, marker, rest = data.partition(b"\nstream\n")
    assert marker and rest.endswith(b"\nendstream")
    return re.sub(rb"/Length \d+", b"", head), rest[: -len(b"\nendstream")]


def test_streams_are_deflated_at_level_6_and_hold_the_same_bytes_as_pydyfs_level_9():
    render.report_html_class()  # installs the patches
    assert pydyf.Stream.data.fget is pdf_compress.stream_data
    pdf, streams = _streams_of(DOC)
    assert pdf.startswith(b"%PDF-1.7") and len(streams) >= 5
    ours_total = theirs_total = 0
    for stream in streams:
        ours_head, ours = _split(pdf_compress.stream_data(stream))
        theirs_head, theirs = _split(pdf_compress.PYDYF_STREAM_DATA.fget(stream))
        assert ours_head == theirs_head and b"/FlateDecode" in ours_head
        assert zlib.decompress(ours) == zlib.decompress(theirs)
        assert zlib.decompressobj().decompress(ours)  # a plain zlib stream, as /FlateDecode reads it
        ours_total += len(ours)
        theirs_total += len(theirs)
    assert theirs_total <= ours_total <= theirs_total * 1.08


def test_pdf_with_level_6_streams_reads_the_same():
    ours = render.render_document(DOC, "#1f5f8b")[0]
    installed = pydyf.Stream.__dict__["data"]
    pydyf.Stream.data = pdf_compress.PYDYF_STREAM_DATA
    try:
        theirs = render.render_document(DOC, "#1f5f8b")[0]
    finally:
        pydyf.Stream.data = installed  # type: ignore[method-assign]
    texts = [pdftotext(ours), pdftotext(theirs)]
    assert texts[0] == texts[1] and "Ångström" in texts[0] and "Kunder som klagar" in texts[0]
    assert ours != theirs


def _cyclic_garbage_of_one_render(scoped: bool) -> tuple[bytes, int]:
    """Return the PDF of CYCLES_DOC and how many objects only the cyclic collector could free."""
    sheets, font_config = render.pdf_style("#1f5f8b")
    gc.collect()
    gc.disable()
    try:
        with pdf_garbage.render_scope() if scoped else contextlib.nullcontext():
            laid_out = render.report_html_class()(CYCLES_DOC, render.make_url_fetcher()).render(
                stylesheets=sheets, font_config=font_config
            )
            pdf = laid_out.write_pdf(pdf_variant=render.PDF_VARIANT)
            del laid_out
        return pdf, gc.collect()
    finally:
        gc.enable()


def test_a_render_leaves_its_document_to_reference_counting_and_the_same_pdf():
    render.render_document(CYCLES_DOC, "#1f5f8b")  # warm: fonts, stylesheets, memos
    unscoped_pdf, unscoped = _cyclic_garbage_of_one_render(scoped=False)
    scoped_pdf, scoped = _cyclic_garbage_of_one_render(scoped=True)
    assert unscoped > 1_000  # WeasyPrint alone: the whole document waits for the collector
    assert scoped < 100, scoped  # a few recursive closures inside WeasyPrint are all that is left
    assert scoped_pdf == unscoped_pdf


def test_cut_cycles_never_reach_what_the_next_render_uses():
    first = render.render_document(CYCLES_DOC, "#1f5f8b")[0]
    render.render_document(DOC, "#1f5f8b")
    assert render.render_document(CYCLES_DOC, "#1f5f8b")[0] == first
