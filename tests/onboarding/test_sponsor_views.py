"""One sponsor, two views: both roles explained where they are set, and aligned in one click."""
from __future__ import annotations

from datetime import date

from cxgov.extensions import db as _db
from cxgov.orgs.models import Membership, Role
from cxgov.register import services
from cxgov.register.health import register_health
from sqlalchemy import select


def test_a_sponsor_member_is_recorded_as_the_register_sponsor_in_one_click(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    sponsor = make_member(org, Role.SPONSOR, name="Karin Ång")
    login(client, sponsor)
    assert register_health(org).result("sponsor").status == "fail"
    page = client.get("/o/fresh/members").data.decode()
    assert "Two kinds of" in page  # both roles explained where members get theirs
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == sponsor.id))
    assert f'data-testid="record-sponsor-{membership.id}"' in page
    response = client.post(f"/o/fresh/getting-started/sponsor/register/{membership.id}", data={"next": "/o/fresh/members"})
    assert response.status_code == 302
    assert register_health(org).result("sponsor").status == "ok"
    assert f'data-testid="record-sponsor-{membership.id}"' not in client.get("/o/fresh/members").data.decode()


def test_the_register_sponsor_is_offered_the_sponsor_member_role(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    manager = make_member(org, Role.SPONSOR)
    viewer = make_member(org, Role.VIEWER, name="Bo Berg")
    person = services.person_create(org=org, name="Bo Berg", email=viewer.email, user=viewer, by=None)
    services.cx_role_create(org=org, person=person, role="cx_sponsor", since=date(2025, 1, 1), by=None)
    _db.session.commit()
    login(client, manager)
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == viewer.id))
    page = client.get("/o/fresh/register/roles").data.decode()
    assert f'data-testid="member-sponsor-{membership.id}"' in page
    assert client.post(f"/o/fresh/getting-started/sponsor/member/{membership.id}").status_code == 302
    _db.session.refresh(membership)
    assert membership.role == Role.SPONSOR


def test_refuses_what_does_not_fit(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    manager = make_member(org, Role.SPONSOR)
    viewer = make_member(org, Role.VIEWER)
    login(client, manager)
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == viewer.id))
    client.post(f"/o/fresh/getting-started/sponsor/register/{membership.id}")
    client.post(f"/o/fresh/getting-started/sponsor/member/{membership.id}")
    _db.session.refresh(membership)
    assert membership.role == Role.VIEWER
    assert register_health(org).result("sponsor").status == "fail"
