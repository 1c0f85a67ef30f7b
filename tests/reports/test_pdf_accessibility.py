"""The demo report's PDF can be read by a screen reader: tagged, with language, title, reading order."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cxgov.cycles.models import Cycle
from cxgov.demo import DEMO_SLUG
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from cxgov.reports.render import render_document, render_pdf_html
from cxgov.reports.selectors import report_context_for_cycle
from tests.conftest import _empty_all_tables, demo_workspace_copy, make_test_app

pytestmark = pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is a system dependency")


class _SummaryParagraphs(HTMLParser):
    """Collect the paragraphs of the executive summary from the PDF's HTML, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 inside the summary section
        self.in_p = False
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            if self.depth or dict(attrs).get("id") == "rp-summary":
                self.depth += 1
        elif tag == "p" and self.depth:
            self.in_p = True
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        if tag == "section" and self.depth:
            self.depth -= 1
        elif tag == "p":
            self.in_p = False

    def handle_data(self, data):
        if self.in_p and self.depth:
            self.paragraphs[-1] += data


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def demo_pdf(_schema):
    """The demo's last closed quarter laid out for real, once for the module's read-only checks."""
    app = make_test_app()
    with app.app_context():
        demo_workspace_copy()
        org = db.session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
        cycle = db.session.scalars(select(Cycle).where(Cycle.org_id == org.id, Cycle.status == "closed")
                                   .order_by(Cycle.period.desc())).first()
        context = report_context_for_cycle(org, cycle)
        html = render_pdf_html(context)
        pdf, _ = render_document(html, context.cover.accent)
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()
    return context, html, pdf


def test_demo_pdf_is_tagged_with_language_and_title(demo_pdf, tmp_path):
    context, _, pdf = demo_pdf
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), info
    assert re.search(rf"^Title:\s+{re.escape(context.cover.org_name)} · {context.cover.period}$", info,
                     re.MULTILINE), info
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    # English text says English, whichever language the organisation chose (no catalogues yet).
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "/StructTreeRoot" in root


def test_both_charts_have_alternate_text_with_their_numbers(demo_pdf):
    context, _, pdf = demo_pdf
    figures = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]
    alts: list[str] = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Figure" and "/Alt" in node:
            alts.append(str(node["/Alt"]))
        if "/K" in node:
            walk(node["/K"])

    walk(figures)
    assert len(alts) >= 2, f"expected the radar and trend charts as figures, got {alts}"
    radar = next(a for a in alts if context.dimensions[0].title in a)
    assert f"{context.dimensions[0].title} {context.dimensions[0].score:.1f}".rstrip("0").rstrip(".") in radar
    assert any(context.trend.periods[-1] in a for a in alts), "the trend chart names its quarters"


def test_text_extracts_in_reading_order(demo_pdf, tmp_path):
    _, html, pdf = demo_pdf
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = _norm(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                check=True).stdout)
    parser = _SummaryParagraphs()
    parser.feed(html)
    sentences = [_norm(p) for p in parser.paragraphs if _norm(p)]
    assert sentences, "the executive summary has sentences"
    first_table = text.index("Strongest practices")
    position = 0
    for sentence in sentences:
        found = text.find(sentence, position)
        assert found >= 0, f"not extracted whole and in order: {sentence!r}"
        assert found < first_table, f"comes after the table that follows it: {sentence!r}"
        position = found + len(sentence)
