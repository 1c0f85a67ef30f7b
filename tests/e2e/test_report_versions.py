"""Draft -> edit the summary -> issue -> download v1 PDF and Word -> edit -> issue v2 -> v1 unchanged."""
from __future__ import annotations

import io

import docx

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import PDF_TIMEOUT_MS, log_in_by_request, next_page_loaded
from tests.pdftext import pdftotext
from tests.reports.test_routes import setup  # noqa: F401 (the fixture)


def _download(page, testid: str) -> bytes:
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as info:
        page.click(f"[data-testid={testid}]", no_wait_after=True)
    return open(info.value.path(), "rb").read()


def _wait_for_pdf(page) -> None:
    """The version page says the PDF is being laid out and reloads itself until it is ready."""
    page.locator("a[data-testid=report-pdf]").wait_for(timeout=PDF_TIMEOUT_MS)


def test_draft_edit_issue_download_and_reissue(live_server, page, setup):  # noqa: F811
    org, _other, cycle, _, consultant = setup
    base = f"{live_server}/o/{org.slug}/reports/{cycle.id}"
    log_in_by_request(page, live_server, consultant.email, TEST_PASSWORD)

    page.goto(base)
    assert "Draft" in page.inner_text("[data-testid=report-status]")
    with next_page_loaded(page):
        page.click("[data-testid=report-edit]")
    page.fill("#summary", "Our **first** reading.\n\n- Start with the sponsor")
    with next_page_loaded(page):
        page.click("[data-testid=report-save]")
    assert page.url == base
    assert "Our first reading." in page.inner_text("[data-testid=summary]")

    with next_page_loaded(page):
        page.get_by_role("button", name="Issue as version 1").click()
    assert page.url == f"{base}/v1"
    _wait_for_pdf(page)
    v1_pdf = _download(page, "report-pdf")
    v1_docx = _download(page, "report-docx")
    assert "Our first reading." in pdftotext(v1_pdf)
    assert "Our first reading." in " ".join(p.text for p in docx.Document(io.BytesIO(v1_docx)).paragraphs)

    page.goto(f"{base}/edit")  # the draft's "Edit the text" was followed above
    page.fill("#summary", "A second reading.")
    with next_page_loaded(page):
        page.click("[data-testid=report-save]")
    assert page.url == base
    with next_page_loaded(page):
        page.get_by_role("button", name="Issue as version 2").click()
    assert page.url == f"{base}/v2"
    _wait_for_pdf(page)
    assert "A second reading." in pdftotext(_download(page, "report-pdf"))

    page.goto(f"{base}/v1")
    assert "Our first reading." in page.inner_text("[data-testid=summary]")
    assert _download(page, "report-pdf") == v1_pdf
    assert _download(page, "report-docx") == v1_docx
