"""A cheaper stand-in for a report's PDF layout, for tests where the layout is not the subject.

``tests.conftest.pdf_layout_fake`` makes every PDF the same few bytes. The stand-in here keeps
what a cache or version test compares: its "PDF" is the report document it was given, so two
PDFs are equal exactly when the same document was laid out, and a test can still look for a
name in it. WeasyPrint's own layout is read back as text in tests/reports (test_render,
test_routes, test_versions, test_pdf_languages, ...).
"""

from __future__ import annotations

import contextlib
from typing import Any

import lxml.html
import pytest

from cxgov.reports import helper as report_helper
from cxgov.reports import render as report_render
from cxgov.reports import services as report_services

STAND_IN_PREFIX = b"%PDF-1.7 stand-in layout of the report document:\n"


def layout_as_document(document: str, accent: str, assets: Any = None, *, tagged: bool = True) -> tuple[bytes, int]:
    """Return the document (and its accent) as the "PDF": equal bytes mean the same document was laid out."""
    return STAND_IN_PREFIX + f"accent {accent}\n{document}".encode(), 1


def use_layout_as_document(patch: pytest.MonkeyPatch) -> None:
    """Lay out every report PDF with :func:`layout_as_document` (a real layout is ~0.5-1 s of CPU)."""
    patch.setattr(report_helper, "render_document", layout_as_document)  # the web's and versions' path
    patch.setattr(report_render, "render_document", layout_as_document)  # render_pdf_pages (the CLI's path)
    patch.setattr(report_services, "heavy_slot", contextlib.nullcontext)  # the stand-in is light


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
