"""The hostile-input test for files: every register import cell and every organisation-package field.

tests/test_hostile_input.py attacks every form field; this attacks what arrives inside files.
Each value below is put, alone, into one cell or one field of an otherwise good file: NUL,
another C0 control, a C1 control, and a value one character over the column's length. The file
must be refused with a reason naming the place (never a 500), and nothing may be written.
"""
from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from sqlalchemy import String, func, select

from cxgov.extensions import db
from cxgov.ops.package import package_seal
from cxgov.ops.transfer import TransferError, org_export, org_file_read, org_import
from cxgov.orgs.models import Organisation, Role
from cxgov.register.transfer import spreadsheet as s
from cxgov.register.transfer.models import PendingImport
from tests.register_transfer.helpers import csv_of, small_tables, xlsx
from tests.test_tenancy import fingerprint

CONTROL_VALUES = {"NUL": "a\x00b", "escape": "a\x1b[31mb", "C1": "a\x85b"}


def _over_long(column: s.Column) -> str:
    return "x" * ((column.max_length or s.MAX_CELL_CHARS) + 1)


def _cells() -> list[tuple[str, int, s.Column]]:
    return [(spec.key, index, column) for spec in s.TABLES for index, column in enumerate(spec.columns)]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_every_import_cell_refuses_control_characters_and_over_long_values(app, kind):
    """Each hostile value in each cell: the file is refused, or that very cell is named."""
    for table, index, column in _cells():
        for label, value in [*CONTROL_VALUES.items(), ("over-long", _over_long(column))]:
            tables = small_tables()
            tables[table][0][index] = value
            data = xlsx(tables) if kind == "xlsx" else csv_of(table, tables[table])
            where = f"{kind} {table}.{column.name} {label}"
            try:
                checked = s.check_file(s.read_file(data, filename=f"{table}.csv"))
            except s.SpreadsheetError:
                continue  # the whole file refused with its reason (e.g. NUL in a CSV, a 32 KB cell)
            sheet = next(spec.sheet for spec in s.TABLES if spec.key == table)
            named = [e for e in checked.errors if e.row == 2 and e.column == column.name
                     and e.sheet in (sheet, f"{table}.csv")]
            assert named, (where, [str(e) for e in checked.errors][:5])


def test_hostile_import_files_are_never_a_500_and_write_nothing(app, client, make_org, make_member, login):
    org = make_org()
    login(client, make_member(org, Role.AMBASSADOR))
    files = []
    for label, value in CONTROL_VALUES.items():
        tables = copy.deepcopy(small_tables())
        for table, index, column in _cells():
            if column.kind not in ("bool", "date"):
                tables[table][0][index] = value
        files.append((f"all cells {label}.xlsx", xlsx(tables)))
        files += [(f"{table}.csv", csv_of(table, rows)) for table, rows in tables.items()]
    before = fingerprint()
    for filename, data in files:
        response = client.post(f"/o/{org.slug}/register/import", data={"file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data")
        assert response.status_code in (400, 422), (filename, response.status_code)
    db.session.rollback()
    assert fingerprint() == before
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


# --- organisation packages -------------------------------------------------------------------------

@pytest.fixture
def package(app, make_org, make_member) -> dict[str, Any]:
    """Return the export of an organisation with rows in the register, a cycle and a logo."""
    from tests.actions.helpers import scored_cycle
    from tests.orgs.access import tiny_png
    from tests.register.helpers import small_register
    from cxgov.uploads import logo_from_upload

    org = make_org(slug="source", name="Source", service_promise="We answer.")
    logo = logo_from_upload(tiny_png(), "logo.png", kind="org_logo")
    db.session.add(logo)
    db.session.flush()
    org.logo_id = logo.id
    make_member(org, Role.SPONSOR)
    small_register(org)
    scored_cycle(org, "2026-Q1", {"A1": 2, "B1": 3}, respondents=1)
    db.session.commit()
    import gzip

    payload = json.loads(gzip.decompress(org_export(org=org)))
    db.session.commit()
    return payload


def _text_fields(payload: dict[str, Any]) -> list[tuple[str, int, int]]:
    """Return (table, column index, length or 0) for every text column of a row the package has."""
    fields = []
    for name, content in payload["tables"].items():
        if not content["rows"]:
            continue
        table = db.metadata.tables[name]
        for index, column_name in enumerate(content["columns"]):
            column = table.c[column_name]
            if isinstance(column.type, String) and not column.foreign_keys:
                fields.append((name, index, column.type.length or 0))
    return fields


def _refused(payload: dict[str, Any]) -> str:
    """Import ``payload`` expecting a refusal; the caller compares the whole database at the end."""
    with pytest.raises(TransferError) as refusal:
        org_import(payload=org_file_read(package_seal(json.dumps(payload).encode())), slug="hostile")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    return str(refusal.value)


def test_every_package_text_field_refuses_control_characters_and_over_long_values(package):
    fields = _text_fields(package)
    assert {("organisation", "name"), ("journey", "description"), ("stored_file", "filename")} <= {
        (t, package["tables"][t]["columns"][i]) for t, i, _n in fields}
    before = fingerprint()
    for table, index, length in fields:
        column = package["tables"][table]["columns"][index]
        values = {"NUL": CONTROL_VALUES["NUL"], "C1": CONTROL_VALUES["C1"],
                  **({"over-long": "x" * (length + 1)} if length else {})}
        row = package["tables"][table]["rows"][0]
        good = row[index]
        for label, value in values.items():
            row[index] = value  # in place: a deep copy of the framework snapshot per case is slow
            message = _refused(package)
            assert table in message or "stored file" in message, (table, column, label, message)
        row[index] = good
    assert fingerprint() == before


def test_package_json_values_and_users_refuse_control_characters(package):
    before = fingerprint()
    for table, content in package["tables"].items():
        for index, column_name in enumerate(content["columns"]):
            if content["rows"] and str(db.metadata.tables[table].c[column_name].type) == "JSON":
                hostile = copy.deepcopy(package)
                hostile["tables"][table]["rows"][0][index] = {"a\x00": ["b\x1b"]}
                assert f"{table}.{column_name}" in _refused(hostile)
    for field in ("name", "email"):
        hostile = copy.deepcopy(package)
        hostile["users"][0][field] = "a\x00b@example.com"
        assert "users" in _refused(hostile)
    assert fingerprint() == before
