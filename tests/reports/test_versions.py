"""Drafts follow the data; an issued version never changes (bytes identical), whatever changes later."""
from __future__ import annotations

import io
import threading
from typing import Any

import docx
import pytest
from sqlalchemy import select

from cxgov.cycles.models import Answer, Cycle
from cxgov.extensions import db
from cxgov.register.models import Person
from cxgov.reports import helper as report_helper
from cxgov.reports.models import ReportVersion
from tests.conftest import _report_layouts_wait, login_as
from tests.pdftext import pdftotext
from tests.report_stand_ins import document_text, layout_as_document, use_layout_as_document, use_word_stand_in


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def _article(page: str) -> str:
    """Return the report itself from a page (flash messages around it come and go)."""
    return page[page.index("<article"):page.index("</article>")]


@pytest.fixture
def demo_q3(app, client, demo_workspace):
    context = demo_workspace
    cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == context.org.id, Cycle.period == "2026-Q3"))
    login_as(client, context.consultant)
    base = f"/o/{context.org.slug}/reports/{cycle.id}"
    return context, cycle, base


@pytest.mark.app_config(REPORT_RENDER_SYNC=True)
def test_an_issued_version_never_changes_and_a_draft_does(client, demo_q3, monkeypatch):
    context, cycle, base = demo_q3
    response = client.post(f"{base}/edit", data={"summary": "**First** words of the consultant.",
                                                 "message_1": "Message one", "per_quarter": "2",
                                                 "comment_A1": "Call-backs are promised, not made."})
    assert response.status_code == 302
    assert "First words of the consultant." in client.get(base).get_data(as_text=True).replace("<strong>", "").replace("</strong>", "")
    response = client.post(f"{base}/issue")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/v1")
    v1_pdf = client.get(f"{base}/v1/report.pdf").data
    v1_docx = client.get(f"{base}/v1/report.docx").data
    v1_page = _article(client.get(f"{base}/v1").get_data(as_text=True))
    assert v1_pdf.startswith(b"%PDF") and v1_docx.startswith(b"PK")
    text = pdftotext(v1_pdf)
    assert "First words of the consultant." in text and "Call-backs are promised, not made." in text
    assert "version 1" in text

    # Everything changes: the narrative, the register, the answers, the framework snapshot.
    client.post(f"{base}/edit", data={"summary": "Second words.", "per_quarter": "3"})
    db.session.add(Person(org_id=context.org.id, name="New Person", active=True))
    for answer in db.session.scalars(select(Answer).where(Answer.cycle_id == cycle.id, Answer.practice_id == "A1")):
        answer.level = 5
    snapshot = dict(cycle.framework_snapshot)
    snapshot["title"] = {"en": "A renamed framework"}
    cycle.framework_snapshot = snapshot
    results = dict(cycle.results)
    results["index"] = 99.0
    cycle.results = results
    db.session.commit()

    assert client.get(f"{base}/v1/report.pdf").data == v1_pdf
    assert client.get(f"{base}/v1/report.docx").data == v1_docx
    assert _article(client.get(f"{base}/v1").get_data(as_text=True)) == v1_page
    draft = client.get(base).get_data(as_text=True)
    assert "Second words." in draft and "First words" not in draft  # the draft follows the text
    assert 'data-kpi="index">99<' in draft  # ... and the numbers
    assert 'data-kpi="index">99<' not in _article(client.get(f"{base}/v1").get_data(as_text=True))

    # v2's layout and Word file stand in (v1's real ones were read back above): the subject is
    # which document each version holds, and v1's bytes staying the same.
    use_layout_as_document(monkeypatch)
    use_word_stand_in(monkeypatch)
    assert client.post(f"{base}/issue").status_code == 302
    v2_pdf = client.get(f"{base}/v2/report.pdf").data
    assert v2_pdf != v1_pdf and "Second words." in document_text(v2_pdf)
    assert "First words" not in document_text(v2_pdf)
    assert client.get(f"{base}/v1/report.pdf").data == v1_pdf
    numbers = [v.number for v in db.session.scalars(select(ReportVersion).where(ReportVersion.cycle_id == cycle.id))]
    assert sorted(numbers) == [1, 2]


@pytest.mark.app_config(REPORT_RENDER_SYNC=True)
def test_word_and_pdf_hold_the_same_headings_index_gaps_narrative_and_numbers(client, demo_q3):
    import re

    from cxgov.reports.versions import version_context

    _context, cycle, base = demo_q3
    client.post(f"{base}/issue")
    version = db.session.scalar(select(ReportVersion).where(ReportVersion.cycle_id == cycle.id))
    r = version_context(version)
    pdf_text = pdftotext(client.get(f"{base}/v1/report.pdf").data)
    document = docx.Document(io.BytesIO(client.get(f"{base}/v1/report.docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Key messages", "Executive summary", "Maturity at a glance", "Who sees what",
                        "Prioritised gaps and next steps", "Roadmap for the next three quarters",
                        "Action plan follow-up", "Method and confidence", "Appendix A · Register evidence",
                        "Appendix B · Practices by dimension"]
    word_text = _docx_text(client.get(f"{base}/v1/report.docx").data)
    for heading in headings:
        assert heading in pdf_text
    from cxgov.numbers import fmt_index
    from cxgov.reports.narrative import plain

    assert f"{fmt_index(r.summary.index)}/100" in word_text
    for gap in r.gaps:
        assert f"{gap.practice_id} {gap.title}" in word_text and f"{gap.practice_id} {gap.title}" in pdf_text
    for line in plain(r.narrative.summary).splitlines():
        assert line.lstrip("• ") in word_text and line.lstrip("• ") in pdf_text
    for message in r.narrative.key_messages:
        assert " ".join(message.split()) in word_text and " ".join(message.split()) in pdf_text
    assert f"{fmt_index(r.summary.index)}/100" in pdf_text.replace(" /", "/")
    # Appendix B keeps the practices' warnings and the respondents' notes in Word too.
    for d in r.dimensions:
        for p in d.practices:
            for flag in p.flags():
                assert " ".join(flag.split()) in word_text, flag
            for n in p.notes:
                assert n.text in word_text
    # Every figure the Word file shows (whole, decimal or signed), the PDF shows too; the PDF
    # adds only page numbers, chart axes and the charts' period labels, which Word has as images.
    figure = r"(?<![\w.\-])[+\u2212\u00b1]?\d+(?:\.\d+)?(?![\w.])"
    word_figures, pdf_figures = set(re.findall(figure, word_text)), set(re.findall(figure, pdf_text))
    assert word_figures and not word_figures - pdf_figures, sorted(word_figures - pdf_figures)
    # And every decimal figure of the PDF is in Word, but for the radar's half-level rings (2.5, 3.5 ...).
    decimals = {x for x in pdf_figures if "." in x and not (len(x) == 3 and x.endswith(".5"))}
    assert not decimals - word_figures, sorted(decimals - word_figures)


def test_only_editors_issue_and_an_open_cycle_cannot_be_issued(app, client, make_org, make_member):
    from tests.cycles.helpers import make_cycle

    org = make_org(slug="acme2")
    sponsor = make_member(org)
    viewer = make_member(org, role="viewer")
    cycle = make_cycle(org, "2026-Q3", status="open", respondents=[(sponsor, "leadership")])
    db.session.commit()
    login_as(client, sponsor)
    response = client.post(f"/o/{org.slug}/reports/{cycle.id}/issue")
    assert response.status_code == 302
    assert db.session.scalar(select(ReportVersion.id)) is None  # nothing issued from live figures
    response = client.post(f"/o/{org.slug}/reports/{cycle.id}/edit", data={"summary": "x\x00y", "per_quarter": "3"})
    assert response.status_code == 422
    login_as(client, viewer)
    assert client.post(f"/o/{org.slug}/reports/{cycle.id}/issue").status_code == 403


@pytest.mark.app_config(REPORT_RENDER_SYNC=True)
def test_a_pdf_still_being_laid_out_shows_progress_then_the_pdf(client, demo_q3, monkeypatch):
    """While the background job runs, the PDF link answers 202 with a page that refreshes itself."""
    use_layout_as_document(monkeypatch)  # the layout itself is read back in the issue test above
    use_word_stand_in(monkeypatch)  # and the Word file in the two tests above
    _context, cycle, base = demo_q3
    client.post(f"{base}/issue")
    version = db.session.scalar(select(ReportVersion).where(ReportVersion.cycle_id == cycle.id))
    issued_pdf = version.pdf
    version.pdf = None  # as between the issue and the end of the background render
    db.session.commit()
    pending = client.get(f"{base}/v1/report.pdf")
    assert pending.status_code == 202
    page = pending.get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "being laid out" in page
    # A lost background job (a restart) is no dead end: ?wait=1 lays it out in the request.
    ready = client.get(f"{base}/v1/report.pdf?wait=1")
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF")
    db.session.expire_all()
    assert db.session.get(ReportVersion, version.id).pdf == ready.data
    assert ready.data == issued_pdf  # the stored version's own document, laid out again
    assert client.get(f"{base}/v1/report.pdf").data == ready.data


def test_waiting_for_background_layouts_returns_once_the_pdf_is_stored(client, demo_q3, monkeypatch):
    """Issuing without REPORT_RENDER_SYNC lays the PDF out on the background worker; the app
    fixture's teardown waits for it with _report_layouts_wait. A layout that outlived its test
    stored its PDF into the next test's version with the same id (review-8 F1b)."""
    use_layout_as_document(monkeypatch)
    use_word_stand_in(monkeypatch)
    release, laid_out = threading.Event(), []

    def held_layout(*args: Any, **keywords: Any) -> tuple[bytes, int]:
        laid_out.append(args)
        assert release.wait(timeout=300)  # the layout is still running until the test lets it go
        return layout_as_document(*args, **keywords)

    monkeypatch.setattr(report_helper, "render_document", held_layout)
    _context, cycle, base = demo_q3
    assert client.post(f"{base}/issue").status_code == 302
    query = select(ReportVersion.pdf).where(ReportVersion.cycle_id == cycle.id)
    assert db.session.scalar(query) is None  # still being laid out
    release.set()
    _report_layouts_wait()
    db.session.rollback()  # a new read transaction sees what the worker committed
    pdf = db.session.scalar(query)
    assert pdf is not None and pdf.startswith(b"%PDF") and len(laid_out) == 1
