"""The committed migrations build the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, inspect, text
from sqlalchemy.engine import make_url

from cxgov.auth.models import User
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from cxgov.register.models import Person
from tests.conftest import _TMP, make_test_app, database_url_for_tests


@pytest.fixture
def empty_database_url():
    """Yield the URL of a brand-new empty database of the kind the suite runs on."""
    url = make_url(database_url_for_tests())
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{_TMP / f'migrate-{uuid.uuid4().hex}.sqlite3'}"
        return
    name = f"cxgov_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_empty_database_matches_models(empty_database_url):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "organisation", "membership", "alembic_version"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        summary = [(op[0], getattr(op[1], "name", "")) if isinstance(op, tuple) else op for op in diff]
        assert diff == [], f"models and migrations differ; run 'flask db migrate': {summary}"
        db.engine.dispose()


def test_the_person_account_index_upgrade_keeps_each_account_with_its_earliest_person(empty_database_url):
    """Links made before the one-person-per-account rule may repeat; the upgrade keeps the first and says so."""
    app = make_test_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="e5b8c2d4a613")  # the revision before the index
        # Through the models' tables, whose Python-side defaults fill the other columns: the
        # schema at that revision is the models' but for the index.
        with db.engine.begin() as connection:
            connection.execute(insert(Organisation.__table__), [
                {"id": 1, "slug": "one", "name": "One"}, {"id": 2, "slug": "two", "name": "Two"}])
            connection.execute(insert(User.__table__), [
                {"id": 1, "email": "a@example.com", "name": "A"}, {"id": 2, "email": "b@example.com", "name": "B"}])
            connection.execute(insert(Person.__table__), [
                {"id": n, "org_id": org_id, "name": name, "user_id": user_id, "version_id": version}
                for n, org_id, name, user_id, version in (
                    (1, 1, "Ann", 1, 1), (2, 1, "Bob", 1, 1), (3, 1, "Cy", 1, 4), (4, 1, "Dee", 2, 1),
                    (5, 2, "Ann elsewhere", 1, 1), (6, 1, "Eve", None, 1))])
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, user_id, version_id FROM person ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, 1, 1), (2, None, 2), (3, None, 5), (4, 2, 1), (5, 1, 1), (6, None, 1)]
        db.engine.dispose()
