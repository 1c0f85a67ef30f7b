"""The API's contract: tokens, tenancy, roles, errors, pagination, ETags, writes and bulk upserts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cxgov.api.models import ApiToken
from cxgov.audit import SecurityEvent
from cxgov.db import utcnow
from cxgov.extensions import db
from cxgov.history.models import ChangeLog
from cxgov.orgs.models import Membership, Role
from cxgov.register import services as register
from cxgov.register.models import Channel, Person
from tests.api.conftest import bearer
from tests.conftest import login_as

API = "/api/v1"


@pytest.fixture
def org_member(make_org, make_member):
    org = make_org()
    return org, make_member(org, Role.SPONSOR)


def test_a_token_is_shown_once_stored_hashed_and_prefixed(org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    assert secret.startswith("cxg_pat_") and len(secret) > 40
    stored = db.session.scalar(select(ApiToken))
    assert secret not in (stored.token_hash, stored.hint) and stored.hint == secret[:12]


def test_no_token_401_bad_token_401_session_cookie_is_not_enough(client, org_member):
    org, user = org_member
    login_as(client, user)  # a logged-in browser must not be able to call the API
    for headers in ({}, bearer("cxg_pat_nonsense"), {"Authorization": "Basic eDp5"}):
        response = client.get(f"{API}/orgs/{org.slug}", headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["status"] == 401


def test_another_organisation_is_404_and_a_missing_role_403(client, make_org, make_member, make_token):
    org, other = make_org(), make_org()
    viewer = make_member(org, Role.VIEWER)
    make_member(other, Role.SPONSOR)
    secret = make_token(viewer)
    assert client.get(f"{API}/orgs/{other.slug}", headers=bearer(secret)).status_code == 404
    assert client.get(f"{API}/orgs/no-such-org", headers=bearer(secret)).status_code == 404
    response = client.post(f"{API}/orgs/{org.slug}/register/channels", json={"name": "Chat", "kind": "chat"},
                           headers=bearer(secret))
    assert response.status_code == 403 and response.content_type == "application/problem+json"
    assert db.session.scalar(select(func.count()).select_from(Channel)) == 0


def test_token_scoped_to_one_org_does_not_reach_the_others(client, make_org, make_member, make_token):
    first, second = make_org(), make_org()
    user = make_member(first, Role.SPONSOR)
    db.session.add(Membership(user_id=user.id, org_id=second.id, role=Role.SPONSOR))
    db.session.commit()
    secret = make_token(user, org=first)
    assert client.get(f"{API}/orgs/{second.slug}", headers=bearer(secret)).status_code == 404
    assert [o["slug"] for o in client.get(f"{API}/orgs", headers=bearer(secret)).get_json()["items"]] == [first.slug]
    everywhere = make_token(user)
    slugs = [o["slug"] for o in client.get(f"{API}/orgs", headers=bearer(everywhere)).get_json()["items"]]
    assert slugs == sorted([first.slug, second.slug])


def test_read_only_token_cannot_write(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user, read_only=True)
    assert client.get(f"{API}/orgs/{org.slug}/register/channels", headers=bearer(secret)).status_code == 200
    response = client.post(f"{API}/orgs/{org.slug}/register/channels", json={"name": "Chat", "kind": "chat"},
                           headers=bearer(secret))
    assert response.status_code == 403 and "read-only" in response.get_json()["detail"]
    assert db.session.scalar(select(func.count()).select_from(Channel)) == 0


def test_leaving_the_organisation_stops_the_token_at_once(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret)).status_code == 200
    db.session.delete(db.session.scalar(select(Membership).where(Membership.user_id == user.id)))
    db.session.commit()
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret)).status_code == 404
    assert client.get(f"{API}/orgs", headers=bearer(secret)).get_json()["items"] == []


def test_a_lower_role_applies_at_once(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    membership.role = Role.VIEWER
    db.session.commit()
    response = client.post(f"{API}/orgs/{org.slug}/register/channels", json={"name": "Chat", "kind": "chat"},
                           headers=bearer(secret))
    assert response.status_code == 403


def test_revoked_or_expired_token_stops_at_once(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    token = db.session.scalar(select(ApiToken))
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret)).status_code == 200
    from cxgov.api.tokens import token_revoke

    token_revoke(token=token, by=user)
    db.session.commit()
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret)).status_code == 401
    expiring = make_token(user, expires_days=1)
    later = db.session.scalar(select(ApiToken).where(ApiToken.revoked_at.is_(None)))
    later.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(expiring)).status_code == 401


def test_deactivated_user_token_stops(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    user.active = False
    db.session.commit()
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret)).status_code == 401


@pytest.mark.app_config(API_RATE_LIMIT=3, API_RATE_WINDOW_SECONDS=60)
def test_rate_limit_answers_429_with_retry_after(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    statuses = [client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret))
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.content_type == "application/problem+json"
    # another token of the same user has its own allowance
    assert client.get(f"{API}/orgs/{org.slug}", headers=bearer(make_token(user))).status_code == 200


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_csrf_does_not_apply_to_token_calls_and_no_cors(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    response = client.post(f"{API}/orgs/{org.slug}/register/channels", json={"name": "Chat", "kind": "chat"},
                           headers={**bearer(secret), "Origin": "https://evil.example"})
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers


def test_last_used_is_recorded(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    client.get(f"{API}/orgs/{org.slug}", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_validation_errors_are_problem_details_with_field_pointers(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    response = client.post(f"{API}/orgs/{org.slug}/register/channels", json={"name": "x" * 300, "kind": "pigeon",
                                                                              "colour": "red"},
                           headers=bearer(secret))
    assert response.status_code == 422
    body = response.get_json()
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"#/name", "#/kind", "#/colour"} <= pointers
    bad_query = client.get(f"{API}/orgs/{org.slug}/register/people?limit=0", headers=bearer(secret))
    assert bad_query.status_code == 422 and bad_query.get_json()["errors"][0]["pointer"] == "?limit"
    not_json = client.post(f"{API}/orgs/{org.slug}/register/channels", data="{", headers={
        **bearer(secret), "Content-Type": "application/json"})
    assert not_json.status_code in (400, 422) and not_json.content_type == "application/problem+json"


def test_cursor_pagination_is_stable_and_filters(client, org_member, make_token):
    org, user = org_member
    for n in range(7):
        register.person_create(org=org, name=f"Person {n}", email=f"p{n}@x.example", by=None, active=n != 3)
    db.session.commit()
    secret = make_token(user)
    seen, cursor = [], None
    while True:
        url = f"{API}/orgs/{org.slug}/register/people?limit=3&sort=-name" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(secret)).get_json()
        seen += [row["name"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Person {n}" for n in reversed(range(7))]
    active = client.get(f"{API}/orgs/{org.slug}/register/people?active=false", headers=bearer(secret)).get_json()
    assert [row["name"] for row in active["items"]] == ["Person 3"]
    q = client.get(f"{API}/orgs/{org.slug}/register/people?q=son%205", headers=bearer(secret)).get_json()
    assert [row["name"] for row in q["items"]] == ["Person 5"]
    wrong = client.get(f"{API}/orgs/{org.slug}/register/people?limit=3&sort=id&cursor={cursor or 'abc'}",
                       headers=bearer(secret))
    assert wrong.status_code == 422


def test_etag_and_if_none_match_give_304(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user)
    first = client.get(f"{API}/orgs/{org.slug}/register/people", headers=bearer(secret))
    etag = first.headers["ETag"]
    again = client.get(f"{API}/orgs/{org.slug}/register/people", headers={**bearer(secret), "If-None-Match": etag})
    assert again.status_code == 304


def test_update_needs_if_match_and_a_stale_etag_is_412(client, org_member, make_token):
    org, user = org_member
    channel = register.channel_create(org=org, name="Phone", kind="phone", by=None)
    db.session.commit()
    secret = make_token(user, name="HR sync")
    url = f"{API}/orgs/{org.slug}/register/channels/{channel.id}"
    etag = client.get(url, headers=bearer(secret)).headers["ETag"]
    assert client.patch(url, json={"name": "Phone line"}, headers=bearer(secret)).status_code == 428
    ok = client.patch(url, json={"name": "Phone line"}, headers={**bearer(secret), "If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["name"] == "Phone line"
    stale = client.patch(url, json={"name": "Telephone"}, headers={**bearer(secret), "If-Match": etag})
    assert stale.status_code == 412
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).name == "Phone line"
    entry = db.session.scalar(select(ChangeLog).where(ChangeLog.action == "update"))
    assert entry.via_token == "HR sync" and entry.user_id == user.id
    logged = db.session.scalars(select(SecurityEvent.detail).where(SecurityEvent.action == "api_write")).all()
    assert any("HR sync" in d for d in logged)


def test_create_and_deactivate_go_through_the_register_services(client, org_member, make_token):
    org, user = org_member
    person = register.person_create(org=org, name="Åsa", email="asa@x.example", by=None)
    db.session.commit()
    secret = make_token(user, name="Sync")
    response = client.post(f"{API}/orgs/{org.slug}/register/journeys", json={"name": "Move in", "owner_id": person.id},
                           headers=bearer(secret))
    assert response.status_code == 201, response.get_json()
    journey = response.get_json()
    assert journey["owner_name"] == "Åsa"
    duplicate = client.post(f"{API}/orgs/{org.slug}/register/journeys", json={"name": "move in"}, headers=bearer(secret))
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_json()["detail"]
    gone = client.delete(f"{API}/orgs/{org.slug}/register/journeys/{journey['id']}", headers=bearer(secret))
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    actions = db.session.scalars(select(ChangeLog.action).where(ChangeLog.entity_type == "journey")
                                 .order_by(ChangeLog.id)).all()
    assert actions == ["create", "deactivate"]


def test_references_to_another_organisation_are_refused(client, make_org, make_member, make_token):
    org, other = make_org(), make_org()
    user = make_member(org, Role.SPONSOR)
    foreign = register.person_create(org=other, name="Elsewhere", by=None)
    db.session.commit()
    response = client.post(f"{API}/orgs/{org.slug}/register/journeys", json={"name": "Move in", "owner_id": foreign.id},
                           headers=bearer(make_token(user)))
    assert response.status_code == 422 and response.get_json()["errors"][0]["pointer"] == "#/owner_id"


def test_bulk_upsert_plans_applies_and_one_bad_row_writes_nothing(client, org_member, make_token):
    org, user = org_member
    register.person_create(org=org, name="Åsa", email="asa@x.example", by=None)
    db.session.commit()
    secret = make_token(user, name="HR")
    url = f"{API}/orgs/{org.slug}/register/people/bulk"
    rows = [{"email": "asa@x.example", "name": "Åsa Ström", "title": "Head"},
            {"email": "bo@x.example", "name": "Bo"}]
    plan = client.post(url + "?dry_run=1", json={"rows": rows}, headers=bearer(secret)).get_json()
    assert (plan["dry_run"], plan["written"], plan["added"], plan["changed"]) == (True, False, 1, 1)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1

    before = db.session.scalar(select(func.count()).select_from(ChangeLog))
    bad = rows + [{"email": "not-an-address", "name": "Eve"}]
    refused = client.post(url, json={"rows": bad}, headers=bearer(secret))
    assert refused.status_code == 422
    assert any(e["row"] == 2 and e["pointer"].startswith("#/rows/2") for e in refused.get_json()["errors"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == before

    done = client.post(url, json={"rows": rows}, headers=bearer(secret)).get_json()
    assert done["written"] is True
    names = db.session.scalars(select(Person.name).order_by(Person.name)).all()
    assert names == ["Bo", "Åsa Ström"]
    assert set(db.session.scalars(select(ChangeLog.via_token).where(ChangeLog.import_id.is_not(None)))) == {"HR"}


def test_the_history_page_names_the_token(client, org_member, make_token):
    org, user = org_member
    secret = make_token(user, name="HR sync")
    client.post(f"{API}/orgs/{org.slug}/register/channels", json={"name": "Chat", "kind": "chat"},
                headers=bearer(secret))
    login_as(client, user)
    page = client.get(f"/o/{org.slug}/register/history").get_data(as_text=True)
    assert "API token HR sync" in page


def test_a_bad_body_for_another_organisations_row_is_404_not_422(client, make_org, make_member, make_token):
    org, other = make_org(), make_org()
    user = make_member(org, Role.SPONSOR)
    foreign = register.channel_create(org=other, name="Phone", kind="phone", by=None)
    db.session.commit()
    response = client.patch(f"{API}/orgs/{org.slug}/register/channels/{foreign.id}", json={"kind": "pigeon"},
                            headers={**bearer(make_token(user)), "If-Match": "*"})
    assert response.status_code == 404


def test_bulk_upsert_keeps_text_that_starts_with_an_apostrophe(client, org_member, make_token):
    """The bulk rows reach the import as a CSV from the exports' writer, escaped as an export is:
    a title "'=x" stays "'=x" (the import strips one apostrophe before a formula character)."""
    org, user = org_member
    url = f"{API}/orgs/{org.slug}/register/people/bulk"
    rows = [{"email": "q@x.example", "name": "Quinn", "title": "'=SUM(A1)", "department": "=Sales"}]
    done = client.post(url, json={"rows": rows}, headers=bearer(make_token(user))).get_json()
    assert done["written"] is True, done
    person = db.session.scalar(select(Person).where(Person.email == "q@x.example"))
    assert (person.title, person.department) == ("'=SUM(A1)", "=Sales")
