"""The report pages, the PDF download and its cache, against a real database."""
from __future__ import annotations

import faulthandler
import re

import pytest
from sqlalchemy import func, select

from cxgov.extensions import db
from cxgov.orgs.models import Role
from cxgov.reports import cli as report_cli
from cxgov.reports.context import fmt_index, fmt_level
from cxgov.reports.models import ReportPdfCache
from cxgov.reports.selectors import report_context_for_cycle, report_inputs, report_inputs_key
from tests.conftest import login_as
from tests.pdftext import pdftotext
from tests.report_stand_ins import STAND_IN_PREFIX, document_text, use_layout_as_document
from tests.cycles.helpers import answer, make_cycle


def _answered_cycle(org, make_member, *, status="closed", period="2026-Q3", names=None):
    """A cycle with three respondents who rated a few practices, with evidence notes."""
    names = names or ["Åsa Lindqvist", "Søren Bæk", "Örjan Møller"]
    users = [make_member(org, Role.RESPONDENT, name=n) for n in names]
    groups = ["leadership", "management", "front_line"]
    cycle = make_cycle(org, period, status="open", respondents=list(zip(users, groups)))
    respondents = sorted(cycle.respondents, key=lambda r: r.id)
    for i, resp in enumerate(respondents):
        for pid, base in (("A1", 2), ("A2", 3), ("B3", 4), ("E1", 1)):
            answer(cycle, resp, pid, str(min(5, base + (i if pid == "A2" else 0))),
                   note=f"Note from {resp.user.name} on {pid}" if pid == "A1" else "")
    db.session.flush()
    if status == "closed":
        from cxgov.cycles import services
        services.cycle_close(cycle=cycle, org=org, by=None)
        db.session.flush()
    return cycle



@pytest.fixture
def setup(make_org, make_member, make_user):
    consultant = make_user(name="Helena Strand", is_consultant=True, firm_name="Strand & Øster")
    org = make_org(name="Ålesund Kraft ÆØÅ", slug="alesund", consultant=consultant)
    other = make_org(name="Bergen Vann Secret", slug="bergen")
    cycle = _answered_cycle(org, make_member)
    other_cycle = _answered_cycle(other, make_member, names=["Otto Other", "Olga Other", "Oskar Other"])
    db.session.commit()
    return org, other, cycle, other_cycle, consultant


def test_report_page_and_pdf_show_the_same_numbers(client, setup):
    org, other, cycle, _, consultant = setup
    login_as(client, consultant)
    page = client.get(f"/o/{org.slug}/reports/{cycle.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    pdf = client.get(f"/o/{org.slug}/reports/{cycle.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdftotext(pdf.data)
    context = report_context_for_cycle(org, cycle)
    for key in ("index", "change", "health", "respondents"):
        shown = re.search(rf'data-kpi="{key}">([^<]+)<', html).group(1).strip()
        assert shown in text
    assert fmt_index(context.summary.index) in text
    for section in context.dimensions:
        for p in section.practices:
            if p.level is not None:
                assert re.search(rf"{p.id} .*?{re.escape(fmt_level(p.level))}", text), p.id
    assert "Ålesund Kraft ÆØÅ" in text and "Strand & Øster" in text and "Helena Strand" in text
    assert "Note from Åsa Lindqvist on A1" in text  # evidence notes, shown by group
    assert "Åsa Lindqvist" not in text.replace("Note from Åsa Lindqvist", "")  # no respondent names
    # Nothing of the other organisation leaks in.
    for leak in ("Bergen", "Secret", "Otto Other", "Olga", "Oskar Other"):
        assert leak not in text and leak not in html
    assert "XLSX" in html and f"/o/{org.slug}/cycles/{cycle.id}/export.xlsx" in html
    # Appendix B's figures are a white-space: pre run: a stray newline there put the bar on a line
    # of its own in the browser (the app's Jinja keeps newlines that the PDF's trims).
    runs = re.findall(r'<span class="rp-nums" data-level="[^"]+">(.*?)</span><b class="rp-pid">', html, re.S)
    assert runs and all("\n" not in run and run.count('class="rp-bar"') == 1 for run in runs)


def test_pdf_cache_hits_until_answers_register_or_branding_change(client, setup, monkeypatch):
    # The cache is the subject, not the layout: each "PDF" is the document it was made from.
    use_layout_as_document(monkeypatch)
    org, _, cycle, _, consultant = setup
    login_as(client, consultant)
    url = f"/o/{org.slug}/reports/{cycle.id}/report.pdf"
    first = client.get(url)
    rows = db.session.scalars(select(ReportPdfCache).where(ReportPdfCache.cycle_id == cycle.id)).all()
    assert len(rows) == 1
    first_hash = rows[0].context_hash
    with pytest.MonkeyPatch.context() as patch:  # served from the cache: no rendering at all
        patch.setattr("cxgov.reports.services.render_report_pdf",
                      lambda _context: pytest.fail("rendered although nothing changed"))
        second = client.get(url)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]

    # Branding change: a new hash and a new PDF showing the new firm.
    org.brand_firm_name = "Nordic Brand Partners"
    db.session.commit()
    third = client.get(url)
    db.session.rollback()
    row = db.session.scalar(select(ReportPdfCache).where(ReportPdfCache.cycle_id == cycle.id))
    assert row.context_hash != first_hash
    assert "Nordic Brand Partners".encode() in third.data
    assert db.session.scalar(select(func.count(ReportPdfCache.id)).where(ReportPdfCache.cycle_id == cycle.id)) == 1

    # Register change: a new CX sponsor changes the register health and the owners.
    key_before = report_inputs_key(report_inputs(org, cycle))
    from datetime import date
    from cxgov.register.models import CxRole, Person
    person = Person(org_id=org.id, name="Kjell Ødegård")
    db.session.add(person)
    db.session.flush()
    db.session.add(CxRole(org_id=org.id, person_id=person.id, role="cx_sponsor", since=date(2025, 1, 1)))
    db.session.commit()
    assert report_inputs_key(report_inputs(org, cycle)) != key_before
    fourth = client.get(url)
    db.session.rollback()
    assert fourth.data != third.data


def test_open_cycle_report_is_live_and_for_managers_only(client, setup, make_member):
    org, _, _, _, consultant = setup
    running = _answered_cycle(org, make_member, status="open", period="2026-Q4",
                              names=["Live Åke", "Live Bo", "Live Cai"])
    viewer = make_member(org, Role.VIEWER)
    db.session.commit()
    login_as(client, viewer)
    assert client.get(f"/o/{org.slug}/reports/{running.id}").status_code == 403
    assert client.get(f"/o/{org.slug}/reports/{running.id}/report.pdf").status_code == 403
    index = client.get(f"/o/{org.slug}/reports/").get_data(as_text=True)
    assert "2026-Q4" in index and "Available when the cycle is closed" in index
    login_as(client, consultant)
    page = client.get(f"/o/{org.slug}/reports/{running.id}")
    assert page.status_code == 200 and "still open" in page.get_data(as_text=True)


def test_other_organisations_cycle_is_404(client, setup):
    org, other, _, other_cycle, consultant = setup
    login_as(client, consultant)
    assert client.get(f"/o/{org.slug}/reports/{other_cycle.id}").status_code == 404
    assert client.get(f"/o/{org.slug}/reports/{other_cycle.id}/report.pdf").status_code == 404


def test_cli_pdf_and_batch(runner, setup, tmp_path, monkeypatch):
    # Which organisation's report each command writes is the subject: the layouts stand in. This
    # report's real layout is read back in test_report_page_and_pdf_show_the_same_numbers, and
    # the pdf command's own (report_pdf_for, which the batch's workers call too) from real PDFs in
    # test_report_language.py and test_pdf_languages.py (with --lang; without it, only here with
    # the stand-in) and from the spawned batch workers below.
    use_layout_as_document(monkeypatch)
    org, other, cycle, _, _ = setup
    slug = org.slug  # the commands end their sessions; keep plain values
    out = tmp_path / "one.pdf"
    result = runner.invoke(args=["report", "pdf", slug, "2026-Q3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(STAND_IN_PREFIX)  # the command wrote what the layout gave
    assert "Ålesund Kraft ÆØÅ" in document_text(out.read_bytes())
    bad = runner.invoke(args=["report", "pdf", slug, "2026-Q9", "-o", str(out)])
    assert bad.exit_code != 0 and "YYYY-Qn" in bad.output
    # Batch in one process (the test database is not visible to other processes' engines
    # in every setup); a missing organisation is listed and makes the exit status 1.
    batch = runner.invoke(args=["report", "batch", "--org", slug, "--org", "nosuch",
                                "--period", "2026-Q3", "-o", str(tmp_path / "all"), "--jobs", "1"])
    assert batch.exit_code == 1
    assert "1 of 2 reports written" in batch.output and "nosuch" in batch.output
    assert "Ålesund Kraft ÆØÅ".encode() in (tmp_path / "all" / f"{slug}-2026-Q3.pdf").read_bytes()
    both = runner.invoke(args=["report", "batch", "--all", "--period", "2026-Q3",
                               "-o", str(tmp_path / "every"), "--jobs", "1"])
    assert both.exit_code == 0, both.output
    assert sorted(p.name for p in (tmp_path / "every").iterdir()) == [
        "alesund-2026-Q3.pdf", "bergen-2026-Q3.pdf"]


#: How long a two-process batch may take before the test process is ended with every thread's
#: traceback: a worker deadlocked in a forked copy would otherwise hang the run instead of failing.
BATCH_WATCHDOG_S = 900


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_batch_on_two_processes_reaches_the_same_database(runner, setup, tmp_path, monkeypatch, start):
    """Workers in processes of their own reach the committed data and write each organisation's file.

    The batch forks its workers when its process has one thread (``_fork_is_safe``), as a
    ``flask report batch`` process has, and spawns them otherwise. A test process also holds
    idle threads of earlier tests (the report background pool, a test server's, the child
    watcher of Playwright's driver), so whether it would fork depends on which tests ran
    before; each start is chosen here instead. None of those threads is inside the database
    engine, WeasyPrint or a request between tests, so a forked copy may run the batch here.

    - fork: the workers inherit the layout stand-in; which files they write, and from which
      organisation's data, is the subject.
    - spawn: each worker imports cxgov and WeasyPrint, builds its app from the batch's config
      (``_worker_init``) and lays its report out for real, read back with pdftotext.
    """
    monkeypatch.setattr(report_cli, "_fork_is_safe", lambda: start == "fork")
    if start == "fork":
        use_layout_as_document(monkeypatch)
    org, other, *_ = setup
    slugs = [org.slug, other.slug]
    faulthandler.dump_traceback_later(BATCH_WATCHDOG_S, exit=True)
    try:
        result = runner.invoke(args=["report", "batch", "--all", "--period", "2026-Q3",
                                     "-o", str(tmp_path), "--jobs", "2"])
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert result.exit_code == 0, result.output
    assert "2 of 2 reports written" in result.output and "2 processes" in result.output
    read = document_text if start == "fork" else pdftotext
    texts = {slug: read((tmp_path / f"{slug}-2026-Q3.pdf").read_bytes()) for slug in slugs}
    assert "Ålesund Kraft ÆØÅ" in texts["alesund"] and "Bergen" not in texts["alesund"]
    assert "Bergen Vann Secret" in texts["bergen"] and "Ålesund" not in texts["bergen"]


def test_report_page_offers_make_this_an_action_for_managers(client, db, demo_workspace):
    """A consultant reading the report turns a gap into an action from the report page."""
    from cxgov.auth.services import user_by_email
    from cxgov.cycles.models import Cycle
    from cxgov.demo import DEMO_CONSULTANT, DEMO_SLUG
    from tests.conftest import login_as

    cycle = db.session.scalars(db.select(Cycle).where(Cycle.status == "closed").order_by(Cycle.period.desc())).first()
    login_as(client, user_by_email(DEMO_CONSULTANT))
    page = client.get(f"/o/{DEMO_SLUG}/reports/{cycle.id}").get_data(as_text=True)
    assert 'data-testid="make-action-' in page or 'data-testid="planned-action-' in page


def test_cli_docx(runner, setup, tmp_path):
    import docx

    org, _, cycle, _, _ = setup
    out = tmp_path / "r.docx"
    result = runner.invoke(args=["report", "docx", org.slug, cycle.period, "-o", str(out)])
    assert result.exit_code == 0, result.output
    headings = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Key messages", "Executive summary"]
    missing = runner.invoke(args=["report", "docx", org.slug, cycle.period, "--version", "3", "-o", str(out)])
    assert missing.exit_code == 1 and "no issued version 3" in missing.output


def test_a_deploy_that_changes_how_reports_are_drawn_never_serves_the_old_pdf(client, setup, monkeypatch):
    # The fallback that reuses a PDF of an equal context once found the pre-deploy PDF: a template,
    # stylesheet, chart code or catalogue change left the context equal and the old PDF was served.
    org, _, cycle, _, consultant = setup
    use_layout_as_document(monkeypatch)  # which PDF is served is the subject, not its layout
    login_as(client, consultant)
    url = f"/o/{org.slug}/reports/{cycle.id}/report.pdf"
    first = client.get(url)
    monkeypatch.setattr("cxgov.reports.selectors.render_version", lambda: "after-a-deploy")
    monkeypatch.setattr("cxgov.reports.services.render_version", lambda: "after-a-deploy", raising=False)
    monkeypatch.setattr("cxgov.reports.services.render_report_pdf", lambda _context: b"%PDF-1.7 redrawn")
    second = client.get(url)
    assert second.data == b"%PDF-1.7 redrawn"
    assert second.headers["ETag"] != first.headers["ETag"]
