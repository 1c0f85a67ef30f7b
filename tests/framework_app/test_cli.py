"""``flask framework list | validate | export``, including exit codes."""
from __future__ import annotations

import openpyxl
from sqlalchemy import select

from cxgov.audit import SecurityEvent
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR
from cxgov.framework.services import framework_upload_create
from tests.framework_app.conftest import BROKEN_TEXT, SHIPPED_TEXT, variant

SHIPPED = DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml"


def test_list_prints_versions_then_invalid_files(runner, fw_dir, db):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    fw_dir("broken.yaml", BROKEN_TEXT)
    framework_upload_create(data=variant(version="1.1").encode(), filename="v11.yaml", by=None)
    db.session.commit()
    result = runner.invoke(args=["framework", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "cx-governance\t1.0\t42 practices\tvalid\tfile cx-governance.yaml"
    assert lines[1] == "cx-governance\t1.1\t42 practices\tvalid\tupload v11.yaml"
    assert lines[2].startswith("broken.yaml\tinvalid\t") and lines[2].endswith(" problem")
    assert len(lines) == 3

    result = runner.invoke(args=["framework", "list"], env={"CXGOV_LANG": "nb"})
    lines = result.output.splitlines()
    assert lines[0] == "cx-governance\t1.0\t42 praksiser\tgyldig\tfil cx-governance.yaml"
    assert lines[1] == "cx-governance\t1.1\t42 praksiser\tgyldig\tlastet opp v11.yaml"
    assert lines[2].startswith("broken.yaml\tugyldig\t") and lines[2].endswith(" problem")


def test_translations_report_in_the_cli_language(runner, fw_dir):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    result = runner.invoke(args=["framework", "translations", "cx-governance"], env={"CXGOV_LANG": "da"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("cx-governance")]
    assert rows and all("tekster\t" in line for line in rows), result.output
    assert "texts" not in result.output and "complete" not in result.output and "missing" not in result.output


def test_validate_a_valid_file(runner):
    result = runner.invoke(args=["framework", "validate", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 1
    assert "valid: cx-governance 1.0, 6 dimensions, 42 practices" in result.output


def test_validate_an_invalid_file_prints_every_problem_and_exits_1(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_TEXT.replace("default_target: 4", "default_target: 9", 1),
                    encoding="utf-8")
    result = runner.invoke(args=["framework", "validate", str(path)])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith(str(path))
                and ": invalid:" not in line]
    assert len(problems) == 2
    assert any(".register_checks[0]: unknown register check 'no_such_check'" in p
               for p in problems)
    assert any(".default_target: default_target must be a whole number" in p for p in problems)
    assert "invalid: 2 problems" in result.output


def test_validate_a_missing_or_malformed_file_exits_1(runner, tmp_path):
    missing = runner.invoke(args=["framework", "validate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "could not be read" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"key: [\n")
    result = runner.invoke(args=["framework", "validate", str(bad)])
    assert result.exit_code == 1 and "is not valid YAML" in result.output


def test_export_writes_the_spreadsheet(runner, db, tmp_path):
    out = tmp_path / "framework.xlsx"
    result = runner.invoke(args=["framework", "export", "cx-governance", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][:3] == ["Dimension", "Id", "Title"]
    assert sheet.max_row == 49  # the newest version, 1.1: 48 practices and a header
    assert sheet.cell(2, 2).value == "A1"
    event = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "export")).one()
    assert event.detail == "framework cx-governance 1.1 xlsx framework.xlsx"


def test_export_of_a_given_version(runner, fw_dir, db, tmp_path):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    framework_upload_create(data=variant(version="2.0", title="Two").encode(), filename="2.yaml",
                            by=None)
    db.session.commit()
    out = tmp_path / "one.xlsx"
    result = runner.invoke(args=["framework", "export", "cx-governance", "--version", "1.0",
                                 "--xlsx", str(out)])
    assert result.exit_code == 0 and "cx-governance 1.0" in result.output


def test_export_of_an_unknown_framework_exits_1(runner, tmp_path):
    out = tmp_path / "x.xlsx"
    result = runner.invoke(args=["framework", "export", "nope", "--xlsx", str(out)])
    assert result.exit_code == 1
    assert "No valid framework “nope”" in result.output and "cx-governance 1.0" in result.output
    assert not out.exists()
    result = runner.invoke(args=["framework", "export", "cx-governance", "--xlsx",
                                 str(tmp_path / "no-such-dir" / "x.xlsx")])
    assert result.exit_code == 1 and "Could not write" in result.output
