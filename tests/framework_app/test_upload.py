"""Uploading a framework: validated like a file, stored once per version, refused clearly."""
from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import func, select

from cxgov.audit import SecurityEvent
from cxgov.framework.catalog import framework_catalog
from cxgov.framework.models import FrameworkUpload
from cxgov.framework.services import MAX_UPLOAD_BYTES
from cxgov.orgs.models import Role
from tests.conftest import login_as
from tests.framework_app.conftest import BROKEN_TEXT, SHIPPED_TEXT, variant


def post(client, data: bytes, filename: str = "mine.yaml"):
    return client.post("/frameworks/upload", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def uploads(db) -> int:
    return db.session.scalar(select(func.count(FrameworkUpload.id)))


def events(db, result: str | None = None) -> list[SecurityEvent]:
    query = select(SecurityEvent).where(SecurityEvent.action == "framework_upload")
    if result:
        query = query.where(SecurityEvent.result == result)
    return list(db.session.scalars(query))


@pytest.fixture
def consultant(client, make_user):
    user = make_user(is_consultant=True)
    login_as(client, user)
    return user


def test_a_valid_upload_is_stored_and_appears_in_the_library(client, db, consultant):
    response = post(client, variant(version="1.2", title="Our tailored framework").encode(),
                    "../../etc/our framework.yaml")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/frameworks/cx-governance/1.2/")
    stored = db.session.scalars(select(FrameworkUpload)).one()
    assert (stored.key, stored.version, stored.uploaded_by) == ("cx-governance", "1.2",
                                                                consultant.id)
    assert stored.filename == "our_framework.yaml"
    fw = framework_catalog().for_firms(None).get("cx-governance")
    assert fw.version == "1.2" and stored.content_hash == fw.content_hash
    library = client.get("/frameworks/").get_data(as_text=True)
    assert "Our tailored framework" in library and "Uploaded · our_framework.yaml" in library
    assert "/frameworks/cx-governance/1.1/" in library  # the older versions stay reachable
    assert client.get("/frameworks/cx-governance/1.2/practices/B3").status_code == 200
    assert [e.result for e in events(db)] == ["ok"]
    assert "cx-governance 1.2" in events(db)[0].detail


def test_a_platform_admin_may_upload(client, db, make_user):
    login_as(client, make_user(is_admin=True))
    assert post(client, variant(key="admin-framework").encode()).status_code == 302
    assert uploads(db) == 1


def test_an_invalid_upload_shows_every_problem_and_saves_nothing(client, db, consultant):
    response = post(client, BROKEN_TEXT.encode(), "broken.yaml")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The framework was not saved" in html
    assert "broken.yaml" in html  # the file column
    assert "dimensions[1].practices[2].register_checks[0]" in html  # the path column
    assert "unknown register check" in html  # the message column
    assert uploads(db) == 0
    assert framework_catalog().for_firms(None).get("broken-one") is None
    assert [e.result for e in events(db)] == ["refused"]


def test_malformed_yaml_is_reported_with_its_line(client, db, consultant):
    response = post(client, b"key: cx\nversion: [\n", "bad.yaml")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "is not valid YAML" in html and "line" in html
    assert uploads(db) == 0


def test_the_same_version_with_other_content_is_refused(client, db, consultant):
    response = post(client, variant(title="Changed without a new version").encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already exists with different content" in html and "1.2" in html  # 1.1 ships too
    assert uploads(db) == 0

    assert post(client, variant(version="1.2", title="A").encode()).status_code == 302
    response = post(client, variant(version="1.2", title="B").encode())
    assert "already exists with different content" in response.get_data(as_text=True)
    assert "1.3" in response.get_data(as_text=True)  # the suggested next version
    assert uploads(db) == 1
    assert str(framework_catalog().for_firms(None).get("cx-governance", "1.2").title) == "A"


def test_exactly_the_shipped_content_is_refused_as_already_there(client, db, consultant):
    response = post(client, SHIPPED_TEXT.encode())
    assert "already in the library with exactly this content" in response.get_data(as_text=True)
    assert uploads(db) == 0


@pytest.mark.parametrize("data, message", [
    ("Kundupplevelse på svenska".encode("latin-1"), "is not UTF-8 text"),
    (b"key: x\x00\n", "is not a text file"),
    (b"", "The file is empty"),
    (b"#" * (MAX_UPLOAD_BYTES + 1), "larger than 1000 KB"),
])
def test_unreadable_uploads_are_refused(client, db, consultant, data, message):
    response = post(client, data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert uploads(db) == 0


def test_no_file_chosen(client, db, consultant):
    response = client.post("/frameworks/upload", data={}, content_type="multipart/form-data")
    assert "Choose a framework YAML file" in response.get_data(as_text=True)
    assert uploads(db) == 0


def test_a_utf8_bom_is_accepted(client, db, consultant):
    text = variant(key="bom-framework", title="Kundupplevelse – åäö")
    assert post(client, b"\xef\xbb\xbf" + text.encode()).status_code == 302
    assert str(framework_catalog().for_firms(None).get("bom-framework").title) == "Kundupplevelse – åäö"


@pytest.mark.parametrize("role", [Role.SPONSOR, Role.AMBASSADOR, Role.RESPONDENT, Role.VIEWER,
                                  Role.CONSULTANT, None])
def test_other_users_cannot_upload(client, db, make_org, make_member, make_user, role):
    # A membership role of "consultant" is not the platform consultant flag.
    user = make_member(make_org(), role) if role else make_user()
    login_as(client, user)
    assert client.get("/frameworks/upload").status_code == 403
    assert post(client, variant(version="2.0").encode()).status_code == 403
    assert uploads(db) == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_upload_without_csrf_token_saves_nothing(client, db, consultant):
    assert post(client, variant(version="2.0").encode()).status_code == 400
    assert uploads(db) == 0


@pytest.mark.parametrize("data, english", [
    (BROKEN_TEXT.encode(), "The framework was not saved: "),
    (SHIPPED_TEXT.encode(), "is already in the library with exactly this content"),
    (b"", "The file is empty."),
])
def test_a_refusal_reads_in_the_uploaders_language_and_is_logged_in_english(client, db, make_user, caplog,
                                                                            data, english):
    """The security log has one language (cxgov.audit.LOG_LANGUAGE), so an operator can read and grep it."""
    login_as(client, make_user(is_consultant=True, language="sv"))
    with caplog.at_level(logging.INFO, logger="cxgov.security"):
        html = post(client, data, "fel.yaml").get_data(as_text=True)
    assert '<html lang="sv"' in html and english not in html  # the uploader reads Swedish
    (event,) = events(db, "refused")
    assert event.detail.startswith("fel.yaml: ") and english in event.detail
    (line,) = [r.getMessage() for r in caplog.records if "action=framework_upload" in r.getMessage()]
    assert english in line
