"""Each declared register rule is refused in the same words through the form, the import and the CLI.

The declarations (cxgov/register/tables.py) say which field a rule applies to; the services
(behind the forms and the CLI) and the spreadsheet import both take the rule and its words from
there, so a row the form refuses is refused by the import too, at its row and column.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cxgov.orgs.models import Membership, Role
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


# --- the one write path: every writer, the same refusal ------------------------------------------

from cxgov.history.models import ChangeLog  # noqa: E402
from cxgov.ops.transfer import TransferError, org_export, org_file_read, org_import  # noqa: E402
from cxgov.register.models import DelegatedMandate  # noqa: E402
from cxgov.register.write import RegisterBatch, RowsRefused, register_rows_apply  # noqa: E402
from tests.api.conftest import bearer, make_token  # noqa: E402,F401 (a fixture)
from tests.ops.test_transfer import file_of, payload_of  # noqa: E402
from tests.test_tenancy import fingerprint  # noqa: E402

TOMORROW = date.today() + timedelta(days=1)

#: rule -> (table, a row through the services/API as field values, the same row as spreadsheet cells,
#:          the package column and value that break it the same way)
CASES = {
    "future review date": (
        "touchpoints",
        {"name": "Sign", "last_reviewed": TOMORROW},
        [["Move in", "Web", "Sign", "", None, "", "", "", False, TOMORROW, True]],
        ("last_reviewed", TOMORROW.isoformat()),
        "The last review date cannot be in the future.",
    ),
    "date order": (
        "cx_roles",
        {"role": "ambassador", "since": date(2026, 2, 1), "until": date(2026, 1, 1)},
        [["al@example.com", "ambassador", date(2026, 2, 1), date(2026, 1, 1), ""]],
        ("until", "2000-01-01"),
        "The end date cannot be before the start date.",
    ),
    "required field": (
        "mandates",
        {"holder": "Agents", "decision": "  "},
        [["Agents", "", "", "", True]],
        ("decision", ""),
        "“What they may decide” is required.",
    ),
    "choice": (
        "channels",
        {"name": "Fax", "kind": "fax"},
        [["Fax", "fax", "", True]],
        ("kind", "fax"),
        "“fax” is not a choice of “Kind”; use one of: phone, web, app, store, email, chat, social, field, "
        "complaints, other.",
    ),
}


def _world(db, make_org):
    org, gone, journey, channel = _setup(db, make_org)
    al = services.person_create(org=org, name="Al Here", email="al@example.com", by=None)
    services.cx_role_create(org=org, person=al, role="cx_team", since=date(2025, 1, 1), by=None)
    services.touchpoint_create(org=org, journey=journey, channel=channel, name="Pay", by=None)
    services.mandate_create(org=org, holder="Agents", decision="Credit a fee", by=None)
    db.session.commit()
    return org, gone, journey, channel, al


def _service_row(table, values, journey, channel, al):
    extra = {"touchpoints": {"journey": journey.id, "channel": channel.id}, "cx_roles": {"person": al.id}}
    return {**extra.get(table, {}), **values}


def _api_row(table, values, journey, channel, al):
    extra = {"touchpoints": {"journey_id": journey.id, "channel_id": channel.id}, "cx_roles": {"person_id": al.id}}
    return {**extra.get(table, {}), **{k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}}


def test_every_rule_is_refused_alike_by_service_import_cli_api_and_org_package(
        db, client, make_org, make_member, make_token, runner, tmp_path):
    org, _gone, journey, channel, al = _world(db, make_org)
    token = make_token(make_member(org, Role.CONSULTANT, email="editor@example.com"))
    db.session.commit()
    package = payload_of(org_export(org=org))
    db.session.commit()
    for rule, (table, values, cells, (column, bad), message) in CASES.items():
        before = fingerprint()
        # the write path itself, as the forms' services call it
        try:
            register_rows_apply(org=org, table=table, rows=[_service_row(table, values, journey, channel, al)], by=None)
        except RowsRefused as refused:
            assert [p.message for p in refused.problems] == [message], rule
            field = refused.problems[0].field
        else:
            raise AssertionError(f"{rule}: the write path accepted it")
        db.session.rollback()
        # the spreadsheet import: the row and the column named
        column_name = TABLE_BY_KEY[table].field(field).column
        assert _import_errors(org, table, cells) == [(f"{table}.csv", 2, column_name, message)], rule
        # the CLI
        path = tmp_path / f"{table}.csv"
        path.write_bytes(write_csv(table, cells))
        result = runner.invoke(args=["register", "import", org.slug, str(path)])
        assert result.exit_code == 1 and f"{table}.csv, row 2, column {column_name}: {message}" in result.output, rule
        # the API
        response = client.post(f"/api/v1/orgs/{org.slug}/register/{table}", json=_api_row(table, values, journey, channel, al),
                               headers=bearer(token))
        assert response.status_code == 422, (rule, response.get_json())
        assert [e["detail"] for e in response.get_json()["errors"]] == [message], rule
        # the org package: the same value in the copied row
        broken = payload_of(file_of(package))
        content = broken["tables"][MODEL_TABLES[table]]
        content["rows"][0][content["columns"].index(column)] = bad
        try:
            org_import(payload=org_file_read(file_of(broken)), slug="copy")
        except TransferError as error:
            assert message in str(error), rule
        else:
            raise AssertionError(f"{rule}: the org package accepted it")
        db.session.rollback()
        assert fingerprint() == before, f"{rule}: a refusal wrote something"


MODEL_TABLES = {"touchpoints": "touchpoint", "cx_roles": "cx_role", "mandates": "delegated_mandate",
                "channels": "channel"}


def test_another_organisations_person_and_an_inactive_manager_read_the_same_through_service_and_api(
        db, client, make_org, make_member, make_token):
    org, gone, _journey, _channel, _al = _world(db, make_org)
    stranger = services.person_create(org=make_org(), name="Stranger", email="s@else.example", by=None)
    token = make_token(make_member(org, Role.CONSULTANT, email="editor@example.com"))
    db.session.commit()
    for person, message in ((stranger, "The “Channel manager” chosen belongs to another organisation."),
                            (gone, "Ina Left is inactive and cannot become channel manager.")):
        before = fingerprint()
        try:
            services.channel_create(org=org, name="Phone", kind="phone", manager=person, by=None)
        except services.RegisterError as error:
            assert str(error) == message
        else:
            raise AssertionError("the service accepted it")
        db.session.rollback()
        response = client.post(f"/api/v1/orgs/{org.slug}/register/channels", headers=bearer(token),
                               json={"name": "Phone", "kind": "phone", "manager_id": person.id})
        assert response.status_code == 422
        assert response.get_json()["errors"] == [{"pointer": "#/manager_id", "detail": message}]
        assert fingerprint() == before


def test_a_name_taken_in_any_case_is_refused_by_service_api_and_org_package(db, client, make_org, make_member,
                                                                          make_token):
    org, _gone, _journey, _channel, _al = _world(db, make_org)
    token = make_token(make_member(org, Role.CONSULTANT, email="editor@example.com"))
    db.session.commit()
    message = "A channel named “web” already exists."
    with pytest.raises(services.RegisterError, match=message):
        services.channel_create(org=org, name="web", kind="web", by=None)
    db.session.rollback()
    response = client.post(f"/api/v1/orgs/{org.slug}/register/channels", headers=bearer(token), json={"name": "web", "kind": "web"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["detail"] == message
    payload = payload_of(org_export(org=org))
    db.session.commit()
    channels = payload["tables"]["channel"]
    twin = list(channels["rows"][0])
    twin[channels["columns"].index("id")] = 990001
    twin[channels["columns"].index("name")] = "web"
    channels["rows"].append(twin)
    with pytest.raises(TransferError, match="A channel named “[Ww]eb” already exists."):  # either of the two
        org_import(payload=org_file_read(file_of(payload)), slug="twin")
    db.session.rollback()
    # in a file, the same name (in any case) is the same row: it is matched, not added twice
    checked = transfer.import_read(data=write_csv("channels", [["web", "web", "", True]]), filename="channels.csv")
    plan = transfer.import_plan(org=org, checked=checked)
    assert plan.ok and plan.added == 0


def test_an_inactive_owner_added_with_the_batch_is_kept_by_import_and_org_package_alike(db, make_org):
    """A file or a package that adds a person who left, with what they still own, states a register as an
    export holds it (the health check lists it); a form giving them something new is refused."""
    org, gone, _journey, _channel, _al = _world(db, make_org)
    services.channel_update(channel=db.session.get(Channel, _channel.id), manager=None, by=None)
    db.session.commit()
    file = {"people": [["new.left@example.com", "New Left", "", "", False]],
            "channels": [["Phone", "phone", "new.left@example.com", True]]}
    checked = transfer.import_read(data=write_xlsx(file), filename="register.xlsx")
    plan = transfer.import_plan(org=org, checked=checked)
    assert plan.ok
    transfer.import_apply(org=org, plan=plan, by=None)
    db.session.commit()
    payload = payload_of(org_export(org=org))
    db.session.commit()
    copy = org_import(payload=org_file_read(file_of(payload)), slug="copy").org
    db.session.commit()
    phone = db.session.scalar(select(Channel).where(Channel.org_id == copy.id, Channel.name == "Phone"))
    assert phone.manager.name == "New Left" and not phone.manager.active


def test_a_refused_batch_writes_nothing_and_names_every_row(db, make_org):
    org, _gone, journey, channel, _al = _world(db, make_org)
    before = fingerprint()
    rows = [{"journey": journey.id, "channel": channel.id, "name": "Fine"},
            {"journey": journey.id, "channel": channel.id, "name": ""},
            {"journey": journey.id, "channel": channel.id, "name": "Later", "last_reviewed": TOMORROW}]
    with pytest.raises(RowsRefused) as refused:
        register_rows_apply(org=org, table="touchpoints", rows=rows, by=None, batch=RegisterBatch())
    assert [(p.index, p.field) for p in refused.value.problems] == [(1, "name"), (2, "last_reviewed")]
    assert fingerprint() == before
    # an import whose second sheet is refused by the write path takes back its first sheet too
    file = {"journeys": [["Leave", "", "", True]],
            "touchpoints": [["Leave", "Web", "Cancel", "", None, "", "", "", False, None, True]]}
    plan = transfer.import_plan(org=org, checked=transfer.import_read(data=write_xlsx(file), filename="r.xlsx"))
    assert plan.ok
    services.touchpoint_create(org=org, journey=journey, channel=channel, name="Racing", by=None)
    plan.rows["touchpoints"][0].record.values["name"] = "  "  # what a rule the preview missed would do
    before = fingerprint()
    with pytest.raises(transfer.ImportRefused) as import_refused:
        transfer.import_apply(org=org, plan=plan, by=None)
    assert [(e.sheet, e.row, e.column) for e in import_refused.value.errors] == [("Touchpoints", 2, "name")]
    assert db.session.scalar(select(Journey).where(Journey.org_id == org.id, Journey.name == "Leave")) is None
    db.session.rollback()


def test_history_rows_have_one_shape_whichever_writer_made_them(db, client, make_org, make_member, make_token):
    org, _gone, journey, channel, al = _world(db, make_org)
    token = make_token(make_member(org, Role.CONSULTANT, email="editor@example.com"))
    db.session.commit()
    services.mandate_create(org=org, holder="Form", decision="Refund", limit="100", channel=channel, by=None)
    db.session.commit()
    response = client.post(f"/api/v1/orgs/{org.slug}/register/mandates", headers=bearer(token),
                           json={"holder": "Api", "decision": "Refund", "limit": "100", "channel_id": channel.id})
    assert response.status_code == 201
    file = {"mandates": [["File", "Refund", "100", "Web", True]]}
    plan = transfer.import_plan(org=org, checked=transfer.import_read(data=write_xlsx(file), filename="m.xlsx"))
    transfer.import_apply(org=org, plan=plan, by=None)
    db.session.commit()
    entries = {e.entity_label.split(":")[0]: e for e in db.session.scalars(
        select(ChangeLog).where(ChangeLog.org_id == org.id, ChangeLog.entity_type == "delegated_mandate",
                                ChangeLog.action == "create"))}
    shapes = {who: (e.action, e.entity_label.split(": ", 1)[1], e.changes) for who, e in entries.items()
              if who in ("Form", "Api", "File")}
    expected_changes = {"decision": [None, "Refund"], "limit": [None, "100"], "channel": [None, "Web"],
                        "active": [None, True]}
    assert shapes == {who: ("create", "Refund", {"holder": [None, who], **expected_changes})
                      for who in ("Form", "Api", "File")}
    assert entries["Api"].via_token == "test" and entries["File"].import_id is not None
    assert _count(db, DelegatedMandate) == 4


def test_a_person_account_link_is_the_write_paths_rule_for_every_writer(db, client, login, make_org, make_member,
                                                                       make_user, make_token, tmp_path, runner):
    """A person may be linked to a cxgov account that is a member of the organisation and that no other
    person of it is linked to; the form, the services (onboarding, demo) and the write path refuse alike.
    The spreadsheet and the API carry no account, so they cannot make a link at all."""
    org, _gone, _journey, _channel, al = _world(db, make_org)
    editor = make_member(org, Role.CONSULTANT, email="editor@example.com")
    token = make_token(editor)
    outsider = make_user(email="out@example.com", name="Out Sider")
    elsewhere = make_org()
    make_member(elsewhere, Role.SPONSOR, email="else@example.com")
    linked = make_member(org, Role.AMBASSADOR, email="amb@example.com", name="Amb Assador")
    services.person_update(person=al, user=linked, by=None)
    db.session.commit()
    not_member = "The cxgov account chosen is not a member of this organisation."
    taken = "The cxgov account amb@example.com is already linked to Al Here."
    for account, message in ((outsider, not_member), (linked, taken)):
        before = fingerprint()
        with pytest.raises(RowsRefused) as refused:
            register_rows_apply(org=org, table="people", rows=[{"name": "New", "user": account.id}], by=None)
        assert [(p.index, p.field, p.message) for p in refused.value.problems] == [(0, "user", message)]
        db.session.rollback()
        with pytest.raises(services.RegisterError, match=message):
            services.person_create(org=org, name="New", user=account, by=None)
        db.session.rollback()
        gone = db.session.get(Person, _gone.id)
        with pytest.raises(services.RegisterError, match=message):
            services.person_update(person=gone, user=account, by=None)
        db.session.rollback()
        assert fingerprint() == before
    # the form: it offers members only, and refuses an account someone has in the write path's words
    login(client, editor)
    before = fingerprint()
    response = client.post(f"/o/{org.slug}/register/people/new", data={"name": "New", "user_id": str(linked.id)})
    assert response.status_code == 200 and taken in response.get_data(as_text=True)
    response = client.post(f"/o/{org.slug}/register/people/new", data={"name": "New", "user_id": str(outsider.id)})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert fingerprint() == before
    # a link may move from one person to another in one call, and an unchanged link is kept as it is
    register_rows_apply(org=org, table="people", by=None,
                        rows=[{"id": al.id, "user": None}, {"id": _gone.id, "user": linked.id}])
    db.session.delete(db.session.scalar(select(Membership).where(Membership.user_id == linked.id)))
    db.session.commit()
    services.person_update(person=db.session.get(Person, _gone.id), title="Left, still linked", by=None)
    db.session.commit()
    gone = db.session.get(Person, _gone.id)
    response = client.post(f"/o/{org.slug}/register/people/{gone.id}/edit",  # the form keeps the link too
                           data={"name": gone.name, "email": gone.email, "title": "Edited", "department": "",
                                 "active": "y", "user_id": str(linked.id), "version_id": str(gone.version_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, _gone.id).user_id == linked.id and db.session.get(Person, _gone.id).title == "Edited"
    # no other writer can make a link: the file has no account column, the API no account field
    rows = [["new@example.com", "New", "", "", True]]
    header = b"email,name,title,department,active,user\r\n"
    path = tmp_path / "people.csv"
    path.write_bytes(header + b"new@example.com,New,,,TRUE,amb@example.com\r\n")
    result = runner.invoke(args=["register", "import", org.slug, str(path)])
    assert result.exit_code == 1 and "column user: unknown column" in result.output
    assert _import_errors(org, "people", rows) == []
    response = client.post(f"/api/v1/orgs/{org.slug}/register/people", headers=bearer(token),
                           json={"name": "New", "user_id": linked.id})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name == "New")) == 0
