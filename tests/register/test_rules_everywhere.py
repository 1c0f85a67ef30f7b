"""Each declared register rule is refused in the same words through the form, the import and the CLI.

The declarations (cxgov/register/tables.py) say which field a rule applies to; the services
(behind the forms and the CLI) and the spreadsheet import both take the rule and its words from
there, so a row the form refuses is refused by the import too, at its row and column.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from cxgov.orgs.models import Role
from cxgov.register import services
from cxgov.register.models import Channel, CxRole, Journey, Person, Touchpoint
from cxgov.register.tables import TABLE_BY_KEY
from cxgov.register.transfer import services as transfer
from cxgov.register.transfer.spreadsheet import write_csv, write_xlsx

def _setup(db, make_org):
    org = make_org()
    gone = services.person_create(org=org, name="Ina Left", email="ina@example.com", active=False, by=None)
    journey = services.journey_create(org=org, name="Move in", by=None)
    channel = services.channel_create(org=org, name="Web", kind="web", by=None)
    db.session.commit()
    return org, gone, journey, channel


def _import_errors(org, table: str, rows: list[list]):
    checked = transfer.import_read(data=write_csv(table, rows), filename=f"{table}.csv")
    plan = transfer.import_plan(org=org, checked=checked)
    return [(e.sheet, e.row, e.column, e.reason) for e in plan.errors]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_inactive_channel_manager_is_refused_alike_by_form_import_and_cli(db, client, login, make_org,
                                                                         make_member, runner, tmp_path):
    org, gone, _journey, _channel = _setup(db, make_org)
    message = "Ina Left is inactive and cannot become channel manager."
    assert TABLE_BY_KEY["channels"].field("manager").active_person == "%(name)s is inactive and cannot become channel manager."

    login(client, make_member(org, Role.CONSULTANT))
    response = client.post(f"/o/{org.slug}/register/channels/new",
                           data={"name": "Phone", "kind": "phone", "manager_id": str(gone.id)})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db, Channel) == 1

    rows = [["Phone", "phone", "ina@example.com", True]]
    assert _import_errors(org, "channels", rows) == [("channels.csv", 2, "manager_email", message)]

    path = tmp_path / "channels.csv"
    path.write_bytes(write_csv("channels", rows))
    result = runner.invoke(args=["register", "import", org.slug, str(path)])
    assert result.exit_code == 1
    assert f"channels.csv, row 2, column manager_email: {message}" in result.output
    assert _count(db, Channel) == 1


def test_every_active_person_rule_is_refused_by_the_service_and_the_import(db, make_org):
    org, gone, journey, channel = _setup(db, make_org)
    cases = {
        ("journeys", "owner"): (lambda: services.journey_create(org=org, name="Leave", owner=gone, by=None),
                                [["Leave", "", "ina@example.com", True]]),
        ("touchpoints", "owner"): (
            lambda: services.touchpoint_create(org=org, journey=journey, channel=channel, name="Sign", owner=gone,
                                               by=None),
            [["Move in", "Web", "Sign", "", "ina@example.com", "", "", "", False, None, True]]),
        ("cx_roles", "person"): (
            lambda: services.cx_role_create(org=org, person=gone, role="ambassador", since=date(2026, 1, 1), by=None),
            [["ina@example.com", "ambassador", date(2026, 1, 1), None, ""]]),
    }
    for (table, field), (through_service, rows) in cases.items():
        declared = TABLE_BY_KEY[table].field(field)
        message = declared.active_person % {"name": "Ina Left"}
        try:
            through_service()
        except services.RegisterError as error:
            assert str(error) == message
        else:
            raise AssertionError(f"{table}.{field}: the service accepted an inactive person")
        db.session.rollback()
        assert _import_errors(org, table, rows) == [(f"{table}.csv", 2, declared.column, message)], table
    assert _count(db, Journey) == 1 and _count(db, Touchpoint) == 0 and _count(db, CxRole) == 0


def test_a_file_may_reactivate_a_person_and_assign_them(db, make_org):
    org, gone, _journey, _channel = _setup(db, make_org)
    assign = {"channels": [["Phone", "phone", "ina@example.com", True]]}
    checked = transfer.import_read(data=write_xlsx(assign), filename="register.xlsx")
    errors = [(e.sheet, e.row, e.column, e.reason) for e in transfer.import_plan(org=org, checked=checked).errors]
    assert errors == [("Channels", 2, "manager_email", "Ina Left is inactive and cannot become channel manager.")]
    both = {"people": [["ina@example.com", "Ina Left", "", "", True]], **assign}
    checked = transfer.import_read(data=write_xlsx(both), filename="register.xlsx")
    assert transfer.import_plan(org=org, checked=checked).ok


def test_date_rules_read_the_same_in_the_service_and_the_import(db, make_org):
    org, _gone, journey, channel = _setup(db, make_org)
    person = services.person_create(org=org, name="Al Here", email="al@example.com", by=None)
    db.session.commit()
    try:
        services.cx_role_create(org=org, person=person, role="ambassador", since=date(2026, 2, 1),
                                until=date(2026, 1, 1), by=None)
    except services.RegisterError as error:
        order_message = str(error)
    db.session.rollback()
    errors = _import_errors(org, "cx_roles", [["al@example.com", "ambassador", date(2026, 2, 1), date(2026, 1, 1), ""]])
    assert errors == [("cx_roles.csv", 2, "until", order_message)]

    tomorrow = date.today() + timedelta(days=1)
    try:
        services.touchpoint_create(org=org, journey=journey, channel=channel, name="Sign", last_reviewed=tomorrow,
                                   by=None)
    except services.RegisterError as error:
        future_message = str(error)
    db.session.rollback()
    errors = _import_errors(org, "touchpoints", [["Move in", "Web", "Sign", "", None, "", "", "", False, tomorrow, True]])
    assert errors == [("touchpoints.csv", 2, "last_reviewed", future_message)]
