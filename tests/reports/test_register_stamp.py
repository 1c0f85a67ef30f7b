"""The report reads the register again exactly when it changed (the stamp behind the PDF cache key).

A cached download no longer loads and checks the whole register: :func:`register_read` keeps the
snapshot per app under :func:`register_stamp`. These tests change every register table in every
way (and the service promise) and check that the report never sees the old register.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import delete, event

from cxgov.cycles import services as cycle_services
from cxgov.extensions import db
from cxgov.register.health import practice_map, register_snapshot
from cxgov.register.models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint
from cxgov.register.write import register_rows_apply
from cxgov.reports.selectors import REGISTER_MODELS, register_read, report_inputs, report_inputs_key
from tests.portfolio.test_benchmark import client_cycle, client_cycle_org, consultant  # noqa: F401

TODAY = date(2026, 11, 25)


@pytest.fixture
def register(client_cycle):  # noqa: F811
    """A small register: one row of every table, so every table can be changed."""
    org = client_cycle_org(client_cycle)
    anna = Person(org_id=org.id, name="Anna Berg", email="anna@example.com")
    db.session.add(anna)
    db.session.flush()
    channel = Channel(org_id=org.id, name="Phone", kind="phone", manager_id=anna.id)
    journey = Journey(org_id=org.id, name="Move in", owner_id=anna.id)
    db.session.add_all([channel, journey])
    db.session.flush()
    rows = {
        "person": anna,
        "channel": channel,
        "journey": journey,
        "touchpoint": Touchpoint(
            org_id=org.id, journey_id=journey.id, channel_id=channel.id, name="Sign up", owner_id=anna.id
        ),
        "role": CxRole(org_id=org.id, person_id=anna.id, role="cx_sponsor", since=date(2026, 1, 1)),
        "mandate": DelegatedMandate(org_id=org.id, holder="Agents", decision="Refund", channel_id=channel.id),
    }
    db.session.add_all([rows["touchpoint"], rows["role"], rows["mandate"]])
    db.session.commit()
    return org, client_cycle, rows


def _read(org):
    return register_read(org, today=TODAY, practices={}, lang="en")


def _new_row(org, rows, kind):
    anna, channel, journey = rows["person"], rows["channel"], rows["journey"]
    return {
        "person": lambda: Person(org_id=org.id, name="Bo Ek"),
        "channel": lambda: Channel(org_id=org.id, name="Chat", kind="chat"),
        "journey": lambda: Journey(org_id=org.id, name="Move out"),
        "touchpoint": lambda: Touchpoint(
            org_id=org.id, journey_id=journey.id, channel_id=channel.id, name="Invoice", owner_id=anna.id
        ),
        "role": lambda: CxRole(org_id=org.id, person_id=anna.id, role="ambassador", since=date(2026, 2, 1)),
        "mandate": lambda: DelegatedMandate(org_id=org.id, holder="Stores", decision="Exchange"),
    }[kind]()


_EDITS = {
    "person": ("active", False),
    "channel": ("active", False),
    "journey": ("owner_id", None),
    "touchpoint": ("last_reviewed", date(2026, 10, 1)),
    "role": ("until", date(2026, 6, 30)),
    "mandate": ("active", False),
}
KINDS = list(_EDITS)


def test_the_stamp_covers_every_table_the_snapshot_reads(register, monkeypatch):
    """A table added to the snapshot but not to the stamp would be read stale: the two must agree."""
    org, _cycle, _rows = register
    read: set[str] = set()
    real = db.session.execute

    def spy(statement, *args, **kwargs):
        read.update(table.name for table in statement.get_final_froms())
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", spy)
    register_snapshot(org)
    assert read == {model.__tablename__ for model in REGISTER_MODELS}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("change", ["insert", "update", "delete", "delete and insert"])
def test_every_change_to_every_table_is_seen(register, kind, change):
    org, _cycle, rows = register
    before = _read(org)
    assert _read(org).snapshot is before.snapshot  # nothing changed: kept
    row = rows[kind]
    if change == "insert":
        db.session.add(_new_row(org, rows, kind))
    elif change == "update":
        name, value = _EDITS[kind]
        setattr(row, name, value)
    elif change == "delete":
        extra = _new_row(org, rows, kind)
        db.session.add(extra)
        db.session.commit()
        before = _read(org)
        db.session.delete(extra)
    else:  # the newest row replaced: SQLite hands the freed id to the new row
        extra = _new_row(org, rows, kind)
        db.session.add(extra)
        db.session.commit()
        before = _read(org)
        freed = extra.id
        db.session.delete(extra)
        db.session.commit()
        again = _new_row(org, rows, kind)
        again.id = freed
        db.session.add(again)
    db.session.commit()
    after = _read(org)
    assert after.snapshot is not before.snapshot
    assert after.snapshot == register_snapshot(org)  # what the tables hold now, never the old read


def test_a_write_through_the_register_write_path_is_seen(register):
    org, _cycle, rows = register
    before = _read(org)
    touchpoint = rows["touchpoint"]
    register_rows_apply(
        org=org,
        table="touchpoints",
        rows=[{"id": touchpoint.id, "version": touchpoint.version_id, "name": "Join"}],
        by=None,
    )
    db.session.commit()
    after = _read(org)
    assert after.snapshot is not before.snapshot
    assert [t.name for t in after.snapshot.touchpoints] == ["Join"]


def test_a_bulk_update_that_skips_the_version_counter_is_seen(register):
    """An UPDATE statement outside the ORM still sets the update time (the column's onupdate)."""
    org, _cycle, _rows = register
    before = _read(org)
    db.session.execute(Touchpoint.__table__.update().where(Touchpoint.org_id == org.id).values(name="Bulk"))
    db.session.commit()
    assert _read(org).snapshot.touchpoints[0].name == "Bulk"
    assert _read(org).snapshot is not before.snapshot


def test_the_service_promise_is_seen(register):
    org, _cycle, _rows = register
    before = _read(org)
    org.service_promise = "We call back within a day."
    db.session.commit()
    assert _read(org).snapshot.service_promise == "We call back within a day."
    assert _read(org).snapshot is not before.snapshot


def test_another_organisation_s_change_keeps_the_read(register, make_org):
    org, _cycle, _rows = register
    other = make_org(slug="other")
    before = _read(org)
    db.session.add(Person(org_id=other.id, name="Elsewhere"))
    db.session.commit()
    assert _read(org).snapshot is before.snapshot


def test_a_register_change_changes_the_report_key(register):
    """End to end: what the report shows from the register moves its PDF cache key."""
    org, cycle, rows = register
    key = report_inputs_key(report_inputs(org, cycle, today=TODAY))
    assert report_inputs_key(report_inputs(org, cycle, today=TODAY)) == key
    rows["touchpoint"].owner_id = None  # an unowned touchpoint: a failing check
    db.session.commit()
    assert report_inputs_key(report_inputs(org, cycle, today=TODAY)) != key


def test_a_cached_read_costs_one_query(register):
    org, cycle, _rows = register
    framework = cycle_services.cycle_framework(cycle)
    practices = practice_map(framework)
    register_read(org, today=TODAY, practices=practices, lang="en")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        kept = register_read(org, today=TODAY, practices=practices, lang="en")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    # A new day re-runs the checks on the same snapshot (reviews go stale by the calendar).
    later = register_read(org, today=date(2027, 11, 25), practices=practices, lang="en")
    assert later.snapshot is kept.snapshot and later.health is not kept.health


def test_a_changed_stored_result_is_decoded_again(client_cycle):  # noqa: F811
    """Closed cycles' results are kept decoded while equal; a changed row is never answered from memory."""
    first = cycle_services.stored_result(client_cycle)
    assert cycle_services.stored_result(client_cycle) is first
    results = json.loads(json.dumps(client_cycle.results))
    results["index"] = 12.0
    client_cycle.results = results
    db.session.commit()
    assert cycle_services.stored_result(client_cycle).index == 12.0
    org = client_cycle_org(client_cycle)
    assert report_inputs(org, client_cycle).result.index == 12.0


def test_the_memo_is_per_app(register):
    """Each app keeps its own reads, so two databases with the same ids never share one."""
    org, _cycle, _rows = register
    _read(org)
    assert org.id in current_app.extensions["cxgov_report_registers"].entries
    db.session.execute(delete(CxRole).where(CxRole.org_id == org.id))
    db.session.commit()
    assert _read(org).snapshot.roles == ()
