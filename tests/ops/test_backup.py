"""``flask backup create/restore``: consistent online copies, integrity checks, empty targets only."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select

from cxgov.auth.models import User
from cxgov.extensions import db as _db
from cxgov.orgs.models import Membership, Organisation, StoredFile
from tests.conftest import make_test_app


def _is_postgres() -> bool:
    return _db.engine.dialect.name == "postgresql"




def _skip_unless_sqlite(reason: str) -> None:
    if _is_postgres():
        pytest.skip(reason)


def _sqlite_app_with_data(tmp_path: Path, name: str = "source.sqlite3"):
    """Return a separate app on its own SQLite file, with a schema and a little data."""
    side = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}")
    with side.app_context():
        _db.create_all()
        user = User(email="restored@example.com", name="Restored")
        user.set_password("correct horse battery")
        org = Organisation(slug="restored-org", name="Restored Org")
        _db.session.add_all([user, org])
        _db.session.flush()
        _db.session.add(Membership(user_id=user.id, org_id=org.id, role="consultant"))
        _db.session.commit()
    return side


def _side_backup(tmp_path: Path) -> Path:
    side = _sqlite_app_with_data(tmp_path)
    out = tmp_path / "side-backup.sqlite3"
    with side.app_context():
        result = side.test_cli_runner().invoke(args=["backup", "create", str(out)])
        _db.engine.dispose()
    assert result.exit_code == 0, result.output
    return out


def test_create_writes_a_checked_copy_and_prints_counts(app, runner, make_org, tmp_path):
    _skip_unless_sqlite("PostgreSQL is backed up with pg_dump; see the pg_dump test")
    make_org(slug="acme")
    out = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", "create", str(out)])
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    lines = {line.split()[0]: int(line.split()[1]) for line in result.output.splitlines()
             if line.startswith("  ")}
    assert lines["organisation"] == 1 and lines["membership"] == 1 and lines["user"] == 1
    with sqlite3.connect(out) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT slug FROM organisation").fetchall() == [("acme",)]
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert not (tmp_path / "backup.sqlite3.partial").exists()


def test_create_refuses_to_overwrite(app, runner, tmp_path):
    _skip_unless_sqlite("PostgreSQL is backed up with pg_dump")
    out = tmp_path / "backup.sqlite3"
    out.write_bytes(b"precious")
    result = runner.invoke(args=["backup", "create", str(out)])
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert out.read_bytes() == b"precious"


def test_backup_is_consistent_while_another_thread_writes(app, runner, tmp_path):
    """Each write adds an organisation and a stored file together; every copy has equal counts."""
    _skip_unless_sqlite("online backups with the SQLite backup API exist only on SQLite")
    writer = create_engine(str(_db.engine.url), connect_args={"timeout": 15})
    stop = threading.Event()
    written = []
    errors: list[BaseException] = []

    def write_pairs() -> None:
        n = 0
        try:
            while not stop.is_set() and n < 5000:
                n += 1
                with writer.begin() as connection:
                    connection.execute(insert(Organisation.__table__).values(slug=f"w{n}", name=f"W {n}"))
                    connection.execute(insert(StoredFile.__table__).values(
                        kind="test", filename=f"{n}.bin", content_type="application/octet-stream",
                        data=b"x" * 2000, sha256="0" * 64))
                written.append(n)
        except BaseException as error:  # reported by the test below
            errors.append(error)

    thread = threading.Thread(target=write_pairs)
    thread.start()
    copies = []
    try:
        for i in range(6):
            while len(written) < (i + 1) * 15 and thread.is_alive():
                stop.wait(0.005)
            out = tmp_path / f"b{i}.sqlite3"
            result = runner.invoke(args=["backup", "create", str(out)])
            assert result.exit_code == 0, result.output
            copies.append(out)
    finally:
        stop.set()
        thread.join()
        writer.dispose()
    assert not errors, errors
    sizes = []
    for out in copies:
        with sqlite3.connect(out) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            orgs = copy.execute("SELECT count(*) FROM organisation").fetchone()[0]
            files = copy.execute("SELECT count(*) FROM stored_file").fetchone()[0]
            assert orgs == files, f"{out.name}: half a transaction in the backup"
            sizes.append(orgs)
    assert sizes == sorted(sizes) and sizes[-1] > 0 and written[-1] > sizes[0]


def test_create_on_postgresql_points_to_pg_dump(app, runner, tmp_path):
    if not _is_postgres():
        pytest.skip("only the PostgreSQL run checks the pg_dump message")
    result = runner.invoke(args=["backup", "create", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "pg_dump -Fc" in result.output
    assert not (tmp_path / "x").exists()


def test_restore_into_an_empty_database(app, runner, tmp_path):
    """The backup of one SQLite database becomes a new, empty SQLite database."""
    _skip_unless_sqlite("restoring into SQLite needs a SQLite target; this run's database is "
                        "PostgreSQL (test_restore_sqlite_backup_into_postgresql covers it)")
    backup = _side_backup(tmp_path)
    target = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new' / 'target.sqlite3'}")
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
        assert result.exit_code == 0, result.output
        assert "integrity check: ok" in result.output
        assert [u.email for u in _db.session.scalars(select(User))] == ["restored@example.com"]
        assert _db.session.scalar(select(Organisation.slug)) == "restored-org"
        _db.session.remove()
        _db.engine.dispose()


def test_restore_sqlite_backup_into_postgresql(app, runner, tmp_path):
    """Moving from a SQLite trial to PostgreSQL: the backup is copied table by table."""
    if not _is_postgres():
        pytest.skip("needs a PostgreSQL target (the PostgreSQL run of the suite)")
    backup = _side_backup(tmp_path)
    result = runner.invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert _db.session.scalar(select(Organisation.slug)) == "restored-org"
    # the id sequences moved past the copied rows: a new organisation gets a fresh id
    _db.session.add(Organisation(slug="after", name="After"))
    _db.session.commit()
    assert _db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_restore_refuses_a_database_in_use(app, runner, make_user, tmp_path):
    backup = _side_backup(tmp_path)
    make_user(email="someone@example.com")
    result = runner.invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    _db.session.rollback()
    assert [u.email for u in _db.session.scalars(select(User))] == ["someone@example.com"]


@pytest.mark.parametrize("content", [b"", b"not a database at all", b"SQLite format 3\x00" + b"\x00" * 200])
def test_restore_refuses_files_that_are_not_backups(app, runner, tmp_path, content):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    result = runner.invoke(args=["backup", "restore", str(bad)])
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert _db.session.scalar(select(func.count()).select_from(User)) == 0


def test_restore_refuses_a_sqlite_file_that_is_not_cxgov(app, runner, tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    result = runner.invoke(args=["backup", "restore", str(other)])
    assert result.exit_code != 0
    assert "not a cxgov backup" in result.output
