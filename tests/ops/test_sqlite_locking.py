"""A GET that writes after reading (a PDF cache) must not fail with "database is locked" on SQLite."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.exc import OperationalError

from cxgov.db import begin_writing
from cxgov.extensions import db
from cxgov.orgs.models import Organisation


def _another_worker_commits(n: int) -> None:
    other = create_engine(str(db.engine.url), connect_args={"timeout": 15})
    with other.begin() as connection:
        connection.execute(insert(Organisation.__table__).values(slug=f"elsewhere-{n}", name="Elsewhere"))
    other.dispose()


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("read-to-write upgrades fail only on SQLite; PostgreSQL has row locks")


def test_without_begin_writing_the_upgrade_fails_at_once(app, sqlite_only):
    """The problem begin_writing solves: the read snapshot is stale once another worker wrote."""
    with app.test_request_context("/o/x/reports/1/report.pdf", method="GET"):
        db.session.scalar(select(func.count()).select_from(Organisation))  # the GET's reads
        _another_worker_commits(1)
        db.session.add(Organisation(slug="cache", name="Cache"))
        with pytest.raises(OperationalError, match="database is locked"):
            db.session.flush()
        db.session.rollback()


def test_begin_writing_lets_a_get_write_after_its_reads(app, sqlite_only):
    with app.test_request_context("/o/x/reports/1/report.pdf", method="GET"):
        db.session.scalar(select(func.count()).select_from(Organisation))
        _another_worker_commits(2)
        begin_writing()
        db.session.add(Organisation(slug="cache", name="Cache"))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
