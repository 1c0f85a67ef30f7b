"""The demo workspace fixture: built once per test process, every test gets the same fresh copy."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cxgov.auth.models import User
from cxgov.cycles.models import Cycle
from cxgov.demo import DEMO_CONSULTANT, DEMO_MEMBERS, DEMO_SLUG
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from tests.conftest import _empty_all_tables, demo_workspace_copy
from tests.fingerprint import fingerprint


def test_every_copy_is_the_demo_as_built_whatever_an_earlier_test_wrote(app, make_org):
    first = demo_workspace_copy()
    assert first.org.slug == DEMO_SLUG and first.consultant.email == DEMO_CONSULTANT
    assert {DEMO_CONSULTANT, *(email for email, *_ in DEMO_MEMBERS)} <= set(first.members)
    assert all(first.members[email].email == email for email in first.members)
    assert db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.org_id == first.org.id)) == 9
    built = fingerprint()

    first.org.name = "Renamed by an earlier test"  # what one test writes ...
    db.session.commit()
    assert fingerprint() != built
    db.session.remove()
    _empty_all_tables()

    again = demo_workspace_copy()  # ... the next test's copy does not have
    assert fingerprint() == built
    assert again.org.name == "Nordlys Energi" and again.groups == first.groups
    # New rows get ids after the demo's (PostgreSQL: the id sequences were copied too).
    other = make_org()
    assert other.id > again.org.id
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_the_copy_refuses_a_database_that_has_rows(app, make_user):
    make_user(email="early@example.com")
    with pytest.raises(RuntimeError, match="empty database"):
        demo_workspace_copy()
    assert db.session.scalars(select(User.email)).all() == ["early@example.com"]
