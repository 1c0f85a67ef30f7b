"""The app fixture's teardown leaves the database as a fresh schema: every table empty, ids from 1.

Test apps on one database share their engines' compiled SQL, not their connections."""
from __future__ import annotations

from sqlalchemy import bindparam, func, select, text

from cxgov.auth.models import User
from cxgov.orgs.models import Organisation
from cxgov.extensions import db as db_extension
from tests.conftest import _empty_all_tables, make_test_app


def test_emptying_leaves_every_table_empty_and_every_id_starting_at_1(db, make_org):
    make_org()  # a user, an organisation and a membership
    db.session.add(Organisation(slug="rolled-back", name="Rolled back"))
    db.session.flush()  # on PostgreSQL this moves the id sequence; the rollback does not undo that
    db.session.rollback()
    db.session.remove()

    _empty_all_tables()

    for table in db.metadata.sorted_tables:
        assert db.session.execute(select(func.count()).select_from(table)).scalar() == 0, table.name
    user = User(email="first@example.com", name="First")
    organisation = Organisation(slug="first", name="First")
    db.session.add_all([user, organisation])
    db.session.commit()
    assert (user.id, organisation.id) == (1, 1)


def test_a_sequence_moved_by_a_rolled_back_insert_alone_starts_at_1_again(db):
    db.session.add(Organisation(slug="rolled-back", name="Rolled back"))
    db.session.flush()
    db.session.rollback()
    db.session.remove()

    _empty_all_tables()

    organisation = Organisation(slug="first", name="First")
    db.session.add(organisation)
    db.session.commit()
    assert organisation.id == 1


def test_the_dialect_apps_share_is_one_that_has_connected(tmp_path):
    """An app whose engine never connects (one built at collection time for its URL map) must not
    hand later engines its dialect: SQLAlchemy initialises a dialect only on its own engine's first
    connection, so every later app would run on a blank one (no server version, no schema)."""
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    make_test_app(SQLALCHEMY_DATABASE_URI=url)  # never connects
    later = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    with later.app_context():
        with db_extension.engine.connect() as connection:
            connection.execute(text("select 1"))
        dialect = db_extension.engine.dialect
        assert dialect.server_version_info is not None
        assert dialect.default_schema_name == "main"
        db_extension.engine.dispose()
    third = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    with third.app_context():
        assert db_extension.engine.dialect is dialect
        db_extension.engine.dispose()


def test_apps_on_one_database_share_compiled_sql_and_keep_their_own_connections(app, tmp_path):
    later = make_test_app()
    elsewhere = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    first_engine = db_extension.engine
    with later.app_context():
        later_engine = db_extension.engine
    with elsewhere.app_context():
        other_engine = db_extension.engine
    assert later_engine is not first_engine and later_engine.pool is not first_engine.pool
    assert later_engine.dialect is first_engine.dialect
    assert later_engine._compiled_cache is first_engine._compiled_cache
    assert other_engine.dialect is not first_engine.dialect
    assert other_engine._compiled_cache is not first_engine._compiled_cache

    statement = select(Organisation.slug).where(Organisation.name == bindparam("name"))
    db_extension.session.add(Organisation(slug="shared", name="Shared"))
    db_extension.session.commit()
    with first_engine.connect() as connection:
        assert connection.execute(statement, {"name": "Shared"}).scalar() == "shared"
    compiled = len(first_engine._compiled_cache)
    with later.app_context(), later_engine.connect() as connection:
        # the later app's connection answers from the first one's compiled statement
        assert connection.execute(statement, {"name": "Shared"}).scalar() == "shared"
        assert connection.execute(statement, {"name": "Nobody"}).scalar() is None
    assert len(first_engine._compiled_cache) == compiled
    later_engine.dispose()
    other_engine.dispose()


def test_a_killed_test_process_folder_is_removed_and_a_live_ones_kept(tmp_path):
    """A test process killed before its atexit left its temporary folder in /dev/shm, i.e. in memory."""
    import os
    import subprocess
    import sys

    from tests.conftest import _killed_runs_folders_remove

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for name, pid in (("cxgov-tests-killed", gone.stdout.strip()), ("cxgov-tests-alive", str(os.getpid()))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "pid").write_text(pid)
    (tmp_path / "cxgov-tests-starting").mkdir()  # its process has not written its pid yet
    _killed_runs_folders_remove(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cxgov-tests-alive", "cxgov-tests-starting"]
