"""The spreadsheet export has one row per practice and never writes live formulas."""
from __future__ import annotations

import dataclasses
import io
import zipfile

import openpyxl
import pytest

from cxgov.framework.export import framework_to_rows, framework_xlsx
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR, load_framework_file
from cxgov.framework.model import Framework, Text
from cxgov.sheets import is_formula_like


@pytest.fixture(scope="module")
def framework() -> Framework:
    result = load_framework_file(DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml")
    assert result.framework is not None
    return result.framework


def with_first_title(framework: Framework, title: str) -> Framework:
    """Return a copy whose first practice has ``title``."""
    first_dim = framework.dimensions[0]
    practice = dataclasses.replace(first_dim.practices[0], title=Text((("en", title),)))
    dim = dataclasses.replace(first_dim, practices=(practice, *first_dim.practices[1:]))
    return dataclasses.replace(framework, dimensions=(dim, *framework.dimensions[1:]))


def test_rows_one_per_practice(framework: Framework) -> None:
    headers, rows = framework_to_rows(framework)
    assert len(rows) == len(framework.practices)
    assert all(len(row) == len(headers) for row in rows)
    assert headers[:4] == ["Dimension", "Id", "Title", "Good looks like"]
    assert "Level 1: Initial" in headers and "Next step 4→5" in headers
    b3 = next(row for row in rows if row[1] == "B3")
    named = dict(zip(headers, b3))
    assert named["Register checks"] == "sponsor"
    assert named["Weight"] == 2.0 and named["Default target"] == 4
    assert named["Level 5: Leading"] == framework.practice("B3").level_text(5)


def test_xlsx_opens_with_a_row_per_practice(framework: Framework, tmp_path) -> None:
    path = tmp_path / "framework.xlsx"
    path.write_bytes(framework_xlsx(framework))
    sheet = openpyxl.load_workbook(path).active
    assert sheet.max_row == len(framework.practices) + 1
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(1, 2).value == "Id"
    ids = [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
    assert ids == [p.id for p in framework.practices]
    assert sheet.cell(1, 3).alignment.wrap_text or sheet.cell(2, 3).alignment.wrap_text
    assert sheet.column_dimensions["D"].width > 30


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2", "@SUM(A1)",
                                   "\tTab", "\rCR"])
def test_formula_like_text_is_stored_as_string(framework: Framework, title: str) -> None:
    assert is_formula_like(title)
    buffer = io.BytesIO(framework_xlsx(with_first_title(framework, title)))
    with zipfile.ZipFile(buffer) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml, "a formula element was written"
    buffer.seek(0)
    cell = openpyxl.load_workbook(buffer).active.cell(2, 3)
    assert cell.data_type == "s"
    # the xlsx format stores a carriage return as the escape _x000D_; openpyxl keeps it
    assert cell.value.replace("_x000D_", "\r") == title
