"""Browser test: an ambassador imports a spreadsheet, checks the preview, confirms, and sees the
new owners in the ownership matrix."""
from __future__ import annotations

from sqlalchemy import func, select

from cxgov.extensions import db
from cxgov.orgs.models import Role
from cxgov.register.models import Channel, Journey, Person, Touchpoint
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in_by_request, next_page_loaded
from tests.register_transfer.helpers import small_tables, xlsx


def test_ambassador_imports_previews_confirms_and_sees_owners(live_server, page, make_org, make_member, tmp_path):
    org = make_org(name="Nordlys Energi")
    ambassador = make_member(org, Role.AMBASSADOR, name="Jonas Bæk")
    # The register already has the journey and a channel; the file adds people, a channel and
    # touchpoints, and changes the journey's owner.
    db.session.add_all([Journey(org_id=org.id, name="Move in", description="Customers moving into a new home",
                                version_id=1),
                        Channel(org_id=org.id, name="Web", kind="web", version_id=1)])
    db.session.commit()
    path = tmp_path / "nordlys-register.xlsx"
    path.write_bytes(xlsx(small_tables()))

    log_in_by_request(page, live_server, ambassador.email, TEST_PASSWORD)
    page.goto(f"{live_server}/o/{org.slug}/register/")
    with next_page_loaded(page):
        page.click("a.nav-link:has-text('Import / export')")
    page.set_input_files("input[name=file]", str(path))
    with next_page_loaded(page):
        page.click("[data-testid=import-form] button[type=submit]")
    assert page.inner_text("[data-testid=count-added]") == "8"
    assert page.inner_text("[data-testid=count-changed]") == "2"
    changes = page.inner_text("[data-testid=preview-journeys]").lower()
    assert "owner email" in changes and "ann@example.com" in changes
    assert "Sign the contract (Move in · Web)" in page.inner_text("[data-testid=preview-touchpoints]")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Touchpoint)) == 0  # not yet written

    with next_page_loaded(page):
        page.click("[data-testid=import-confirm]")
    assert "8 added, 2 changed" in page.inner_text(".alert-success")

    with next_page_loaded(page):
        page.click("a.nav-link:has-text('Ownership matrix')")
    matrix = page.locator("[data-testid=ownership-matrix]")
    text = matrix.inner_text()
    assert "Sign the contract" in text and "Bo Ærø" in text        # touchpoint owners
    assert "Ask about prices" in text and "Cai Øst" in text
    assert "Ann Åberg" in text                                      # the journey's new owner
    db.session.rollback()
    assert db.session.scalar(select(Person.name).where(Person.email == "bo@example.com")) == "Bo Ærø"
