"""A ``flask`` command on a database that is not migrated says to run ``flask db upgrade``."""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

from cxgov import create_app
from cxgov.cli import _missing_table


def test_a_command_on_an_unmigrated_database_says_to_upgrade(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "SECRET_KEY": "x",
                      "TESTING": True})
    result = app.test_cli_runner().invoke(args=["framework", "list"])
    assert result.exit_code == 1
    assert "Run `flask db upgrade` first" in result.output
    assert "Traceback" not in result.output and "framework_upload" in result.output


def test_other_database_errors_are_not_disguised():
    assert _missing_table(OperationalError("SELECT 1", {}, Exception("database is locked"))) is None
    assert _missing_table(OperationalError("SELECT 1", {}, Exception('relation "cycle" does not exist'))) == "cycle"
