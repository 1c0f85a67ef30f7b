"""Invitations: the invited person accepts or declines; the organisation sees only the address."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cxgov.auth.models import SetPasswordLink
from cxgov.auth.services import user_by_email
from cxgov.extensions import db
from cxgov.invitations.models import Invitation
from cxgov.invitations.services import InvitationError, invitation_create
from cxgov.orgs.models import Membership, Role
from tests.conftest import login_as

NEW_PASSWORD = "a password of my own"


def invite(client, org, email, role="respondent", name=""):
    return client.post(f"/o/{org.slug}/members", data={"email": email, "name": name, "role": role})


def test_accepting_makes_the_organisation_appear(app, client, make_org, make_member, make_user):
    org = make_org(name="Fjord Bank")
    person = make_member(make_org(name="Home Org"), Role.VIEWER)
    made = invitation_create(org=org, email=person.email, role=Role.AMBASSADOR, by=None, by_role=Role.SPONSOR)
    db.session.commit()
    assert made.set_password_token is None
    login_as(client, person)
    home = client.get("/").get_data(as_text=True)  # two places to be: no redirect into the one org
    assert "Fjord Bank" not in home.split('data-testid="invitations-waiting"')[0]
    assert "1 invitation is waiting for your answer." in home
    page = client.get("/invitations/").get_data(as_text=True)
    assert "Fjord Bank" in page and "Ambassador" in page
    response = client.post(f"/invitations/{made.invitation.id}/accept")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/o/{org.slug}/")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == person.id,
                                                            Membership.org_id == org.id))
    assert membership.role == Role.AMBASSADOR
    assert db.session.scalar(select(Invitation)) is None
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_the_person_sees_who_invited_them(app, client, make_org, make_member):
    org = make_org()
    sponsor = make_member(org, Role.SPONSOR, name="Anna Sponsor")
    person = make_member(make_org(), Role.VIEWER)
    invitation_create(org=org, email=person.email, role=Role.VIEWER, by=sponsor, by_role=Role.SPONSOR)
    db.session.commit()
    login_as(client, person)
    assert "invited by Anna Sponsor" in client.get("/invitations/").get_data(as_text=True)


def test_declining_leaves_no_membership(app, client, make_org, make_member):
    org = make_org()
    person = make_member(make_org(), Role.VIEWER)
    made = invitation_create(org=org, email=person.email, role=Role.VIEWER, by=None, by_role=Role.SPONSOR)
    db.session.commit()
    login_as(client, person)
    assert client.post(f"/invitations/{made.invitation.id}/decline").status_code == 302
    assert db.session.scalar(select(Invitation)) is None
    assert client.get(f"/o/{org.slug}/").status_code == 404


def test_nobody_answers_someone_elses_invitation(app, client, make_org, make_member):
    org = make_org()
    person, other = make_member(make_org(), Role.VIEWER), make_member(make_org(), Role.VIEWER)
    made = invitation_create(org=org, email=person.email, role=Role.VIEWER, by=None, by_role=Role.SPONSOR)
    db.session.commit()
    login_as(client, other)
    assert client.post(f"/invitations/{made.invitation.id}/accept").status_code == 404
    assert client.post(f"/invitations/{made.invitation.id}/decline").status_code == 404
    assert "No invitations are waiting" in client.get("/invitations/").get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is not None
    assert db.session.scalar(select(Membership).where(Membership.org_id == org.id,
                                                      Membership.user_id == other.id)) is None


def test_a_new_person_sets_a_password_then_accepts(app, client, make_org, make_member):
    org = make_org(name="Nordlys")
    login_as(client, make_member(org, Role.SPONSOR))
    page = invite(client, org, "new@x.example", name="Nina").get_data(as_text=True)
    link = re.search(r"/set-password/[A-Za-z0-9_-]+", page).group(0)
    assert "new@x.example" in page
    person = app.test_client()
    response = person.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/invitations/")
    invitation = db.session.scalars(select(Invitation)).one()
    person.post(f"/invitations/{invitation.id}/accept")
    assert person.get(f"/o/{org.slug}/").status_code == 200
    assert user_by_email("new@x.example").name == "Nina"


def test_the_members_page_lists_pending_invitations_and_withdraws_them(app, client, make_org, make_member):
    org = make_org()
    make_member(make_org(), Role.VIEWER, email="known@x.example")
    login_as(client, make_member(org, Role.SPONSOR))
    invite(client, org, "known@x.example", role="viewer")
    page = client.get(f"/o/{org.slug}/members").get_data(as_text=True)
    assert 'data-testid="org-invitations"' in page and "known@x.example" in page
    invitation = db.session.scalars(select(Invitation)).one()
    assert client.post(f"/o/{org.slug}/invitations/{invitation.id}/revoke").status_code == 302
    assert db.session.scalar(select(Invitation)) is None


def test_a_sponsor_cannot_withdraw_a_consultants_invitation(app, client, make_org, make_member):
    org = make_org()
    made = invitation_create(org=org, email="c@x.example", role=Role.CONSULTANT, by=None, by_role=Role.CONSULTANT)
    db.session.commit()
    login_as(client, make_member(org, Role.SPONSOR))
    client.post(f"/o/{org.slug}/invitations/{made.invitation.id}/revoke")
    assert db.session.scalar(select(Invitation)) is not None


def test_refusals_are_clear_and_change_nothing(app, client, make_org, make_member):
    org = make_org()
    member = make_member(org, Role.VIEWER)
    with pytest.raises(InvitationError, match="already a member"):
        invitation_create(org=org, email=member.email, role=Role.VIEWER, by=None, by_role=Role.SPONSOR)
    with pytest.raises(InvitationError, match="Only a consultant"):
        invitation_create(org=org, email="x@x.example", role=Role.CONSULTANT, by=None, by_role=Role.SPONSOR)
    invitation_create(org=org, email="y@x.example", role=Role.VIEWER, by=None, by_role=Role.SPONSOR)
    with pytest.raises(InvitationError, match="already invited"):
        invitation_create(org=org, email="Y@x.example", role=Role.SPONSOR, by=None, by_role=Role.SPONSOR)
    db.session.rollback()
    assert user_by_email("x@x.example") is None


def test_the_cli_invites_an_existing_account_without_a_link(app, runner, make_org, make_member):
    org = make_org(slug="fjall")
    make_member(make_org(), Role.VIEWER, email="known@x.example")
    result = runner.invoke(args=["org", "add-member", "fjall", "known@x.example", "viewer"])
    assert result.exit_code == 0, result.output
    assert "/set-password/" not in result.output and "invited" in result.output
    assert db.session.scalar(select(SetPasswordLink)) is None
    assert db.session.scalars(select(Invitation)).one().org_id == org.id


def test_two_sponsors_adding_one_address_at_once_get_a_message_not_an_error(app, client, make_org, make_member,
                                                                               monkeypatch):
    """The unique constraint decides a race between two requests; the loser is told, not shown a 500."""

    from cxgov.orgs import routes

    org = make_org()
    login_as(client, make_member(org, Role.SPONSOR))
    real = routes.invitation_create

    def racing(**kwargs):
        made = real(**kwargs)
        db.session.add(Invitation(org_id=org.id, user_id=made.invitation.user_id, email="x", role=Role.VIEWER))
        db.session.flush()  # the other request's row: this flush raises IntegrityError
        raise AssertionError("the unique constraint did not hold")

    monkeypatch.setattr(routes, "invitation_create", racing)
    response = invite(client, org, "both@x.example")
    assert response.status_code == 200
    assert "at the same moment" in response.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is None
    assert user_by_email("both@x.example") is None
