"""An issued version's PDF status: a small answer the version page polls while the PDF is laid out."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from cxgov.extensions import db
from cxgov.orgs.models import Role
from cxgov.reports.models import ReportVersion
from cxgov.reports.versions import report_version_issue
from tests.conftest import login_as
from tests.cycles.helpers import make_cycle
from tests.report_stand_ins import use_word_stand_in


@pytest.fixture
def issued(make_org, make_member, monkeypatch):
    """Version 1 of a closed cycle's report, issued without its PDF (as before the background layout).

    Its Word file stands in: no test here reads it (the status must not even load it).
    """
    use_word_stand_in(monkeypatch)
    org = make_org(slug="status-org")
    viewer = make_member(org, Role.VIEWER)
    respondent = make_member(org, Role.RESPONDENT)
    cycle = make_cycle(org, "2026-Q1", status="closed", respondents=[(respondent, "front_line")])
    version = report_version_issue(org=org, cycle=cycle, by=None)
    db.session.commit()
    base = f"/o/{org.slug}/reports/{cycle.id}/v{version.number}"
    return version, viewer, base


def _set(version: ReportVersion, **values) -> None:
    for name, value in values.items():
        setattr(version, name, value)
    db.session.commit()


def test_the_status_follows_the_pdf_and_the_page_polls_only_while_it_is_pending(client, issued):
    version, viewer, base = issued
    login_as(client, viewer)
    assert version.pdf is None and not version.pdf_error

    status = client.get(f"{base}/status")
    assert status.status_code == 200 and status.get_json() == {"pdf": "pending"}
    assert status.headers["Cache-Control"] == "no-store"
    page = client.get(base).get_data(as_text=True)
    assert f'data-pdf-status="{base}/status"' in page
    # Without scripts the page still refreshes itself; with them, only the status is asked for.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page

    _set(version, pdf_error="the layout ran out of time")
    assert client.get(f"{base}/status").get_json() == {"pdf": "failed"}
    page = client.get(base).get_data(as_text=True)
    assert "data-pdf-status" not in page and 'http-equiv="refresh"' not in page

    _set(version, pdf=b"%PDF-1.7 stand-in bytes", pdf_error="")
    assert client.get(f"{base}/status").get_json() == {"pdf": "ready"}
    page = client.get(base).get_data(as_text=True)
    assert "data-pdf-status" not in page and 'http-equiv="refresh"' not in page
    assert 'data-testid="report-pdf"' in page


def test_a_version_that_was_never_issued_has_no_status(client, issued):
    _version, viewer, base = issued
    login_as(client, viewer)
    assert client.get(base.replace("/v1", "/v2") + "/status").status_code == 404


def test_the_status_reads_neither_the_files_nor_the_report_context(client, issued):
    """The page asks every second: the answer must not load the PDF, the Word file or the context."""
    version, viewer, base = issued
    _set(version, pdf=b"%PDF-1.7 " + b"x" * 100_000, docx=b"PK" + b"y" * 100_000)
    login_as(client, viewer)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _parameters, _context, _many):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get(f"{base}/status").get_json() == {"pdf": "ready"}
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    version_reads = [s for s in statements if "FROM report_version" in s]
    assert len(version_reads) == 1, statements
    selected = version_reads[0].split("FROM report_version")[0]
    for column in ("report_version.docx", "report_version.context"):
        assert column not in selected, version_reads[0]
    # the pdf column only inside "pdf IS NOT NULL", never as itself (last in the list or not)
    assert not re.search(r"report_version\.pdf\b(?! IS NOT NULL)", selected), version_reads[0]
    # Shown to fail: the version page itself loads every column of the row.
    statements.clear()
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        client.get(base)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert any("report_version.docx" in s for s in statements)
