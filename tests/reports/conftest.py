"""One real layout of the sample report, shared by every test that only reads it.

A layout of the sample is about 0.9 s of CPU. test_render (sections, names, numbers, page count,
"WeasyPrint logs nothing"), test_pdf_speedups (running footer, contents page laid out twice
and its page numbers, percentages resolved in one loop) each laid it out again, with contexts
that differed only in names. One sample now carries every name those tests look for, and is
laid out once per test process, watched the way each of them watched its own layout: the
stylesheets parsed afresh while WeasyPrint's warnings are recorded, and the pages it lays out
counted from its progress log.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from dataclasses import dataclass

import pytest

from cxgov.reports import render
from cxgov.reports.context import ReportContext
from tests.pdftext import pdftotext

from . import samples

#: One rule that puts percentages into calc() and max-height on every KPI box: the sample's
#: tables, calc() widths and positioned boxes already go through WeasyPrint's
#: resolve_percentages, this adds the percentage forms they lack (test_pdf_speedups lays the same
#: document out again with WeasyPrint's own resolve_percentages and compares the bytes). The
#: boxes are wider than either bound, so what the page shows does not change.
PERCENTAGE_RULE = "<style>.rp-kpi { min-width: calc(10% + 1em); max-height: 90%; }</style>"


@dataclass(frozen=True)
class PracticeRow:
    """Where an Appendix B practice row's boxes landed (CSS px), read from the laid-out document."""

    nums_class: str | None  #: the class of the line's first box (the figures' run)
    pid_class: str | None  #: the class of its second box (the practice's id)
    row_x: float  #: the row's content box: left edge
    row_width: float
    nums_x: float  #: the figures' content box: left edge
    pid_x: float  #: the id's position


def _practice_rows(document) -> list[PracticeRow]:
    rows = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if type(box).__name__ == "BlockBox" and box.element.get("class") == "rp-prow":
                nums, pid = box.children[0].children[:2]
                rows.append(PracticeRow(nums.element.get("class"), pid.element.get("class"), box.content_box_x(),
                                        box.width, nums.content_box_x(), pid.position_x))
    return rows


@dataclass(frozen=True)
class SampleLayout:
    """The sample report laid out once: its context, document, PDF and what the layout reported."""

    context: ReportContext
    html: str  #: the document laid out: render_pdf_html's, with PERCENTAGE_RULE in its head
    pdf: bytes
    pages: int
    text: str  #: pdftotext's text, every run of white space one space
    page_texts: list[str]  #: ``pdftotext -layout``, one string per page
    laid_out_pages: list[str]  #: page numbers in the order WeasyPrint laid them out (its progress log)
    warnings: list[str]  #: WeasyPrint's warnings while parsing the stylesheets and laying out
    practice_rows: list[PracticeRow]  #: Appendix B's rows as laid out, before the PDF was written


@pytest.fixture(scope="session")
def sample_context() -> ReportContext:
    """The sample report's context with samples.SAMPLE_NAMES (plain data: tests only read it)."""
    return samples.sample_context(**samples.SAMPLE_NAMES)


class _Recorder(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def sample_layout(sample_context, tmp_path_factory) -> SampleLayout:
    """Lay the sample out for real once, through ``render.render_document`` (what every PDF goes through)."""
    from weasyprint.logger import PROGRESS_LOGGER, LOGGER

    html = render.render_pdf_html(sample_context).replace("</head>", PERCENTAGE_RULE + "</head>", 1)
    assert PERCENTAGE_RULE in html, "the sample's HTML has no </head> for the percentage rule"
    warnings, progress = _Recorder(logging.WARNING), _Recorder(logging.INFO)
    saved_levels = LOGGER.level, PROGRESS_LOGGER.level
    saved_thread_cache = render._per_thread
    # Parse the stylesheets (ours and the UA sheet) again, so their warnings are seen here too.
    render._per_thread = threading.local()
    render.report_html_class.cache_clear()
    LOGGER.addHandler(warnings)
    PROGRESS_LOGGER.addHandler(progress)
    LOGGER.setLevel(logging.WARNING)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    # The boxes are read as soon as the layout is done (render_document frees them once the PDF
    # is written); this class is the layout's only (the cache is cleared again below).
    report_html = render.report_html_class()
    rows: list[PracticeRow] = []

    def render_and_read_rows(self, *args, **kwargs):
        document = super(report_html, self).render(*args, **kwargs)
        rows.extend(_practice_rows(document))
        return document

    report_html.render = render_and_read_rows
    try:
        pdf, pages = render.render_document(html, sample_context.cover.accent)
    finally:
        LOGGER.removeHandler(warnings)
        PROGRESS_LOGGER.removeHandler(progress)
        LOGGER.setLevel(saved_levels[0])
        PROGRESS_LOGGER.setLevel(saved_levels[1])
        render._per_thread = saved_thread_cache
        render.report_html_class.cache_clear()
    assert pdf.startswith(b"%PDF")
    path = tmp_path_factory.mktemp("sample") / "report.pdf"
    path.write_bytes(pdf)
    layout_text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    made = [
        r.getMessage().rsplit(" ", 1)[1]
        for r in progress.records
        if "Creating layout - Page" in r.getMessage() and "up-to-date" not in r.getMessage()
    ]
    return SampleLayout(
        context=sample_context,
        html=html,
        pdf=pdf,
        pages=pages,
        text=pdftotext(pdf),
        page_texts=layout_text.split("\f")[:pages],
        laid_out_pages=made,
        warnings=[r.getMessage() for r in warnings.records if r.name.startswith("weasyprint")],
        practice_rows=rows,
    )
