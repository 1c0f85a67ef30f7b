"""Library, framework and practice pages: every logged-in user reads them, nobody else."""
from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from cxgov.audit import SecurityEvent
from cxgov.orgs.models import Role
from tests.conftest import login_as
from tests.framework_app.conftest import BROKEN_TEXT, SHIPPED_TEXT

PAGES = [
    "/frameworks/",
    "/frameworks/cx-governance/",
    "/frameworks/cx-governance/1.0/",
    "/frameworks/cx-governance/1.0/practices/B3",
    "/frameworks/cx-governance/1.0/export.xlsx",
    "/frameworks/upload",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in Role] + [None])
def test_pages_render_for_every_role_and_a_plain_user(client, make_org, make_member, make_user,
                                                       role):
    user = make_member(make_org(), role) if role else make_user()
    login_as(client, user)

    library = client.get("/frameworks/").get_data(as_text=True)
    assert "CX governance and maturity assessment" in library
    assert "Version 1.1" in library and "6 dimensions · 48 practices" in library
    assert "cx-governance-1.1.yaml" in library
    assert "/frameworks/cx-governance/1.1/practices/B3" in library
    assert "Appoint a senior CX sponsor" in library and "Insight and feedback loops" in library

    page = client.get("/frameworks/cx-governance/1.0/").get_data(as_text=True)
    assert "Customer-led" in page and "Reactive" in page  # the stages
    assert "Exactly one active CX sponsor" in page  # register evidence, described

    practice = client.get("/frameworks/cx-governance/1.0/practices/B3")
    assert practice.status_code == 200
    html = practice.get_data(as_text=True)
    for text in ("What good looks like", "Initial", "Emerging", "Defined", "Managed", "Leading",
                 "Next step to 2 · Emerging", "Next step to 5 · Leading",
                 "Who the sponsor is and what the role covers in writing.",
                 "Exactly one active CX sponsor", "Default target", "Management team"):
        assert text in html, text
    assert html.count('data-level="') == 5
    assert "Upload a framework" not in library  # only consultants and admins upload
    assert client.get("/frameworks/upload").status_code == 403


def test_newest_version_is_the_default_page(client, make_user):
    login_as(client, make_user())
    assert b"Version 1.1" in client.get("/frameworks/cx-governance/").data


@pytest.mark.parametrize("url", [
    "/frameworks/nope/", "/frameworks/cx-governance/9.9/",
    "/frameworks/cx-governance/1.0/practices/Z99", "/frameworks/cx-governance/9.9/practices/B3",
    "/frameworks/nope/1.0/export.xlsx",
])
def test_unknown_things_are_404(client, make_user, url):
    login_as(client, make_user())
    assert client.get(url).status_code == 404


def test_practice_shows_sources_and_merged_ids(client, make_user):
    from cxgov.framework.catalog import framework_catalog

    fw = framework_catalog().get("cx-governance")
    merged = next(p for p in fw.practices if p.merges)
    login_as(client, make_user())
    html = client.get(f"/frameworks/cx-governance/1.0/practices/{merged.id}").get_data(as_text=True)
    for item in (*merged.merges, *merged.sources):
        assert f">{item}</span>" in html
    for step in merged.next_steps:
        assert str(step).replace("'", "&#39;") in html


def test_invalid_files_are_shown_to_consultants_and_admins_only(client, fw_dir, make_user):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    fw_dir("broken.yaml", BROKEN_TEXT)
    for user, sees in ((make_user(), False), (make_user(is_consultant=True), True),
                       (make_user(is_admin=True), True)):
        login_as(client, user)
        response = client.get("/frameworks/")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "CX governance and maturity assessment" in html
        assert ("Frameworks that could not be loaded" in html) is sees
        assert ("unknown register check" in html) is sees
        assert ("broken.yaml" in html) is sees


def test_xlsx_download_is_the_framework_export(client, db, make_user):
    login_as(client, make_user())
    response = client.get("/frameworks/cx-governance/1.0/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "cx-governance-1.0.xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(1, 2).value == "Id" and sheet.max_row == 43
    events = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "export")).all()
    assert [e.detail for e in events] == ["framework cx-governance 1.0 xlsx"]


def test_framework_link_is_in_the_navigation(client, make_user):
    login_as(client, make_user())
    assert b'href="/frameworks/"' in client.get("/frameworks/cx-governance/").data
