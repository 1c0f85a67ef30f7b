"""Tokens made and revoked on the account page (CSRF on) and with `flask token`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cxgov.api.models import ApiToken
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.api.conftest import bearer
from tests.conftest import login_as


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_create_shows_the_secret_once_and_revoke_stops_it(client, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.AMBASSADOR)
    login_as(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "<h1" in page and page.count("<h1") == 1
    refused = client.post("/account/tokens", data={"name": "Power BI", "org": org.slug, "expires": "30"})
    assert db.session.scalar(select(ApiToken)) is None and refused.status_code in (200, 400)
    created = client.post("/account/tokens", data={"csrf_token": _csrf(page), "name": "Power BI", "org": org.slug,
                                                   "read_only": "y", "expires": "30"})
    html = created.get_data(as_text=True)
    secret = re.search(r'value="(cxg_pat_[^"]+)"', html).group(1)
    token = db.session.scalar(select(ApiToken))
    assert (token.name, token.org_id, token.read_only, token.expires_at is not None) == ("Power BI", org.id, True, True)
    assert client.get("/account/tokens").get_data(as_text=True).count(secret) == 0  # shown once
    api = client.application.test_client()
    assert api.get(f"/api/v1/orgs/{org.slug}", headers=bearer(secret)).status_code == 200
    page = client.get("/account/tokens").get_data(as_text=True)
    client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": _csrf(page)})
    assert api.get(f"/api/v1/orgs/{org.slug}", headers=bearer(secret)).status_code == 401


def test_a_token_for_an_organisation_one_is_not_a_member_of_is_refused(client, make_org, make_member):
    org, other = make_org(), make_org()
    user = make_member(org, Role.VIEWER)
    login_as(client, user)
    client.post("/account/tokens", data={"name": "x", "org": other.slug, "expires": "30"})
    assert db.session.scalar(select(ApiToken)) is None


def test_another_users_token_cannot_be_revoked(client, make_org, make_member, make_token):
    org = make_org()
    owner, intruder = make_member(org, Role.SPONSOR), make_member(org, Role.SPONSOR)
    make_token(owner)
    token = db.session.scalar(select(ApiToken))
    login_as(client, intruder)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_cli_create_list_revoke(runner, client, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.SPONSOR)
    result = runner.invoke(args=["token", "create", user.email, "--org", org.slug, "--read-only", "--expires", "7",
                                 "--name", "nightly"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("cxg_pat_")
    assert client.get(f"/api/v1/orgs/{org.slug}", headers=bearer(secret)).status_code == 200
    listed = runner.invoke(args=["token", "list", user.email])
    assert "nightly" in listed.output and "read-only" in listed.output and secret not in listed.output
    token_id = listed.output.split("\t")[0]
    assert runner.invoke(args=["token", "revoke", token_id]).exit_code == 0
    assert client.get(f"/api/v1/orgs/{org.slug}", headers=bearer(secret)).status_code == 401
    assert runner.invoke(args=["token", "create", "nobody@example.com"]).exit_code != 0
