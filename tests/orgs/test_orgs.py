"""Organisations, settings, members and roles."""
from __future__ import annotations

import io

from cxgov.auth.models import User
from cxgov.orgs.models import Membership, Organisation, Role
from tests.conftest import login_as
from tests.orgs.access import tiny_png


def test_consultant_creates_org_and_becomes_its_consultant(client, db, make_user):
    consultant = make_user(is_consultant=True)
    login_as(client, consultant)
    response = client.post("/orgs/new", data={"name": "Fjord Bank", "industry": "Banking", "language": "da"})
    assert response.status_code == 302
    org = db.session.scalars(db.select(Organisation)).one()
    assert org.slug == "fjord-bank"
    membership = db.session.scalars(db.select(Membership)).one()
    assert (membership.user_id, membership.role) == (consultant.id, Role.CONSULTANT)
    assert b"Fjord Bank" in client.get("/").data


def test_non_consultant_cannot_create_org(client, make_user):
    login_as(client, make_user())
    assert client.post("/orgs/new", data={"name": "X"}).status_code == 403


def test_settings_saved_and_logo_checked(client, db, make_org, make_member):
    org = make_org()
    login_as(client, make_member(org, Role.SPONSOR))
    data = {"name": "Nordlys Ænergi", "industry": "Energy", "language": "sv",
            "service_promise": "Vi svarar inom en dag.", "brand_accent": "#123abc"}
    fake = dict(data, logo=(io.BytesIO(b"<svg onload=alert(1)>"), "logo.png"))
    response = client.post(f"/o/{org.slug}/settings", data=fake, content_type="multipart/form-data")
    assert response.status_code == 200 and b"not a PNG or JPEG" in response.data
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).name != "Nordlys Ænergi"  # nothing saved

    real = dict(data, logo=(io.BytesIO(tiny_png()), "logo.png"))
    assert client.post(f"/o/{org.slug}/settings", data=real, content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, org.id)
    assert (saved.name, saved.language, saved.brand_accent) == ("Nordlys Ænergi", "sv", "#123abc")
    assert client.get(f"/o/{org.slug}/logo").data == tiny_png()


def test_add_member_gives_one_time_link(client, db, make_org, make_member):
    org = make_org()
    login_as(client, make_member(org, Role.SPONSOR))
    response = client.post(f"/o/{org.slug}/members", data={"email": "New.Person@Example.com", "name": "New Person", "role": "respondent"})
    assert response.status_code == 200
    assert b"/set-password/" in response.data
    user = db.session.scalars(db.select(User).where(User.email == "new.person@example.com")).one()
    assert user.password_hash == ""


def test_sponsor_cannot_grant_consultant(client, db, make_org, make_member):
    org = make_org()
    login_as(client, make_member(org, Role.SPONSOR))
    client.post(f"/o/{org.slug}/members", data={"email": "x@example.com", "role": "consultant"})
    assert db.session.scalars(db.select(User).where(User.email == "x@example.com")).first() is None


def test_last_manager_cannot_be_removed(client, db, make_org, make_member):
    org = make_org(consultant=None)
    sponsor = make_member(org, Role.SPONSOR)
    login_as(client, sponsor)
    membership = db.session.scalars(db.select(Membership)).one()
    client.post(f"/o/{org.slug}/members/{membership.id}/remove")
    assert db.session.scalars(db.select(Membership)).one() is not None


def test_cli_org_commands(runner, db, make_user):
    make_user(email="c@example.com", is_consultant=True)
    result = runner.invoke(args=["org", "create", "Fjäll AB", "--consultant", "c@example.com"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["org", "list"]).output.strip() == "fjall-ab\tFjäll AB"
    result = runner.invoke(args=["org", "add-member", "fjall-ab", "ny@example.com", "viewer"])
    assert result.exit_code == 0 and "/set-password/" in result.output
    assert runner.invoke(args=["org", "add-member", "nope", "ny@example.com", "viewer"]).exit_code != 0


def test_cli_user_create(runner, db):
    result = runner.invoke(args=["user", "create", "a@example.com", "--name", "A", "--password", "long enough pw", "--consultant"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["user", "create", "a@example.com", "--name", "A", "--password", "long enough pw"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_non_member_sees_404_not_403(client, make_org, make_user):
    # Here, not in tests/test_tenancy.py: that module's one app keeps its rows between tests, and
    # rows written before its world is built would be in every endpoint's world from then on.
    org = make_org()
    login_as(client, make_user())
    assert client.get(f"/o/{org.slug}/settings").status_code == 404
    assert client.get("/o/no-such-org/").status_code == 404
