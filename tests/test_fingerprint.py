"""The fingerprint that proves "nothing changed" sees every change of a value, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from cxgov.audit import SecurityEvent
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from tests.fingerprint import Fingerprint, fingerprint


def _set(org_id: int, **values: Any) -> None:
    db.session.execute(update(Organisation).where(Organisation.id == org_id).values(**values))
    db.session.commit()


def _set_name(org_id: int, name: str) -> None:
    _set(org_id, name=name)


def _fingerprint_now() -> Fingerprint:
    taken = fingerprint()
    db.session.rollback()
    return taken


def test_fingerprint_sees_every_change_of_a_value(app, make_org):
    # PostgreSQL text cannot hold a NUL (psycopg refuses it), so the NUL cases are SQLite's.
    nul = db.engine.dialect.name == "sqlite"
    start = "a\x00b" if nul else "a b"
    org = make_org(name=start)
    other = make_org(name="Other")
    db.session.rollback()
    before = _fingerprint_now()
    assert _fingerprint_now() == before  # reading twice is the same

    # Text that differs after a NUL character (SQLite), in length, in letter case, by a
    # trailing space, or in a character the PostgreSQL row text quotes or escapes.
    changes = ["a\x00c", "a\x00bb", "A\x00b", "a\x00b "] if nul else []
    changes += ["a bb", "A b", "a b ", "a,b", 'a "b"', "a\\b", "a (b)", "a\nb", "a\tb", ""]
    for changed in changes:
        _set_name(org.id, changed)
        after = _fingerprint_now()
        assert after != before, repr(changed)
        assert after.changed_since(before) == ["organisation"], repr(changed)

    _set_name(org.id, start)
    assert _fingerprint_now() == before  # back as it was: the same again

    # The order of rows is part of it (primary-key order), so swapping two rows' values is a change.
    _set_name(org.id, "Other")
    _set_name(other.id, start)
    assert _fingerprint_now() != before


# Two neighbouring columns whose values would read the same if the row text did not quote,
# escape or mark the field boundary (PostgreSQL writes each row as one text, fields joined by
# ",", rows by a newline), and NULL against the empty text.
_LOOK_ALIKES = [
    ({"name": "a,b", "industry": "c"}, {"name": "a", "industry": "b,c"}),
    ({"name": 'a"', "industry": "b"}, {"name": "a", "industry": '"b'}),
    ({"name": "a\\", "industry": "b"}, {"name": "a", "industry": "\\b"}),
    ({"name": "a)", "industry": "b"}, {"name": "a", "industry": ")b"}),
    ({"name": "(a", "industry": "b"}, {"name": "a", "industry": "(b"}),
    ({"name": "a\nb", "industry": "c"}, {"name": "a", "industry": "b\nc"}),
    ({"name": "a ", "industry": "b"}, {"name": "a", "industry": " b"}),
    ({"name": "a", "industry": ""}, {"name": "a", "industry": " "}),
    ({"brand_firm_name": None}, {"brand_firm_name": ""}),
    ({"brand_firm_name": None}, {"brand_firm_name": '""'}),
    ({"brand_firm_name": ""}, {"brand_firm_name": '""'}),
    ({"brand_firm_name": None, "brand_accent": ""}, {"brand_firm_name": "", "brand_accent": None}),
]


@pytest.mark.parametrize(("first", "second"), _LOOK_ALIKES, ids=[repr(pair) for pair in _LOOK_ALIKES])
def test_fingerprint_keeps_look_alike_rows_apart(app, make_org, first, second):
    org = make_org(name="x", industry="", brand_firm_name=None, brand_accent=None)
    _set(org.id, **first)
    one = _fingerprint_now()
    _set(org.id, **second)
    two = _fingerprint_now()
    assert one != two
    assert two.changed_since(one) == ["organisation"]
    _set(org.id, **first)
    assert _fingerprint_now() == one


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
