"""CSRF protection is on outside tests: a POST without a token changes nothing."""
from __future__ import annotations

import pytest

from cxgov.orgs.models import Organisation, Role
from tests.conftest import login_as


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_without_token_changes_nothing(client, db, make_org, make_member):
    org = make_org(name="Before")
    sponsor = make_member(org, Role.SPONSOR)
    login_as(client, sponsor)
    response = client.post(f"/o/{org.slug}/settings", data={"name": "After", "language": "en"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).name == "Before"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_form_needs_token(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 400
