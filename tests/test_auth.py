"""Login, logout, password change, set-password links and session revocation."""
from __future__ import annotations

from datetime import timedelta

import pytest

from cxgov.audit import SecurityEvent
from cxgov.auth.models import SetPasswordLink, User
from cxgov.auth.services import set_password_link_create, user_deactivate
from cxgov.db import utcnow
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD


def log_in(client, email, password=TEST_PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_and_logout(client, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.SPONSOR)
    response = log_in(client, user.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith(f"/o/{org.slug}/")
    assert client.post("/logout").status_code == 302
    assert client.get(f"/o/{org.slug}/").status_code == 302  # back to the login page


def test_the_production_hash_method_hashes_with_scrypt_and_logs_in(app, client, make_org, make_member):
    # Every other test hashes with the tests' cheap method (tests/conftest.py); this one with the
    # app's own default, end to end through the login form.
    del app.config["PASSWORD_HASH_METHOD"]
    user = make_member(make_org(), Role.SPONSOR)
    assert user.password_hash.startswith("scrypt:")
    assert log_in(client, user.email, "not the password").status_code == 200
    assert log_in(client, user.email).status_code == 302


def test_wrong_password_is_refused_and_logged(client, make_user, db):
    user = make_user()
    response = log_in(client, user.email, "wrong password!!")
    assert response.status_code == 200
    assert b"wrong" in response.data
    events = db.session.scalars(db.select(SecurityEvent).where(SecurityEvent.action == "login_failed")).all()
    assert [e.actor for e in events] == [user.email]


@pytest.mark.app_config(LOGIN_MAX_FAILURES=3)
def test_repeated_failures_lock_the_account(client, make_user):
    user = make_user()
    for _ in range(3):
        log_in(client, user.email, "not the password")
    response = log_in(client, user.email)  # even the right password is refused for a while
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.data


def _captured_cookie_works(app, cookie_client, org) -> bool:
    return cookie_client.get(f"/o/{org.slug}/").status_code == 200


def _clone_session(app, client):
    """Return a second client carrying a copy of ``client``'s session cookie."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


@pytest.mark.parametrize("how", ["logout", "password_change", "deactivation"])
def test_captured_cookie_stops_working(app, client, db, make_org, make_member, how):
    org = make_org()
    user = make_member(org, Role.SPONSOR)
    log_in(client, user.email)
    copy = _clone_session(app, client)
    assert _captured_cookie_works(app, copy, org)

    if how == "logout":
        client.post("/logout")
    elif how == "password_change":
        new = "another long password"
        response = client.post("/account/password", data={"current": TEST_PASSWORD, "password": new, "confirm": new})
        assert response.status_code == 302
        assert client.get(f"/o/{org.slug}/").status_code == 200  # this session carries on
    else:
        user_deactivate(user=db.session.get(User, user.id))
        db.session.commit()

    assert not _captured_cookie_works(app, copy, org)


def test_short_password_refused(client, make_user):
    user = make_user()
    log_in(client, user.email)
    response = client.post("/account/password", data={"current": TEST_PASSWORD, "password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert b"at least 10 characters" in response.data


def test_set_password_link_works_once(client, db, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.RESPONDENT)
    user.password_hash = ""  # links are only for accounts without a password
    token = set_password_link_create(user=user)
    db.session.commit()
    assert client.get(f"/set-password/{token}").status_code == 200
    new = "a brand new password"
    assert client.post(f"/set-password/{token}", data={"password": new, "confirm": new}).status_code == 302
    client.post("/logout")
    assert client.get(f"/set-password/{token}").status_code == 404  # spent
    assert log_in(client, user.email, new).status_code == 302


def test_set_password_link_expires(client, db, make_user):
    user = make_user()
    user.password_hash = ""  # links are only for accounts without a password
    token = set_password_link_create(user=user)
    link = db.session.scalars(db.select(SetPasswordLink)).one()
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/set-password/{token}").status_code == 404


def test_open_redirect_is_refused(client, make_user):
    user = make_user(is_consultant=True)
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json["database"] == "ok"
