"""Reading, checking and writing register spreadsheets (no database involved)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest

from cxgov.register.transfer import spreadsheet as s
from cxgov.register.models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint
from tests.register_transfer.helpers import csv_of, small_tables, xlsx

pytestmark = pytest.mark.usefixtures("app")

FORMULAS = ["=1+1", "+46 70 123 45 67", "-", "-5", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")"]


def checked(data: bytes, filename: str = "", table: str | None = None) -> s.CheckedFile:
    return s.check_file(s.read_file(data, filename=filename, table=table))


def test_column_lengths_match_the_models():
    """The importer refuses exactly what the database could not store."""
    models = {"people": Person, "channels": Channel, "journeys": Journey, "touchpoints": Touchpoint,
              "cx_roles": CxRole, "mandates": DelegatedMandate}
    plain = {"people": ["email", "name", "title", "department"], "channels": ["name"], "journeys": ["name"],
             "touchpoints": ["name", "stage", "desired_feeling", "kpi", "kpi_target"],
             "cx_roles": ["note"], "mandates": ["holder", "decision", "limit"]}
    for table, columns in plain.items():
        for column in columns:
            length = models[table].__table__.c[column].type.length
            assert s.TABLE_BY_KEY[table].column(column).max_length == length, (table, column)


def test_xlsx_round_trip_keeps_odd_values_as_text():
    tables = small_tables()
    tables["people"][0][2] = "007"
    tables["people"][1][2] = "NA"
    tables["people"][2][2] = "TRUE"
    result = checked(xlsx(tables))
    assert result.errors == []
    titles = [r.values["title"] for r in result.records["people"]]
    assert titles == ["007", "NA", "TRUE"]
    tp = result.records["touchpoints"][0].values
    assert tp["last_reviewed"] == date(2026, 3, 1) and tp["hygiene_factor"] is False
    assert result.records["people"][2].values["email"] is None


@pytest.mark.parametrize("value", FORMULAS)
def test_xlsx_export_writes_formula_like_values_as_text(value):
    tables = small_tables()
    tables["people"][0][2] = value
    tables["touchpoints"][0][7] = value
    book = openpyxl.load_workbook(io.BytesIO(xlsx(tables)))
    for sheet, ref in (("People", "C2"), ("Touchpoints", "H2")):
        cell = book[sheet][ref]
        assert cell.data_type == "s", (sheet, ref, cell.data_type)
        assert cell.value == value


@pytest.mark.parametrize("value", FORMULAS + ["\tTab", "\rCR"])
def test_csv_export_neutralises_formulas_and_import_restores_them(value):
    rows = [["ann@example.com", "Ann", value, "", True]]
    data = csv_of("people", rows)
    cells = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1]
    assert cells[2] == "'" + value
    assert not any(cell.startswith(s.FORMULA_PREFIXES) for cell in cells)
    result = checked(data, "people.csv")
    assert result.errors == []
    assert result.records["people"][0].values["title"] == value.strip()


def test_csv_apostrophes_round_trip_exactly():
    values = ["'=x", "''=x", "'plain", "it's", "'"]
    rows = [[f"p{n}@example.com", "P", v, "", True] for n, v in enumerate(values)]
    result = checked(csv_of("people", rows), "people.csv")
    assert [r.values["title"] for r in result.records["people"]] == values


def test_csv_has_bom_and_reads_semicolons_and_excel_dates():
    data = csv_of("people", [["ann@example.com", "Åsa", "", "", True]])
    assert data.startswith(b"\xef\xbb\xbf")
    semicolons = "email;name;active\r\nann@example.com;Åsa Ström;ja\r\n".encode()
    result = checked(semicolons, "people.csv")
    assert result.errors == [] and result.records["people"][0].values["name"] == "Åsa Ström"
    assert s.parse_date("2026-03-01 00:00:00") == date(2026, 3, 1)


def test_csv_table_from_name_choice_or_header():
    data = "journey,channel,name\r\nA,B,C\r\n".encode()
    assert checked(data, "upload.csv").records.keys() == {"touchpoints"}
    assert checked(data, "whatever.csv", table="touchpoints").records.keys() == {"touchpoints"}
    assert checked("email,name\r\nx@example.com,X\r\n".encode(), "CX roles.csv").columns == {"cx_roles": []}


def cell_errors(data: bytes, filename: str = "touchpoints.csv") -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.reason) for e in checked(data, filename).errors]


def test_each_bad_cell_is_reported_with_row_column_and_reason():
    rows = [
        "journey,channel,name,hygiene_factor,last_reviewed,owner_email,stage",
        "J,C,ok,TRUE,2026-01-31,a@example.com,Buy",
        "J,C,,TRUE,,,",                       # 3: missing name
        "J,C,bad bool,perhaps,,,",            # 4
        "J,C,bad date,,31/01/2026,,",         # 5
        "J,C,long," + ",,," + "x" * 101,      # 6: stage too long
        "J,C,ok,FALSE,,,",                    # 7: duplicate of row 2
    ]
    errors = cell_errors("\r\n".join(rows).encode())
    reasons = {(row, column): reason for row, column, reason in errors}
    assert "required" in reasons[(3, "name")]
    assert "perhaps" in reasons[(4, "hygiene_factor")]
    assert "YYYY-MM-DD" in reasons[(5, "last_reviewed")]
    assert "too long" in reasons[(6, "stage")]
    assert "row 2" in reasons[(7, "journey, channel, name")]
    assert len(errors) == 5
    people = cell_errors("email,name\r\nnot@an@email,X\r\n".encode(), "people.csv")
    assert people == [(2, "email", "“not@an@email” is not a valid e-mail address.")]


def test_unknown_kind_role_and_columns_are_reported():
    assert "is not a choice of “Kind”" in cell_errors("name,kind\r\nWeb,website\r\n".encode(), "channels.csv")[0][2]
    role = cell_errors("person_email,role,since\r\na@example.com,boss,2026-01-01\r\n".encode(), "cx_roles.csv")
    assert role[0][:2] == (2, "role") and "is not a choice of “Role”" in role[0][2]
    header = cell_errors("name,kind,colour\r\nWeb,web,red\r\n".encode(), "channels.csv")
    assert header[0][:2] == (1, "colour") and "unknown column" in header[0][2]
    missing = cell_errors("name\r\nWeb\r\n".encode(), "channels.csv")
    assert missing[0][:2] == (1, "kind") and "missing" in missing[0][2]


def test_kind_and_role_accept_other_spellings():
    result = checked("name,kind\r\nWeb,Web\r\nBoard,Complaints\r\n".encode(), "channels.csv")
    assert [r.values["kind"] for r in result.records["channels"]] == ["web", "complaints"]


# --- files refused as a whole ---------------------------------------------------------------


def refused(data: bytes, filename: str = "register.xlsx") -> str:
    with pytest.raises(s.SpreadsheetError) as info:
        s.read_file(data, filename=filename)
    return str(info.value)


def test_png_renamed_xlsx_is_refused():
    from tests.orgs.access import tiny_png

    assert "not a spreadsheet" in refused(tiny_png(), "register.xlsx")


def test_binary_and_non_utf8_csv_are_refused():
    assert "not a spreadsheet" in refused(b"email,name\r\n\x00\x01\x02", "people.csv")
    assert "UTF-8" in refused("email,name\r\nå@example.com,Åsa\r\n".encode("latin-1"), "people.csv")


def test_zip_that_is_no_workbook_and_old_xls_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not an Excel workbook" in refused(buffer.getvalue())
    assert ".xls" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def test_zip_bomb_is_refused_before_opening():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100 * 1024
    assert "bomb" in refused(data)


def test_too_large_too_many_rows_and_empty_files_are_refused():
    assert "larger than 10 MB" in refused(b"a" * (s.MAX_FILE_BYTES + 1), "people.csv")
    assert "empty" in refused(b"", "people.csv")
    many = "email,name\r\n" + "".join(f"p{n}@example.com,P\r\n" for n in range(s.MAX_ROWS + 1))
    assert "more than 50,000 rows" in refused(many.encode(), "people.csv")


def test_ragged_csv_and_unknown_table_are_refused():
    assert "Line 3" in refused("email,name\r\na@example.com,A\r\nb@example.com,B,extra\r\n".encode(), "people.csv")
    assert "which register table" in refused("colour,size\r\nred,big\r\n".encode(), "data.csv")


def test_workbook_without_register_sheets_is_refused():
    book = openpyxl.Workbook()
    book.active.title = "Budget"
    buffer = io.BytesIO()
    book.save(buffer)
    assert "none of the register's sheets" in refused(buffer.getvalue())


def test_too_wide_files_are_refused():
    from cxgov.sheets import Sheet, xlsx_bytes

    wide = xlsx_bytes([Sheet("People", ["email", "name"], [["a@example.com", "A", *[""] * 250, "far away"]],
                             [10, 10])])
    # xlsx_bytes only writes as many cells as the header has; build the wide row by hand
    book = openpyxl.Workbook()
    book.active.title = "People"
    book.active.append(["email", "name"])
    book.active.cell(2, 300).value = "far away"
    buffer = io.BytesIO()
    book.save(buffer)
    assert "beyond column 200" in refused(buffer.getvalue())
    assert s.read_file(wide).row_count == 1
    assert "more than 200 columns" in refused(("," * 300 + "\r\n").encode(), "people.csv")


def test_role_ending_before_it_starts_is_refused():
    data = "person_email,role,since,until\r\na@example.com,ambassador,2026-02-01,2026-01-31\r\n".encode()
    assert cell_errors(data, "cx_roles.csv") == [(2, "until", "The end date cannot be before the start date.")]


def test_a_refusals_limit_is_grouped_the_readers_way(app):
    """The limit in a refusal takes the reader's digit grouping when the message is read: the
    Swedish page says 50 000, the English security log 50,000 (it was fixed at 50,000)."""
    from flask_babel import force_locale

    from cxgov.audit import log_text

    many = "email,name\r\n" + "".join(f"p{n}@example.com,P\r\n" for n in range(s.MAX_ROWS + 1))
    with pytest.raises(s.SpreadsheetError) as info:
        s.read_file(many.encode(), filename="people.csv")
    with app.test_request_context(), force_locale("sv"):
        assert "50\u00a0000 rader" in str(info.value)
        assert "50,000 rows" in log_text(info.value)
