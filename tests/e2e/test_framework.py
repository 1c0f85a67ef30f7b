"""Browse the framework library to a practice, then upload a new version in the browser."""
from __future__ import annotations

from sqlalchemy import select

from cxgov.framework.models import FrameworkUpload
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in_by_request, next_page_loaded
from tests.framework_app.conftest import variant


def test_library_practice_and_upload(live_server, page, db, make_user, tmp_path):
    consultant = make_user(is_consultant=True, name="Helena Strand")
    log_in_by_request(page, live_server, consultant.email, TEST_PASSWORD)

    page.goto(f"{live_server}/")
    with next_page_loaded(page):
        page.click("nav >> text=Framework")  # the navigation bar's link to the library
    with next_page_loaded(page):
        page.click("text=Appoint a senior CX sponsor")
    cards = page.locator("[data-testid=levels] [data-level]")
    assert cards.count() == 5
    assert "Leading" in cards.nth(4).inner_text()
    assert "Next step to 2" in cards.nth(0).inner_text()
    assert "WHAT GOOD LOOKS LIKE" in page.inner_text("[data-testid=good-looks-like]").upper()

    page.goto(f"{live_server}/frameworks/upload")
    file = tmp_path / "tailored.yaml"
    file.write_text(variant(version="1.2", title="Tailored for Fjord Bank"), encoding="utf-8")
    page.set_input_files("input[type=file]", str(file))
    # Validating the upload and building the new version's page took over the 10 s default on a
    # loaded 2-core machine: wait for the page, not for the click.
    page.click("[data-testid=upload-form] button[type=submit]", no_wait_after=True)
    page.wait_for_url(f"{live_server}/frameworks/cx-governance/1.2/")  # 1.1 ships
    assert "Tailored for Fjord Bank" in page.inner_text("h1")
    db.session.rollback()
    assert db.session.scalars(select(FrameworkUpload.version)).all() == ["1.2"]
