"""Planning and applying imports against the database: all or nothing, with history."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from cxgov.audit import SecurityEvent
from cxgov.history.models import ChangeLog
from cxgov.register.transfer import services as transfer
from cxgov.register.models import Channel, CxRole, DelegatedMandate, ImportBatch, Journey, Person, Touchpoint
from tests.register_transfer.helpers import csv_of, small_tables, xlsx

MODELS = (Person, Channel, Journey, Touchpoint, CxRole, DelegatedMandate, ChangeLog, ImportBatch)


def plan_for(org, data: bytes, filename: str = "register.xlsx", table: str | None = None):
    return transfer.import_plan(org=org, checked=transfer.import_read(data=data, filename=filename, table=table))


def apply(db, org, data: bytes, filename: str = "register.xlsx", by=None):
    plan = plan_for(org, data, filename)
    assert plan.ok, [str(e) for e in plan.errors]
    batch = transfer.import_apply(org=org, plan=plan, by=by, filename=filename)
    db.session.commit()
    return plan, batch


def counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_small_register_imports_with_references_inside_the_file(db, make_org):
    org = make_org()
    plan, batch = apply(db, org, xlsx(small_tables()))
    assert (plan.added, plan.changed, plan.same) == (10, 0, 0)
    tp = db.session.scalar(select(Touchpoint).where(Touchpoint.name == "Ask about prices"))
    assert tp.owner.name == "Cai Øst" and tp.owner.email is None  # named by name: no e-mail
    assert tp.journey.owner.email == "ann@example.com" and tp.hygiene_factor is True
    assert db.session.scalar(select(CxRole)).person.email == "ann@example.com"
    assert db.session.scalar(select(DelegatedMandate)).channel.name == "Phone"
    assert tp.version_id == 1
    assert (batch.rows_added, batch.rows_changed, batch.kind) == (10, 0, "xlsx")


def test_one_bad_row_among_1000_writes_nothing_and_names_the_row(db, make_org):
    org = make_org()
    tables = small_tables()
    tables["touchpoints"] = [["Move in", "Web", f"Step {n:04d}", "Use", "bo@example.com", "", "", "", False,
                              None, True] for n in range(1000)]
    tables["touchpoints"][736][1] = "Webb"  # Excel row 738
    before = counts(db)
    plan = plan_for(org, xlsx(tables))
    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [("Touchpoints", 738, "channel")]
    assert "unknown channel “Webb”" in plan.errors[0].reason
    with pytest.raises(transfer.ImportRefused):
        transfer.import_apply(org=org, plan=plan, by=None)
    db.session.rollback()
    assert counts(db) == before


def test_every_kind_of_reference_problem_is_reported(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    tables = {
        "touchpoints": [["Move in", "web", "A", "", "", "", "", "", False, None, True],
                        ["Move out", "Web", "B", "", "", "", "", "", False, None, True],
                        ["Move in", "Web", "C", "", "nobody@example.com", "", "", "", False, None, True],
                        ["Move in", "Web", "D", "", "Nobody Known", "", "", "", False, None, True],
                        ["Move in", "Web", "E", "", "not@an@email", "", "", "", False, None, True]],
        "mandates": [["Agents", "Refund", "", "Fax", True]],
        "cx_roles": [["zed@example.com", "ambassador", date(2026, 1, 1), None, ""]],
    }
    plan = plan_for(org, xlsx(tables))
    found = {(e.sheet, e.row, e.column): e.reason for e in plan.errors}
    assert ("Touchpoints", 2, "channel") not in found  # "web" is the channel "Web"
    assert "unknown journey “Move out”" in found[("Touchpoints", 3, "journey")]
    assert "nobody@example.com" in found[("Touchpoints", 4, "owner_email")]
    assert "Nobody Known" in found[("Touchpoints", 5, "owner_email")]
    assert "not a valid e-mail address" in found[("Touchpoints", 6, "owner_email")]
    assert "unknown channel “Fax”" in found[("Mandates", 2, "channel")]
    assert "zed@example.com" in found[("CX roles", 2, "person_email")]
    assert len(plan.errors) == 6


def test_reimport_of_an_export_changes_nothing(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    plan = plan_for(org, transfer.register_export_xlsx(org=org))
    assert plan.ok and (plan.added, plan.changed, plan.same) == (0, 0, 10)


def test_changes_are_planned_field_by_field_and_recorded_per_row(db, make_org, make_user):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    user = make_user()
    tables = small_tables()
    tables["touchpoints"][0][4] = "ann@example.com"      # new owner
    tables["touchpoints"][0][9] = date(2026, 6, 1)       # reviewed again
    tables["channels"][1][3] = False                     # Phone deactivated
    tables["people"].append(["dan@example.com", "Dan", "", "", True])
    plan = plan_for(org, xlsx(tables))
    rows = {r.label: r for t in plan.rows.values() for r in t}
    contract = rows["Sign the contract (Move in · Web)"]
    assert contract.action == "change"
    assert [(c.column, c.before, c.after) for c in contract.changes] == [
        ("owner_email", "bo@example.com", "ann@example.com"), ("last_reviewed", "2026-03-01", "2026-06-01")]
    assert (plan.added, plan.changed) == (1, 2)
    batch = transfer.import_apply(org=org, plan=plan, by=user, filename="again.xlsx")
    db.session.commit()
    entries = db.session.scalars(select(ChangeLog).where(ChangeLog.import_id == batch.id)
                                 .order_by(ChangeLog.id)).all()
    assert [(e.entity_type, e.action) for e in entries] == [
        ("person", "create"), ("channel", "deactivate"), ("touchpoint", "update")]
    assert entries[2].changes == {"owner": ["Bo Ærø <bo@example.com>", "Ann Åberg <ann@example.com>"],
                                  "last_reviewed": ["2026-03-01", "2026-06-01"]}
    assert all(e.user_id == user.id for e in entries)
    tp = db.session.scalar(select(Touchpoint).where(Touchpoint.name == "Sign the contract"))
    assert tp.owner.email == "ann@example.com" and tp.version_id == 2


def test_columns_left_out_are_left_alone(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    data = "email,name\r\nann@example.com,Ann Åberg-Lind\r\n".encode()
    plan, _batch = apply(db, org, data, "people.csv")
    ann = db.session.scalar(select(Person).where(Person.email == "ann@example.com"))
    assert ann.name == "Ann Åberg-Lind" and ann.title == "Head of service"
    assert plan.counts["people"].untouched == 2


def test_csv_import_of_one_table(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    rows = [["Move in", "Web", "Pay the first bill", "Pay", "ann@example.com", "", "", "", False, None, True]]
    plan, batch = apply(db, org, csv_of("touchpoints", rows), "touchpoints.csv")
    assert plan.added == 1 and batch.kind == "csv"


def test_import_and_export_are_security_events(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    transfer.register_export_csv(org=org, table="people")
    db.session.commit()
    actions = db.session.scalars(select(SecurityEvent.action).where(SecurityEvent.org_id == org.id)).all()
    assert actions == ["import", "export"]


def test_register_changed_after_planning_is_a_conflict(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    tables = small_tables()
    tables["people"][0][2] = "Chief customer officer"
    plan = plan_for(org, xlsx(tables))
    ann = db.session.scalar(select(Person).where(Person.email == "ann@example.com"))
    ann.title = "Someone else's edit"
    db.session.commit()
    with pytest.raises(transfer.ImportConflict):
        transfer.import_apply(org=org, plan=plan, by=None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_another_organisation_is_not_touched(db, make_org):
    org, other = make_org(), make_org()
    apply(db, other, xlsx(small_tables()))
    plan = plan_for(org, xlsx(small_tables()))
    assert plan.added == 10  # other's people, channels... are not matched


def test_a_row_with_a_bad_cell_still_has_its_references_checked(db, make_org):
    org = make_org()
    tables = small_tables()
    tables["touchpoints"].append(["Move in", "Pigeon post", "Letter", "", "nobody@example.com", "", "", "",
                                  "maybe", None, True])
    tables["people"][1][4] = "perhaps"  # Bo's row is bad, yet rows naming Bo report nothing more
    plan = plan_for(org, xlsx(tables))
    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [
        ("People", 3, "active"), ("Touchpoints", 4, "channel"), ("Touchpoints", 4, "owner_email"),
        ("Touchpoints", 4, "hygiene_factor")]


def test_people_without_email_are_matched_by_name_unless_ambiguous(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    data = "email,name,title\r\n,Cai Øst,Senior agent\r\n".encode()
    plan, _batch = apply(db, org, data, "people.csv")
    assert plan.changed == 1 and plan.added == 0
    db.session.add(Person(org_id=org.id, name="Cai Øst", title="", department="", version_id=1))
    db.session.commit()
    plan = plan_for(org, data, "people.csv")
    assert [(e.row, e.column) for e in plan.errors] == [(2, "name")]
    assert "several people" in plan.errors[0].reason


def test_names_match_without_regard_to_case(db, make_org):
    org = make_org()
    apply(db, org, xlsx(small_tables()))
    tables = {"channels": [["WEB", "web", "bo@example.com", True]],
              "touchpoints": [["move in", "web", "sign the contract", "Buy", "bo@example.com", "Confident", "NPS",
                               "+40", False, date(2026, 3, 1), True]]}
    plan = plan_for(org, xlsx(tables))
    assert plan.ok and plan.added == 0
    changes = {r.table: [(c.column, c.before, c.after) for c in r.changes] for t in plan.rows.values() for r in t}
    assert changes == {"channels": [("name", "Web", "WEB")],
                       "touchpoints": [("name", "Sign the contract", "sign the contract")]}
    duplicate = plan_for(org, xlsx({"channels": [["Fax", "other", None, True], ["FAX", "other", None, True]]}))
    assert [(e.row, "duplicate" in e.reason) for e in duplicate.errors] == [(3, True)]
