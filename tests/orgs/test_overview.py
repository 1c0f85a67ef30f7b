"""The organisation overview composes cycles, register health and actions."""
from __future__ import annotations

from cxgov.orgs.models import Organisation, Role
from tests.conftest import login_as


def test_overview_of_an_empty_org(client, make_org, make_member):
    org = make_org()
    login_as(client, make_member(org, Role.VIEWER))
    page = client.get(f"/o/{org.slug}/").get_data(as_text=True)
    assert "No closed assessment yet." in page
    assert "No assessment is open." in page
    assert 'data-testid="overview-health"' in page


def test_overview_of_the_demo(client, db):
    from cxgov.demo import DEMO_SLUG, DEMO_SPONSOR, demo_create
    from cxgov.auth.services import user_by_email

    demo_create()
    db.session.commit()
    login_as(client, user_by_email(DEMO_SPONSOR))
    page = client.get(f"/o/{DEMO_SLUG}/").get_data(as_text=True)
    assert 'data-testid="overview-index"' in page
    assert "2026-Q3" in page and "2026-Q4" in page
    assert "<svg" in page  # the trend over the closed quarters
