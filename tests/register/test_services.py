"""Register services: validation, history with before/after, person removal, optimistic locking."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from cxgov.history.models import ChangeLog
from cxgov.register import services
from cxgov.register.health import failing_check_keys
from cxgov.register.models import CxRole, Touchpoint

from .helpers import small_register


def entries(db, entity_type, entity_id):
    return list(db.session.scalars(select(ChangeLog).where(
        ChangeLog.entity_type == entity_type, ChangeLog.entity_id == entity_id).order_by(ChangeLog.id)))


def test_create_update_deactivate_write_history_with_before_and_after(db, make_org, make_user):
    org, user = make_org(), make_user(name="Editor")
    reg = small_register(org, by=user)
    tp = reg["touchpoints"][0]
    services.touchpoint_update(touchpoint=tp, owner=reg["bo"], kpi="CSAT", by=user)
    services.touchpoint_deactivate(touchpoint=tp, by=user)
    db.session.commit()
    log = entries(db, "touchpoint", tp.id)
    assert [e.action for e in log] == ["create", "update", "deactivate"]
    assert log[0].changes["name"] == [None, "Sign up"]
    assert log[1].changes == {"owner": ["Anna Åström <anna@x.example>", "Bo Ørsted <bo@x.example>"],
                              "kpi": ["", "CSAT"]}
    assert log[2].changes == {"active": [True, False]}
    assert all(e.user_id == user.id and e.org_id == org.id for e in log)
    assert log[1].entity_label == "Sign up (Move in · Phone)"


def test_a_touchpoint_with_the_longest_names_keeps_a_history_label_that_fits_its_column(db, make_org):
    """Three names of 200 characters make a 400+ character label; PostgreSQL refuses over 300."""
    org = make_org()
    journey = services.journey_create(org=org, name="j" * 200, by=None)
    channel = services.channel_create(org=org, name="c" * 200, kind="web", by=None)
    tp = services.touchpoint_create(org=org, journey=journey, channel=channel, name="t" * 200, by=None)
    db.session.commit()
    label = entries(db, "touchpoint", tp.id)[0].entity_label
    assert len(label) == 300 and label.startswith("t" * 200 + " (jjj")


def test_an_update_that_changes_nothing_writes_no_history(db, make_org):
    reg = small_register(make_org())
    tp = reg["touchpoints"][0]
    before = len(entries(db, "touchpoint", tp.id))
    services.touchpoint_update(touchpoint=tp, name="Sign up", by=None)
    db.session.commit()
    assert len(entries(db, "touchpoint", tp.id)) == before


@pytest.mark.parametrize("call, message", [
    (lambda r, org: services.person_create(org=org, name="  ", by=None), "“Name” is required"),
    (lambda r, org: services.person_create(org=org, name="X", email="ANNA@x.example", by=None), "already has"),
    (lambda r, org: services.person_create(org=org, name="X", email="not-an-email", by=None), "valid e-mail"),
    (lambda r, org: services.channel_create(org=org, name="phone", kind="phone", by=None), "already exists"),
    (lambda r, org: services.channel_create(org=org, name="Fax", kind="fax", by=None), "is not a choice of “Kind”"),
    (lambda r, org: services.journey_create(org=org, name="MOVE IN", by=None), "already exists"),
    (lambda r, org: services.touchpoint_create(org=org, journey=r["move_in"], channel=r["phone"], name="sign up",
                                               by=None), "already exists"),
    (lambda r, org: services.touchpoint_create(org=org, journey=r["move_in"], channel=r["phone"], name="New",
                                               last_reviewed=date.today() + timedelta(days=1), by=None), "future"),
    (lambda r, org: services.cx_role_create(org=org, person=r["anna"], role="king", since=date.today(), by=None),
     "is not a choice of “Role”"),
    (lambda r, org: services.cx_role_create(org=org, person=r["anna"], role="ambassador", since=date(2025, 1, 2),
                                            until=date(2025, 1, 1), by=None), "before the start"),
    (lambda r, org: services.mandate_create(org=org, holder="A", decision="", by=None), "“What they may decide” is required"),
    (lambda r, org: services.person_create(org=org, name="Bad\x00name", by=None), "control characters"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(db, make_org, call, message):
    org = make_org()
    reg = small_register(org)
    count = db.session.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1))
    with pytest.raises(services.RegisterError, match=message):
        call(reg, org)
    db.session.rollback()
    assert db.session.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)) == count


def test_objects_of_another_organisation_are_refused(db, make_org):
    reg, other = small_register(make_org()), small_register(make_org())
    with pytest.raises(services.RegisterError, match="another organisation"):
        services.touchpoint_update(touchpoint=reg["touchpoints"][0], owner=other["anna"], by=None)


def test_stale_version_is_refused(db, make_org):
    reg = small_register(make_org())
    tp = reg["touchpoints"][0]
    version = tp.version_id
    services.touchpoint_update(touchpoint=tp, kpi="NPS", by=None, version_id=version)
    db.session.commit()
    with pytest.raises(services.ConflictError):
        services.touchpoint_update(touchpoint=tp, kpi="CSAT", by=None, version_id=version)
    db.session.rollback()
    assert db.session.get(Touchpoint, tp.id).kpi == "NPS"


def test_a_concurrent_save_fails_at_flush(db, make_org):
    """The version counter guards the UPDATE itself, not only the form check."""
    reg = small_register(make_org())
    tp = reg["touchpoints"][0]
    tp_id, version = tp.id, tp.version_id
    # Another save bumps the version behind the ORM's back (a Core UPDATE leaves ``tp`` as loaded).
    db.session.execute(Touchpoint.__table__.update().where(Touchpoint.id == tp_id)
                       .values(kpi="theirs", version_id=version + 1))
    tp.kpi = "mine"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Touchpoint, tp_id).kpi != "mine"


def test_person_remove_reassigns_everything_and_ends_roles(db, make_org):
    reg = small_register(make_org())
    anna, bo = reg["anna"], reg["bo"]
    future = services.cx_role_create(org=anna_org(anna), person=anna, role="cx_team",
                                     since=date.today() + timedelta(days=10), by=None)
    future_id = future.id
    counts = services.person_remove(person=anna, reassign_to=bo, by=None)
    db.session.commit()
    assert counts == {"touchpoints": 2, "journeys": 1, "channels": 1, "roles": 2}
    assert not anna.active
    assert {t.owner_id for t in reg["touchpoints"]} == {bo.id}
    assert reg["move_in"].owner_id == bo.id and reg["phone"].manager_id == bo.id
    assert reg["role"].until == date.today() - timedelta(days=1)
    assert db.session.get(CxRole, future_id) is None
    assert [e.action for e in entries(db, "person", anna.id)][-1] == "deactivate"
    assert "inactive_owners" not in failing_check_keys(anna_org(anna))


def anna_org(person):
    from cxgov.orgs.models import Organisation
    from cxgov.extensions import db

    return db.session.get(Organisation, person.org_id)


def test_person_remove_can_leave_things_unowned(db, make_org):
    reg = small_register(make_org())
    services.person_remove(person=reg["anna"], reassign_to=None, by=None)
    db.session.commit()
    assert reg["touchpoints"][0].owner_id is None and reg["move_in"].owner_id is None
    assert reg["phone"].manager_id is None
    failing = failing_check_keys(anna_org(reg["anna"]))
    assert {"touchpoints_unowned", "journeys_unowned", "channels_without_manager"} <= failing
    assert "inactive_owners" not in failing


def test_person_remove_refuses_an_inactive_or_same_successor(db, make_org):
    reg = small_register(make_org())
    with pytest.raises(services.RegisterError, match="someone else"):
        services.person_remove(person=reg["anna"], reassign_to=reg["anna"], by=None)
    services.person_update(person=reg["bo"], active=False, by=None)
    with pytest.raises(services.RegisterError, match="inactive"):
        services.person_remove(person=reg["anna"], reassign_to=reg["bo"], by=None)


def test_marking_a_person_inactive_without_handover_shows_as_a_gap(db, make_org):
    reg = small_register(make_org())
    services.person_update(person=reg["bo"], active=False, by=None)
    db.session.commit()
    assert "inactive_owners" in failing_check_keys(anna_org(reg["bo"]))
    services.person_reactivate(person=reg["bo"], by=None) if False else services.person_update(
        person=reg["bo"], active=True, by=None)
    db.session.commit()
    assert "inactive_owners" not in failing_check_keys(anna_org(reg["bo"]))


def test_role_end_and_reopen(db, make_org):
    reg = small_register(make_org())
    role = reg["role"]
    services.cx_role_end(cx_role=role, by=None)
    assert not role.is_active()
    services.cx_role_reactivate(cx_role=role, by=None)
    assert role.is_active() and role.until is None
    db.session.commit()
    assert [e.action for e in entries(db, "cx_role", role.id)] == ["create", "deactivate", "reactivate"]


def test_register_snapshot_uses_a_fixed_number_of_queries(db, make_org):
    from sqlalchemy import event

    from cxgov.register.health import register_snapshot

    org = make_org()
    small_register(org)
    assert org.service_promise is not None  # load the organisation before counting
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        snapshot = register_snapshot(org)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 6
    assert len(snapshot.touchpoints) == 3
