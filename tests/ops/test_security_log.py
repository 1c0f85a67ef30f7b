"""The security log: who, organisation, what, result, when; one line per event; no secrets."""
from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cxgov.audit import SecurityEvent, escape_for_log
from cxgov.auth.services import set_password_link_create
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD, login_as, make_test_app


@pytest.fixture
def logged_app(app, tmp_path):
    """A second app on the same database whose security log goes to a file (CXGOV_SECURITY_LOG)."""
    path = tmp_path / "security.log"
    logging_app = make_test_app(SECURITY_LOG=str(path))
    yield logging_app, path
    with logging_app.app_context():
        db.engine.dispose()
    make_test_app()  # back to stderr for the tests that follow


def _events() -> list[SecurityEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)))


def test_hostile_login_values_cannot_forge_lines_or_leak_the_password(logged_app, make_user):
    logging_app, path = logged_app
    client = logging_app.test_client()
    client.post("/login", data={"email": "a\nb@x.y", "password": "secret\nINJECT"})
    client.post("/login", data={"email": "c\r\nd@x.y\x1b[31m\u2028", "password": "secret\nINJECT"})
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("cxgov.security at=") and " action=login_failed result=refused " in line
               for line in lines)
    assert 'actor="a\\x0ab@x.y"' in lines[0]
    assert "\x1b" not in text and "\r" not in text and "\u2028" not in text
    assert "secret" not in text and "INJECT" not in text
    for event in _events():
        values = " ".join(str(getattr(event, c.name)) for c in SecurityEvent.__table__.columns)
        assert "\n" not in values and "\r" not in values
        assert "secret" not in values and "INJECT" not in values
    assert [e.actor for e in _events()][0] == "a\\x0ab@x.y"


def test_login_logout_and_refusals_say_who_where_what_result_when(logged_app, make_org, make_member):
    logging_app, path = logged_app
    org = make_org(slug="acme")
    viewer = make_member(org, Role.VIEWER, email="viewer@example.com")
    viewer_id, org_id = viewer.id, org.id
    db.session.rollback()
    client = logging_app.test_client()
    assert client.post("/login", data={"email": "viewer@example.com", "password": "wrong password"}).status_code == 200
    assert client.post("/login", data={"email": "viewer@example.com", "password": TEST_PASSWORD}).status_code == 302
    assert client.post("/o/acme/settings", data={"name": "Taken over"}).status_code == 403
    assert client.post("/logout").status_code == 302
    events = _events()
    assert [(e.action, e.result) for e in events] == [
        ("login_failed", "refused"), ("login", "ok"), ("permission_denied", "refused"), ("logout", "ok")]
    denied = events[2]
    assert (denied.user_id, denied.actor, denied.org_id) == (viewer_id, "viewer@example.com", org_id)
    assert denied.detail  # the view that refused
    assert events[1].user_id == viewer_id
    assert all(e.at is not None and e.remote_addr for e in events)
    lines = path.read_text().splitlines()
    assert len(lines) == 4
    assert f"action=permission_denied result=refused actor=\"viewer@example.com\" org={org_id} user={viewer_id}" in lines[2]


def test_set_password_tokens_stay_out_of_the_security_log(logged_app, make_user):
    logging_app, path = logged_app
    user = make_user(email="new@example.com")
    user.password_hash = ""  # links are only for accounts without a password
    token = set_password_link_create(user=user)
    db.session.commit()
    client = logging_app.test_client()
    response = client.post(f"/set-password/{token}", data={"password": "a brand new password",
                                                           "confirm": "a brand new password"})
    assert response.status_code == 302
    assert "password_set" in path.read_text()
    assert token not in path.read_text()
    assert all(token not in (e.detail + e.actor) for e in _events())


def test_escape_for_log_keeps_one_line_and_is_unambiguous():
    assert escape_for_log("a\nb") == "a\\x0ab"
    assert escape_for_log("a\\x0ab") == "a\\\\x0ab"  # a typed backslash cannot imitate an escape
    assert escape_for_log("\u2028\x7f\x85") == "\\u2028\\x7f\\x85"
    assert escape_for_log("ä ö é") == "ä ö é"


def test_default_security_log_is_stderr(app, client, make_user, capfd):
    make_test_app()  # no CXGOV_SECURITY_LOG
    client.post("/login", data={"email": "nobody@example.com", "password": "whatever it is"})
    err = capfd.readouterr().err
    assert 'cxgov.security at=' in err and 'actor="nobody@example.com"' in err
    assert logging.getLogger("cxgov.security").propagate is False  # one line, not one per handler


def test_gunicorn_access_log_masks_set_password_tokens():
    from gunicorn.config import Config

    from cxgov.ops.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/set-password/tok3n-SECRET?x=1", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/set-password/tok3n-SECRET", "QUERY_STRING": "x=1",
               "HTTP_REFERER": "https://cx.example/set-password/tok3n-SECRET", "REMOTE_ADDR": "127.0.0.1"}
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", "https://cx.example/set-password/tok3n-SECRET")])
    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=12))
    assert "tok3n-SECRET" not in repr(atoms)
    assert atoms["r"] == "GET /set-password/[redacted]?x=1 HTTP/1.1"
    assert atoms["M"] == 12


def test_a_shared_database_needs_the_secret_key_from_the_environment():
    """Every app server must sign cookies with the same key; a per-server key would log users out."""
    from cxgov import create_app

    with pytest.raises(RuntimeError, match="CXGOV_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none", "SECRET_KEY": None})
