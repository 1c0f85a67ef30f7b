"""The committed migrations build the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from cxgov.extensions import db
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
