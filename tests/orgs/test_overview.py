"""The organisation overview composes cycles, register health and actions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cxgov.auth.services import user_by_email
from cxgov.demo import DEMO_SLUG, DEMO_SPONSOR
from cxgov.orgs.models import Organisation, Role
from cxgov.overview import overview_for
from cxgov.register import services
from cxgov.register.health import register_snapshot, run_health_checks
from tests.conftest import login_as


def test_overview_of_an_empty_org(client, make_org, make_member):
    org = make_org()
    login_as(client, make_member(org, Role.VIEWER))
    page = client.get(f"/o/{org.slug}/").get_data(as_text=True)
    assert "No closed assessment yet." in page
    assert "No assessment is open." in page
    assert 'data-testid="overview-health"' in page


def test_overview_of_the_demo(client, db, demo_workspace):
    login_as(client, user_by_email(DEMO_SPONSOR))
    page = client.get(f"/o/{DEMO_SLUG}/").get_data(as_text=True)
    assert 'data-testid="overview-index"' in page
    assert "2026-Q3" in page and "2026-Q4" in page
    assert "<svg" in page  # the trend over the closed quarters


def _shown(overview):
    """The register figures the overview shows."""
    return (
        overview.health_score,
        [(check.key, check.count) for check in overview.failing_checks],
        [(step.key, step.done) for step in overview.checklist],
    )


def _read_now(org):
    """The same figures read and checked from the database now, without any memo."""
    health = run_health_checks(register_snapshot(org), date.today())
    return health.score, [(r.key, r.count) for r in health.failing]


def test_the_overview_shows_the_register_as_it_stands_after_every_change(app, db, make_org, make_member):
    """The overview keeps the register between loads; an edit, even one that keeps the row count, shows at once."""
    org = make_org()
    sponsor = make_member(org, Role.SPONSOR)
    with app.test_request_context():
        first = overview_for(org, sponsor)
        assert _shown(first)[:2] == _read_now(org)
        assert "journeys" in [key for key, done in _shown(first)[2] if not done]

        owner = services.person_create(org=org, name="Ann Owner", by=None)
        journey = services.journey_create(org=org, name="Buy", by=None)
        channel = services.channel_create(org=org, name="Web", kind="web", by=None)
        touchpoint = services.touchpoint_create(org=org, journey=journey, channel=channel, name="Checkout", by=None)
        db.session.commit()
        second = overview_for(org, sponsor)
        assert _shown(second)[:2] == _read_now(org)
        assert _shown(second) != _shown(first)
        assert ("journeys", True) in _shown(second)[2]
        assert dict(_shown(second)[1]).get("touchpoints_unowned") == 1

        services.touchpoint_update(touchpoint=touchpoint, owner=owner, by=None)
        db.session.commit()
        third = overview_for(org, sponsor)
        assert _shown(third)[:2] == _read_now(org)
        assert "touchpoints_unowned" not in dict(_shown(third)[1])


def test_the_overview_of_the_demo_shows_the_registers_figures(app, db, demo_workspace):
    org = db.session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
    with app.test_request_context():
        for _ in range(2):  # the first load reads the register, the second is served from the memo
            shown = _shown(overview_for(org, user_by_email(DEMO_SPONSOR)))
            assert shown[:2] == _read_now(org)
            assert shown[1], "the demo register has failing checks to show"
