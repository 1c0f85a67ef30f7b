"""The fingerprint that proves "nothing changed" sees every change of a value, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from cxgov.audit import SecurityEvent
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from tests.fingerprint import fingerprint


def _set_name(org_id: int, name: str) -> None:
    db.session.execute(update(Organisation).where(Organisation.id == org_id).values(name=name))
    db.session.commit()


def test_fingerprint_sees_every_change_of_a_value(app, make_org):
    org = make_org(name="a\x00b")
    other = make_org(name="Other")
    db.session.rollback()
    before = fingerprint()
    db.session.rollback()
    assert fingerprint() == before  # reading twice is the same
    db.session.rollback()

    # Text that differs only after a NUL character, in length, in letter case, by a trailing space.
    for changed in ("a\x00c", "a\x00bb", "A\x00b", "a\x00b "):
        _set_name(org.id, changed)
        after = fingerprint()
        assert after != before, changed
        assert after.changed_since(before) == ["organisation"], changed
        db.session.rollback()

    _set_name(org.id, "a\x00b")
    assert fingerprint() == before  # back as it was: the same again
    db.session.rollback()

    # The order of rows is part of it (primary-key order), so swapping two rows' values is a change.
    _set_name(org.id, "Other")
    _set_name(other.id, "a\x00b")
    assert fingerprint() != before
    db.session.rollback()


def test_fingerprint_leaves_out_the_security_log_only(app, make_org):
    make_org()
    db.session.rollback()
    before = fingerprint()
    db.session.rollback()
    db.session.add(SecurityEvent(action="login_failed", result="refused", at=datetime.now(UTC)))
    db.session.commit()
    assert fingerprint() == before  # a refused request is logged on purpose
    assert "security_event" not in before.tables
    assert set(before.tables) == {t.name for t in db.metadata.sorted_tables} - {"security_event"}
