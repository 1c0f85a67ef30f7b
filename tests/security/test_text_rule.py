"""Finding 9: a NUL byte in a journey description or the service promise (500 on PostgreSQL;
stored on SQLite, after which the register's own export no longer re-imports).

One rule (:func:`cxgov.validators.text_is_clean`) for every form field, import cell and package
value; forms get it from their base class, so this file also checks every form has that base.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

import cxgov
from cxgov.orgs.models import Organisation, Role
from cxgov.register.models import Journey
from tests.test_tenancy import fingerprint

#: Forms outside the rule, and why.
EXEMPT = {
    "LoginForm": "its values are only compared, never stored; a refusal must still reach the security "
                 "log as a failed login (tests/ops/test_security_log.py)",
}


def _all_forms() -> list[type]:
    for module in pkgutil.walk_packages(cxgov.__path__, "cxgov."):
        importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("cxgov."):
                found.append(sub)
    return found


def test_every_form_derives_from_the_checked_base():
    from cxgov.validators import CxForm

    forms = _all_forms()
    assert len(forms) > 15
    unchecked = [f"{f.__module__}.{f.__name__}" for f in forms
                 if not issubclass(f, CxForm) and f is not CxForm and f.__name__ not in EXEMPT]
    assert unchecked == [], "derive these from cxgov.validators.CxForm"


@pytest.mark.parametrize("value, multiline, clean", [
    ("Plain text, åäö ø – “quotes” 😀", False, True), ("a\tb", False, False), ("a\nb", False, False),
    ("a\tb\r\nc", True, True), ("a\x00b", True, False), ("a\x1bb", True, False), ("a\x7fb", True, False),
    ("a\x85b", True, False), ("a\x9fb", False, False), ("a\ud800b", True, False), ("\u2028", False, True),
])
def test_the_text_rule(value, multiline, clean):
    from cxgov.validators import text_is_clean

    assert text_is_clean(value, multiline=multiline) is clean


@pytest.fixture
def sponsor_client(app, client, make_org, make_member, login):
    org = make_org(slug="nordlys", name="Nordlys")
    login(client, make_member(org, Role.SPONSOR))
    return client


@pytest.mark.parametrize("bad", ["Leaving\x00home", "Leaving\x0bhome", "Leaving\x85home"])
def test_nul_and_control_characters_in_a_journey_description_are_refused(app, db, sponsor_client, bad):
    before = fingerprint()
    response = sponsor_client.post("/o/nordlys/register/journeys/new", data={"name": "Move out", "description": bad})
    assert response.status_code == 200
    assert "Remove the" in response.get_data(as_text=True)
    db.session.rollback()
    assert fingerprint() == before
    assert db.session.scalar(select(func.count()).select_from(Journey)) == 0


def test_a_multi_line_description_keeps_its_tabs_and_line_breaks(app, db, sponsor_client):
    response = sponsor_client.post("/o/nordlys/register/journeys/new",
                                   data={"name": "Move out", "description": "Step 1\r\n\tStep 2"})
    assert response.status_code == 302
    assert db.session.scalar(select(Journey.description)) in ("Step 1\r\n\tStep 2", "Step 1\n\tStep 2")


def test_nul_in_the_service_promise_is_refused(app, db, sponsor_client):
    data = {"name": "Nordlys", "industry": "", "language": "en", "service_promise": "We answer\x00 fast",
            "brand_accent": "#123abc"}
    response = sponsor_client.post("/o/nordlys/settings", data=data)
    assert response.status_code == 200 and "Remove the NUL character" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Organisation.service_promise)) in ("", None)
