"""Issue 12, findings 1 and 4: nobody gets into an account, or learns about it, by adding it.

Each test reproduces a finding of the review through the pages (or the import) and failed on
the code before invitations: they use nothing but what existed then.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from cxgov.auth.models import SetPasswordLink, User
from cxgov.auth.services import set_password_link_create, user_by_email
from cxgov.extensions import db
from cxgov.ops.transfer import org_export, org_file_read, org_import
from cxgov.orgs.models import Membership, Role
from tests.conftest import login_as

LINK = re.compile(r"/set-password/[A-Za-z0-9_-]+")
NEW_PASSWORD = "the person's own password"


def add_member(client, org, email, role="respondent", name=""):
    return client.post(f"/o/{org.slug}/members", data={"email": email, "name": name, "role": role})


def membership_of(email, org):
    user = user_by_email(email)
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.org_id == org.id))


def test_a_second_sponsor_adding_the_same_address_gets_no_link_into_the_account(app, make_org, make_member):
    """Finding 1 as reported: A adds v@x (link LA), B adds v@x (link LB), the person uses LA, B uses LB."""
    org_a, org_b = make_org(), make_org()
    sponsor_a, sponsor_b = make_member(org_a, Role.SPONSOR), make_member(org_b, Role.SPONSOR)
    first, second, person = app.test_client(), app.test_client(), app.test_client()
    login_as(first, sponsor_a)
    login_as(second, sponsor_b)

    page_a = add_member(first, org_a, "v@x.example", name="Vera").get_data(as_text=True)
    link_a = LINK.search(page_a).group(0)
    page_b = add_member(second, org_b, "v@x.example").get_data(as_text=True)
    assert LINK.search(page_b) is None  # B holds nothing that opens the account
    assert person.post(link_a, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    user = user_by_email("v@x.example")
    assert all(link.used_at is not None for link in db.session.scalars(
        select(SetPasswordLink).where(SetPasswordLink.user_id == user.id)))
    assert membership_of("v@x.example", org_b) is None  # B's organisation waits for her consent


def test_issuing_a_link_spends_the_older_one(app, client, make_user):
    user = make_user()
    user.password_hash = ""
    db.session.commit()
    older = set_password_link_create(user=user)
    newer = set_password_link_create(user=user)
    db.session.commit()
    assert client.get(f"/set-password/{older}").status_code == 404
    assert client.get(f"/set-password/{newer}").status_code == 200


def test_setting_the_password_spends_every_link_of_the_account(app, client, make_user):
    """Two live links (as an installation upgraded from before the fix may hold): using one ends both."""
    user = make_user()
    user.password_hash = ""
    db.session.commit()
    tokens = []
    for _ in range(2):  # written directly, as the old code left them
        from datetime import timedelta

        from cxgov.auth.models import hash_token, new_token
        from cxgov.db import utcnow

        token = new_token()
        db.session.add(SetPasswordLink(user_id=user.id, token_hash=hash_token(token),
                                       expires_at=utcnow() + timedelta(days=7)))
        tokens.append(token)
    db.session.commit()
    response = client.post(f"/set-password/{tokens[0]}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post("/logout")
    assert client.get(f"/set-password/{tokens[1]}").status_code == 404


def test_a_consultant_account_is_activated_only_through_the_admins_link(app, make_org, make_member, make_user):
    admin = make_user(is_admin=True, is_consultant=True)
    org = make_org()
    sponsor = make_member(org, Role.SPONSOR)
    admin_client, sponsor_client, person = app.test_client(), app.test_client(), app.test_client()
    login_as(admin_client, admin)
    login_as(sponsor_client, sponsor)

    page = admin_client.post("/admin/consultants", data={"email": "c@firm.example", "name": "Cora",
                                                         "firm_name": "Firm"}).get_data(as_text=True)
    admin_link = LINK.search(page).group(0)
    page = add_member(sponsor_client, org, "c@firm.example", role="viewer").get_data(as_text=True)
    assert LINK.search(page) is None
    assert membership_of("c@firm.example", org) is None
    # the admin's link still works for the consultant, and only it exists
    assert db.session.scalar(select(db.func.count()).select_from(SetPasswordLink)) == 1
    assert person.get(admin_link).status_code == 200


def test_an_import_mints_no_link_for_an_account_that_exists(app, make_org, make_member, make_user):
    org = make_org(slug="source")
    make_member(org, Role.SPONSOR, email="has-password@x.example")
    waiting = make_member(org, Role.RESPONDENT, email="no-password@x.example")
    waiting.password_hash = ""  # added earlier; holds the one link they were given
    db.session.commit()
    consultant = make_user(is_consultant=True)
    payload = org_file_read(org_export(org=org))

    result = org_import(payload=payload, slug="copy", by=consultant)
    db.session.commit()
    assert result.links == []
    assert db.session.scalar(select(db.func.count()).select_from(SetPasswordLink)) == 0
    members = {db.session.get(User, m.user_id).email for m in db.session.scalars(
        select(Membership).where(Membership.org_id == result.org.id))}
    assert members == {consultant.email}  # nobody named in a package joins without consent


def test_a_sponsor_learns_neither_the_name_nor_the_organisations_of_an_account(app, make_org, make_member):
    """Finding 4: adding a known address shows nothing of its owner, and does not make them a member."""
    org_a = make_org(name="Alpha Secret Holdings")
    vera = make_member(org_a, Role.SPONSOR, email="vera@x.example", name="Vera Hemlig")
    org_b = make_org(name="Beta Curious")
    sponsor_b = make_member(org_b, Role.SPONSOR)
    adder, person = app.test_client(), app.test_client()
    login_as(adder, sponsor_b)
    login_as(person, vera)

    pages = [add_member(adder, org_b, "Vera@X.example", name="guess").get_data(as_text=True),
             adder.get(f"/o/{org_b.slug}/members").get_data(as_text=True)]
    for page in pages:
        assert "Vera Hemlig" not in page and "Alpha Secret Holdings" not in page
        assert "vera@x.example" in page.lower()  # only what the sponsor typed
    assert membership_of("vera@x.example", org_b) is None
    assert "Beta Curious" not in person.get("/", follow_redirects=True).get_data(as_text=True)


def test_the_adders_message_is_the_same_for_a_known_and_an_unknown_address(app, make_org, make_member):
    """Finding 4: apart from a new account's link (shown on screen, see docs/security.md), nothing differs."""
    make_member(make_org(), Role.VIEWER, email="known@x.example")
    org = make_org()
    adder = app.test_client()
    login_as(adder, make_member(org, Role.SPONSOR))

    def message(email):
        page = add_member(adder, org, email).get_data(as_text=True)
        page = re.sub(r'<div class="alert alert-success" data-testid="set-password-link">.*?</div>\s*</div>', "",
                      page, flags=re.DOTALL)
        flashes = re.findall(r'class="alert alert-(\w+)[^"]*"[^>]*>(.*?)</div>', page, flags=re.DOTALL)
        return [(kind, " ".join(text.replace(email, "EMAIL").split())) for kind, text in flashes]

    known, unknown = message("known@x.example"), message("unknown@x.example")
    assert known and known == unknown
    assert "invited" in known[0][1]
