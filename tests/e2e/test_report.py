"""A consultant opens a client's gap report in the browser, downloads its PDF and turns a gap into an action."""
from __future__ import annotations

import re

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import PDF_TIMEOUT_MS, log_in_by_request, next_page_loaded
from tests.pdftext import pdftotext
from tests.reports.test_routes import setup  # noqa: F401 (the fixture)


def test_report_page_pdf_download_and_gap_to_action(live_server, page, setup):  # noqa: F811
    org, _other, cycle, _, consultant = setup
    slug, cycle_id, period = org.slug, cycle.id, cycle.period
    log_in_by_request(page, live_server, consultant.email, TEST_PASSWORD)

    # From the list of reports to the closed quarter's report.
    page.goto(f"{live_server}/o/{slug}/reports/")
    with next_page_loaded(page):
        page.locator("[data-testid=report-list]").get_by_role("link", name=period).first.click()
    assert page.url.endswith(f"/reports/{cycle_id}")
    for heading in ("Executive summary", "Maturity at a glance", "Practices by dimension",
                    "Prioritised gaps and next steps", "Register evidence", "Method"):
        assert page.get_by_role("heading", name=heading).first.is_visible(), heading
    radar = page.locator("svg[aria-label^='Dimension scores']")
    assert radar.is_visible() and radar.bounding_box()["width"] > 200  # the chart is drawn, not empty
    assert "Note from Åsa Lindqvist on A1" in page.inner_text("body")
    assert "Bergen" not in page.inner_text("body")  # another organisation's name never shows

    # The PDF link downloads the same report.
    # A first PDF takes seconds on a loaded machine: wait for the download, not for the click.
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download_info:
        page.click("[data-testid=report-pdf]", no_wait_after=True)
    download = download_info.value
    assert download.suggested_filename == f"{slug}-{period}-report.pdf"
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF")
    text = pdftotext(data)
    assert "Ålesund Kraft ÆØÅ" in text and "Prioritised gaps" in text

    # A gap on the report becomes an action in one click.
    button = page.locator("[data-testid^=make-action-]").first
    practice = button.get_attribute("data-testid").removeprefix("make-action-")
    with next_page_loaded(page):
        button.click()
    assert re.search(r"/actions/\d+/edit$", page.url), page.url
    assert page.input_value("input[name=title]").startswith(practice)
