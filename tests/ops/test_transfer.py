"""Organisation export/import: complete, checked, all-or-nothing, ids remapped, tables found by themselves."""
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cxgov.audit import SecurityEvent
from cxgov.auth.models import SetPasswordLink, User
from cxgov.extensions import db
from cxgov.invitations.models import Invitation
from cxgov.orgs.models import Membership, Organisation, Role
from cxgov.ops.transfer import (
    FORMAT, NOT_EXPORTED, TransferError, _entity_tables, _fk_target, org_export,
    org_file_read, org_import, transfer_plan,
)
from cxgov.ops.package import package_seal
from tests.conftest import make_test_app
from tests.orgs.access import tiny_png
from tests.test_tenancy import fingerprint


# --- helpers ---------------------------------------------------------------------------------------

def payload_of(data: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(data))


def file_of(payload: dict[str, Any]) -> bytes:
    """Return ``payload`` as a package signed by this instance (as an export would be)."""
    return package_seal(json.dumps(payload).encode())


def normalised(payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Return the file's content with ids replaced by row positions and users by e-mail.

    Two exports of the same organisation in two databases normalise to the same thing.
    """
    tables = payload["tables"]
    position = {name: {row[t["columns"].index("id")]: i for i, row in enumerate(t["rows"])}
                for name, t in tables.items()}
    emails = {u["id"]: u["email"] for u in payload["users"]}
    entities = _entity_tables()

    def ref(target: str | None, value: Any) -> Any:
        if value is None or target is None:
            return value
        if target == "user":
            return emails[value]
        if target == "organisation":
            return "ORG"
        return position.get(target, {}).get(value, "missing")

    out = {}
    for name, content in tables.items():
        table = db.metadata.tables[name]
        rows = []
        for raw in content["rows"]:
            row = dict(zip(content["columns"], raw))
            for column in content["columns"]:
                row[column] = position[name][row[column]] if column == "id" else ref(_fk_target(table.c[column]), row[column])
            if name == "organisation":
                row["slug"] = "-"
            if name == "change_log":
                entity = entities[row["entity_type"]]
                row["entity_id"] = ref(entity.name, row["entity_id"])
                row["changes"] = {k: [ref(_fk_target(entity.c[k]), v) for v in pair] if k in entity.c else pair
                                  for k, pair in row["changes"].items()}
            rows.append(row)
        out[name] = rows
    return out


def _small_org(make_org, make_member) -> Organisation:
    from cxgov.uploads import logo_from_upload

    org = make_org(slug="small", name="Small <Org>")
    logo = logo_from_upload(tiny_png(), "logo.png", kind="org_logo")
    db.session.add(logo)
    db.session.flush()
    org.logo_id = logo.id
    make_member(org, Role.SPONSOR, email="sponsor@small.example")
    make_member(org, Role.RESPONDENT, email="resp@small.example")
    db.session.commit()
    return org


def _import_cli(runner, data: bytes, tmp_path: Path, *extra: str, env: dict[str, str] | None = None):
    path = tmp_path / "in.cxgov.json.gz"
    path.write_bytes(data)
    return runner.invoke(args=["org", "import", str(path), *extra], env=env)


# --- what travels ----------------------------------------------------------------------------------

def test_every_table_with_an_org_id_is_exported_or_excluded_with_a_reason(app):
    plan = transfer_plan()
    exported = {t.name for t in [plan.root, *plan.scoped, *plan.referenced]}
    for table in db.metadata.sorted_tables:
        if "org_id" in table.c:
            assert table.name in exported or table.name in NOT_EXPORTED, (
                f"{table.name} has an org_id but is neither exported nor in NOT_EXPORTED")
    for name, reason in NOT_EXPORTED.items():
        assert name in db.metadata.tables and len(reason) > 20
    assert {"cycle", "answer", "respondent", "touchpoint", "person", "change_log", "membership",
            "action"} <= exported
    assert "stored_file" in {t.name for t in plan.referenced}  # the logo
    assert "user" not in exported  # users travel by e-mail only


def test_round_trip_into_another_instance_keeps_the_demo_organisation_complete(app, tmp_path, demo_workspace):
    """The demo organisation goes to a fresh installation and comes back out identical."""
    from cxgov.demo import DEMO_SLUG

    org = db.session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
    data = org_export(org=org)
    original = payload_of(data)
    assert original["format"] == FORMAT and original["version"] == 1
    assert len(original["tables"]["answer"]["rows"]) > 100 and original["tables"]["change_log"]["rows"]

    other = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with other.app_context():
        db.create_all()
        existing = User(email="consultant@demo.cxgov.example", name="Already Here")
        existing.set_password("correct horse battery")
        db.session.add(existing)
        db.session.commit()
        result = org_import(payload=org_file_read(data))
        db.session.commit()
        assert result.users_matched == 1
        assert result.users_created == len(original["users"]) - 1
        members = original["tables"]["membership"]["rows"]
        assert len(result.links) == len(members) - 1  # everyone but the one who has a password here
        assert db.session.scalar(select(func.count()).select_from(SetPasswordLink)) == len(result.links)
        new_users = db.session.scalars(select(User).where(User.email != "consultant@demo.cxgov.example")).all()
        assert all(u.password_hash == "" and not u.is_admin and not u.is_consultant for u in new_users)
        copy = db.session.get(Organisation, result.org.id)
        # members named in a package are invited, never made members (issue 12, finding 1)
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 0
        invited = sorted((i.email, i.role.value) for i in db.session.scalars(select(Invitation)))
        again = payload_of(org_export(org=copy))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    expected, copied = normalised(original), normalised(again)
    assert invited == sorted((m["user_id"], m["role"]) for m in expected.pop("membership"))
    assert copied.pop("membership") == []
    assert copied == expected


def test_import_beside_the_original_under_a_new_slug(app, runner, make_org, make_member, tmp_path):
    org = _small_org(make_org, make_member)
    result = runner.invoke(args=["org", "export", "small", str(tmp_path / "s.cxgov.json.gz")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["org", "import", str(tmp_path / "s.cxgov.json.gz"), "--slug", "small-copy"])
    assert result.exit_code == 0, result.output
    assert "0 users created, 3 matched" in result.output
    copy = db.session.scalar(select(Organisation).where(Organisation.slug == "small-copy"))
    assert copy.name == "Small <Org>" and copy.id != org.id
    assert copy.logo_id not in (None, org.logo_id) and copy.logo.data == org.logo.data
    # the people named in the package are invited; none of them joins without accepting
    assert db.session.scalars(select(Membership).where(Membership.org_id == copy.id)).all() == []
    roles = sorted(i.role.value for i in db.session.scalars(select(Invitation).where(Invitation.org_id == copy.id)))
    assert roles == ["consultant", "respondent", "sponsor"]
    actions = [e.action for e in db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]
    assert actions == ["org_export", "org_import"]


# --- refusals --------------------------------------------------------------------------------------

def _signed_with_another_key(payload: dict[str, Any]) -> bytes:
    from flask import current_app

    current_app.config["PACKAGE_KEY"] = "another installation's key"
    try:
        return file_of(payload)
    finally:
        current_app.config["PACKAGE_KEY"] = None


def _bad_files(good: dict[str, Any]) -> dict[str, bytes]:
    tampered = json.loads(json.dumps(good))
    tampered["tables"]["organisation"]["rows"][0][2] = "Someone Else"
    newer = dict(good, version=99)
    wrong_marker = dict(good, format="something-else")
    whole = file_of(good)
    return {
        "empty": b"",
        "not gzip": b"PK\x03\x04 a zip file perhaps",
        "gzip of text": gzip.compress(b"hello, world"),
        "gzip of a JSON list": gzip.compress(b"[1, 2, 3]"),
        "no marker": file_of({k: v for k, v in good.items() if k != "format"}),
        "wrong marker": file_of(wrong_marker),
        "newer version": file_of(newer),
        "altered after signing": whole[:200] + bytes([whole[200] ^ 1]) + whole[201:],
        "signed elsewhere": _signed_with_another_key(tampered),
        "unsigned": gzip.compress(json.dumps(good).encode()),
        "truncated": whole[: len(whole) // 2],
    }


@pytest.mark.parametrize("case", ["empty", "not gzip", "gzip of text", "gzip of a JSON list", "no marker",
                                  "wrong marker", "newer version", "altered after signing", "signed elsewhere",
                                  "unsigned", "truncated"])
def test_import_refuses_a_file_that_is_not_an_export(app, runner, make_org, make_member, tmp_path, case):
    org = _small_org(make_org, make_member)
    good = payload_of(org_export(org=org))
    db.session.commit()
    before = fingerprint()
    result = _import_cli(runner, _bad_files(good)[case], tmp_path, "--slug", "elsewhere")
    assert result.exit_code != 0
    assert "Error:" in result.output and "Traceback" not in result.output
    db.session.rollback()
    assert fingerprint() == before
    refused = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "org_import")).all()
    assert [e.result for e in refused] == ["refused"]


def test_import_refuses_to_overwrite_an_existing_organisation(app, runner, make_org, make_member, tmp_path):
    org = _small_org(make_org, make_member)
    data = org_export(org=org)
    db.session.commit()
    before = fingerprint()
    result = _import_cli(runner, data, tmp_path)
    assert result.exit_code != 0
    assert "exists already" in result.output
    db.session.rollback()
    assert fingerprint() == before


def test_import_is_all_or_nothing(app, runner, make_org, make_member, tmp_path):
    """A file whose last table breaks a constraint leaves no organisation, no user, no row behind."""
    org = _small_org(make_org, make_member)
    payload = payload_of(org_export(org=org))
    db.session.commit()
    payload["users"].append({"id": 999999, "email": "brand.new@elsewhere.example", "name": "New"})
    members = payload["tables"]["membership"]
    columns = members["columns"]
    duplicate = list(members["rows"][0])
    duplicate[columns.index("id")] = 424242
    members["rows"].append(duplicate)  # the same user twice in one organisation: unique constraint
    before = fingerprint()
    result = _import_cli(runner, file_of(payload), tmp_path, "--slug", "half")
    assert result.exit_code != 0, result.output
    assert "nothing was imported" in result.output
    db.session.rollback()
    assert fingerprint() == before
    assert db.session.scalar(select(User).where(User.email == "brand.new@elsewhere.example")) is None


@pytest.mark.parametrize("column, value", [("name", 12), ("created_at", "yesterday"), ("respondent_groups", None),
                                           ("logo_id", 777), ("language", ["en"]), ("id", "one")])
def test_import_refuses_wrong_values_with_a_message(app, make_org, make_member, column, value):
    org = _small_org(make_org, make_member)
    payload = payload_of(org_export(org=org))
    db.session.commit()
    root = payload["tables"]["organisation"]
    root["rows"][0][root["columns"].index(column)] = value
    before = fingerprint()
    if column == "respondent_groups":  # JSON may be null: accepted, that is not an error
        org_import(payload=org_file_read(file_of(payload)), slug="fine")
        db.session.rollback()
        return
    with pytest.raises(TransferError):
        org_import(payload=org_file_read(file_of(payload)), slug="refused")
    db.session.rollback()
    assert fingerprint() == before


_values = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False), st.text(max_size=50),
                    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_value_is_imported_or_refused_cleanly(app, make_org, make_member, data):
    """Whatever one value of a (correctly signed) file is, the import succeeds or says why."""
    if db.session.scalar(select(Organisation).where(Organisation.slug == "small")) is None:
        _small_org(make_org, make_member)
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "small"))
    payload = payload_of(org_export(org=org))
    db.session.commit()
    before = fingerprint()
    name = data.draw(st.sampled_from(sorted(payload["tables"])))
    content = payload["tables"][name]
    if content["rows"]:
        row = data.draw(st.integers(0, len(content["rows"]) - 1))
        column = data.draw(st.integers(0, len(content["columns"]) - 1))
        content["rows"][row][column] = data.draw(_values)
    try:
        org_import(payload=org_file_read(file_of(payload)), slug="mutant")
    except TransferError:
        db.session.rollback()
        assert fingerprint() == before
    else:
        db.session.rollback()


# --- pages -----------------------------------------------------------------------------------------

def test_consultant_downloads_from_settings_and_imports_on_the_import_page(app, client, make_org, make_member, login):
    org = _small_org(make_org, make_member)
    consultant = db.session.scalar(select(User).join(Membership).where(
        Membership.org_id == org.id, Membership.role == Role.CONSULTANT))
    login(client, consultant)
    settings_page = client.get("/o/small/settings").get_data(as_text=True)
    assert "/o/small/transfer/export" in settings_page
    response = client.get("/o/small/transfer/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gzip"
    assert ".cxgov.json.gz" in response.headers["Content-Disposition"]
    data = response.data
    assert org_file_read(data)["organisation"]["slug"] == "small"

    assert "/orgs/import" in client.get("/").get_data(as_text=True)
    page = client.post("/orgs/import", data={"file": (io.BytesIO(b"garbage"), "x.gz"), "slug": "copy"},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "not a cxgov organisation export" in page.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "copy")) is None
    page = client.post("/orgs/import", data={"file": (io.BytesIO(data), "small.cxgov.json.gz"), "slug": "copy"},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Small &lt;Org&gt; was imported." in text
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "copy")) is not None
    assert client.get("/o/copy/").status_code == 200  # the importer can open it


def test_only_consultants_see_the_import_page(app, client, make_org, make_member, login):
    org = make_org()
    sponsor = make_member(org, Role.SPONSOR)
    login(client, sponsor)
    assert client.get("/orgs/import").status_code == 403
    assert "/orgs/import" not in client.get("/").get_data(as_text=True)
    denied = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "permission_denied")).all()
    assert len(denied) == 1
