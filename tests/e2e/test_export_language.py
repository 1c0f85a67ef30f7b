"""A person picks the export's language beside the download buttons and gets the file in it."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import openpyxl
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from cxgov.actions import services as action_services
from cxgov.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in_by_request
from tests.reports.test_routes import _answered_cycle


def _in(lang: str, text: str) -> str:
    with force_locale(lang):
        return babel_gettext(text)


def _shot(page, name: str) -> None:
    """Keep a screenshot when CXGOV_SCREENSHOTS names a folder (to look at the layout)."""
    folder = os.environ.get("CXGOV_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_export_buttons_download_in_the_picked_language(live_server, page, make_org, make_member, make_user):
    consultant = make_user(name="Helena Strand", is_consultant=True)
    org = make_org(name="Ålesund Kraft", slug="alesund", consultant=consultant, language="en")
    cycle = _answered_cycle(org, make_member)
    action_services.action_create(org=org, by=None, title="Appoint a sponsor", practice_id="A2")
    db.session.commit()
    log_in_by_request(page, live_server, consultant.email, TEST_PASSWORD)

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/o/{org.slug}/actions")
    if os.environ.get("CXGOV_SCREENSHOTS"):  # the narrow layout too, without loading the page for nothing
        _shot(page, "actions-export-1366")
        page.set_viewport_size({"width": 390, "height": 900})
        _shot(page, "actions-export-390")
        page.set_viewport_size({"width": 1366, "height": 900})
    assert page.locator("#actions-export-lang").input_value() == "en"  # the organisation's language
    page.select_option("#actions-export-lang", "da")
    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert _in("da", "Practice title") in header and "Practice title" not in header

    page.goto(f"{live_server}/o/{org.slug}/cycles/{cycle.id}/")
    page.select_option("#cycle-export-lang", "sv")
    with page.expect_download() as download:
        page.click("[data-testid=cycle-export] [data-testid=export-xlsx]")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == [_in("sv", "Answers"), _in("sv", "Practices"), _in("sv", "Dimensions")]
    page.select_option("#cycle-export-lang", "nb")
    page.click("[data-testid=cycle-export] .dropdown-toggle")
    _shot(page, "cycle-export-1366")
    with page.expect_download() as download:
        page.click("[data-testid=cycle-export] button[value=practices]")
    header = next(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert header[:2] == [_in("nb", "Period"), _in("nb", "Practice id")]

    page.goto(f"{live_server}/o/{org.slug}/register/export")
    _shot(page, "register-export-1366")
    page.select_option("#register-export-lang", "da")
    with page.expect_download() as download:
        page.click("[data-testid=register-export] [data-testid=export-xlsx]")
    assert openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).sheetnames[2] == _in("da", "Journeys")
