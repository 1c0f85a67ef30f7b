"""Database helpers shared by every model: UTC timestamps and SQLite pragmas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from .extensions import db

#: Requests that only read begin a deferred transaction so they never queue behind writers.
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always stored and returned as UTC (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def configure_sqlite(engine: Engine, busy_timeout_ms: int, immediate_outside_requests: bool = True) -> None:
    """Turn on WAL, foreign keys and a busy timeout, and begin writes immediately.

    pysqlite's own transaction handling begins lazily at the first write, so two
    requests that both read and then write each hold a read snapshot, and the second to write
    fails at once with "database is locked". We take over BEGIN ourselves: writing requests (and CLI commands) start
    with BEGIN IMMEDIATE and so queue on the busy timeout instead. Tests that prepare
    data beside a live server turn the CLI rule off, so their reads never hold the lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if has_request_context():
            immediate = request.method not in _READ_ONLY_METHODS or g.get("cxgov_write_lock", False)
        else:
            immediate = immediate_outside_requests
        if not immediate:
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def begin_writing() -> None:
    """In a request that reads first (a GET filling a cache), make the next transaction a writer.

    On SQLite a read transaction cannot turn into a write transaction once another connection
    has committed since it began: the write fails at once with "database is locked" (the busy
    timeout does not apply). Call this after the reads and the slow work, before the writes:
    it ends the read transaction, and the next one starts with BEGIN IMMEDIATE, which waits its
    turn for the write lock. On PostgreSQL it just ends the read transaction.
    """

    db.session.commit()  # a GET has written nothing yet; this only ends the read snapshot
    if has_request_context():
        g.cxgov_write_lock = True
