"""A cheaper stand-in for a report's PDF layout, for tests where the layout is not the subject.

``tests.conftest.pdf_layout_fake`` makes every PDF the same few bytes. The stand-in here keeps
what a cache or version test compares: its "PDF" is the report document it was given, so two
PDFs are equal exactly when the same document was laid out, and a test can still look for a
name in it. WeasyPrint's own layout is read back as text in tests/reports (test_render,
test_routes, test_versions, test_pdf_languages, ...).
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import lxml.html
import pytest

from cxgov.reports import helper as report_helper
from cxgov.reports import render as report_render
from cxgov.reports import services as report_services
from cxgov.reports import versions as report_versions
from cxgov.reports import word as report_word
from cxgov.reports.context import ReportContext

STAND_IN_PREFIX = b"%PDF-1.7 stand-in layout of the report document:\n"


def layout_as_document(document: str, accent: str, assets: Any = None, *, tagged: bool = True) -> tuple[bytes, int]:
    """Return the document (and its accent) as the "PDF": equal bytes mean the same document was laid out."""
    return STAND_IN_PREFIX + f"accent {accent}\n{document}".encode(), 1


def use_layout_as_document(patch: pytest.MonkeyPatch) -> None:
    """Lay out every report PDF with :func:`layout_as_document` (a real layout is ~0.5-1 s of CPU)."""
    patch.setattr(report_helper, "render_document", layout_as_document)  # the web's and versions' path
    patch.setattr(report_render, "render_document", layout_as_document)  # render_pdf_pages (the CLI's path)
    patch.setattr(report_services, "heavy_slot", contextlib.nullcontext)  # the stand-in is light


WORD_STAND_IN_PREFIX = b"PK stand-in Word file of the report context "


def word_as_context_hash(context: ReportContext) -> bytes:
    """Return a stand-in Word file: equal bytes mean the same report context (a real one is ~0.2 s of CPU)."""
    return WORD_STAND_IN_PREFIX + context.context_hash().encode()


def use_word_stand_in(patch: pytest.MonkeyPatch) -> None:
    """Write issued versions' Word files with :func:`word_as_context_hash` (the Word file is read
    back for real in test_versions, test_report_language and test_routes' CLI test)."""
    patch.setattr(report_versions, "report_docx", word_as_context_hash)


def document_text(data: bytes) -> str:
    """Return the text a reader would see in a stand-in "PDF": the document's text, white space collapsed.

    Only what the page shows: the head (title, stylesheets) and attribute values are left out,
    as pdftotext leaves them out of a real PDF.
    """
    assert data.startswith(STAND_IN_PREFIX), data[:60]
    document = data[len(STAND_IN_PREFIX) :].decode().split("\n", 1)[1]  # after the accent line
    tree = lxml.html.document_fromstring(document)
    for unseen in tree.xpath("//head | //style | //script"):
        unseen.drop_tree()
    return " ".join(tree.text_content().split())


#: A 1 x 1 pixel PNG (drawn by cairosvg): python-docx reads a picture's size from its header.
ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAABmJLR0QA/wD/AP+gvaeTAAAAC0lEQVQImWNgAAIAAAUAAWJVMogAAAAASUVORK5CYII="
)


def chart_png_parsed_only(svg: str, width_px: int) -> bytes:
    """Parse the chart's SVG as cairosvg does before drawing it, and return one pixel instead of the drawing.

    A chart that cairosvg cannot read still fails here; only the drawing and the PNG encoding
    (about 40-60 ms of CPU per chart, two charts per Word file) are left out.
    """
    # cairosvg is heavy to import (as in cxgov.reports.word): loaded when a chart is made
    from cairosvg.parser import Tree

    Tree(bytestring=svg.encode("utf-8"))
    return ONE_PIXEL_PNG


def use_word_charts_parsed_only(patch: pytest.MonkeyPatch) -> None:
    """Build every Word file whole, with :func:`chart_png_parsed_only` for its two chart pictures.

    For tests that check who is served and that nothing breaks, not how a chart looks: the
    document, its text from the report context and its tables are still written by python-docx.
    The real pictures are drawn wherever a Word file is made without it (tests/reports: the
    Word download and CLI in test_routes, the issued versions in test_versions).
    """
    patch.setattr(report_word, "_png", chart_png_parsed_only)
