"""Starting the register from an industry template: data files, idempotent, with history."""
from __future__ import annotations

from sqlalchemy import func, select

from cxgov.extensions import db as _db
from cxgov.history.models import ChangeLog
from cxgov.onboarding.templates import industry_templates
from cxgov.orgs.models import Role
from cxgov.register import services
from cxgov.register.models import Channel, Journey, Person


def test_four_industries_ship_with_journeys_channels_and_a_complaints_channel():
    keys = {t.key for t in industry_templates()}
    assert keys == {"energy", "bank-insurance", "retail", "public-service"}
    for template in industry_templates():
        assert len(template.journeys) >= 5 and len(template.channels) >= 5
        assert any(kind == "complaints" for _, kind in template.channels)


def test_applying_a_template_adds_what_is_missing_once_with_history(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    services.channel_create(org=org, name="Website", kind="web", by=None)
    _db.session.commit()
    login(client, make_member(org, Role.SPONSOR))
    assert "Energy and utilities" in client.get("/o/fresh/getting-started/templates").data.decode()
    assert client.post("/o/fresh/getting-started/templates", data={"template": "energy"}).status_code == 302
    count = lambda model: _db.session.scalar(select(func.count()).select_from(model).where(model.org_id == org.id))
    assert (count(Journey), count(Channel), count(Person)) == (6, 6, 0)  # "Website" existed; no people
    assert _db.session.scalar(select(func.count()).select_from(ChangeLog).where(ChangeLog.org_id == org.id)) == 12
    client.post("/o/fresh/getting-started/templates", data={"template": "energy"})
    assert (count(Journey), count(Channel)) == (6, 6)


def test_an_unknown_template_changes_nothing(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    login(client, make_member(org, Role.CONSULTANT))
    response = client.post("/o/fresh/getting-started/templates", data={"template": "../../etc/passwd"})
    assert response.status_code == 200
    assert _db.session.scalar(select(func.count()).select_from(Journey)) == 0
