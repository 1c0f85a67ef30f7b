"""``flask register import`` and ``flask register export``."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from cxgov.register.models import ImportBatch, Person, Touchpoint
from tests.register_transfer.helpers import small_tables, xlsx


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_prints_the_plan_and_writes_nothing(db, runner, make_org, tmp_path):
    org = make_org()
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx(small_tables()))
    result = runner.invoke(args=["register", "import", org.slug, str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Touchpoints: 2 to add, 0 to change, 0 unchanged" in result.output
    assert "nothing was written" in result.output
    db.session.rollback()
    assert count(db, Person) == 0 and count(db, ImportBatch) == 0


def test_import_writes_and_a_bad_file_exits_1_with_every_problem(db, runner, make_org, tmp_path):
    org = make_org()
    good = tmp_path / "register.xlsx"
    good.write_bytes(xlsx(small_tables()))
    result = runner.invoke(args=["register", "import", org.slug, str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported: 10 added, 0 changed, 0 unchanged" in result.output
    db.session.rollback()
    assert count(db, Touchpoint) == 2
    tables = small_tables()
    tables["touchpoints"][0][0] = "Move out"
    tables["channels"][0][1] = "pigeon"
    tables["people"][0][2] = "Changed title that must not be written"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(tables))
    result = runner.invoke(args=["register", "import", org.slug, str(bad)])
    assert result.exit_code == 1
    assert "Channels, row 2, column kind: “pigeon” is not a choice of “Kind”" in result.output
    assert "Touchpoints, row 2, column journey: unknown journey “Move out”" in result.output
    assert "nothing was imported" in result.output
    db.session.rollback()
    assert db.session.scalar(select(Person.title).where(Person.email == "ann@example.com")) == "Head of service"
    assert count(db, ImportBatch) == 1


def test_refused_file_and_unknown_org(runner, make_org, tmp_path):
    org = make_org()
    fake = tmp_path / "register.xlsx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(args=["register", "import", org.slug, str(fake)])
    assert result.exit_code == 1 and "not a spreadsheet" in result.output
    result = runner.invoke(args=["register", "export", "no-such-org", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and "No organisation" in result.output


def test_export_writes_a_workbook_or_one_csv(db, runner, make_org, tmp_path):
    org = make_org()
    good = tmp_path / "in.xlsx"
    good.write_bytes(xlsx(small_tables()))
    runner.invoke(args=["register", "import", org.slug, str(good)])
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["register", "export", org.slug, str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert book["Touchpoints"].max_row == 3
    size = out.stat().st_size
    assert f"({size:,} bytes)" in result.output  # English grouping: 12,345
    result = runner.invoke(args=["register", "export", org.slug, str(out)], env={"CXGOV_LANG": "da"})
    assert f"({size:,} bytes)".replace(",", ".") in result.output, result.output  # Danish: 12.345
    csv_out = tmp_path / "people.csv"
    assert runner.invoke(args=["register", "export", org.slug, str(csv_out)]).exit_code == 1
    result = runner.invoke(args=["register", "export", org.slug, str(csv_out), "--table", "people"])
    assert result.exit_code == 0
    assert csv_out.read_bytes().decode("utf-8-sig").splitlines()[0] == "email,name,title,department,active"
