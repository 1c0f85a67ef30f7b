"""A fingerprint of every row of the database, to prove that a refused request changed nothing.

The tenancy matrix, the hostile-input tests and the import tests take thousands of these.
Reading each table through SQLAlchemy (rows built, JSON columns decoded) and hashing its
``repr`` cost 9-32 ms a time on the test world, nearly all of it ``repr`` and the hash over the
cycles' framework snapshots (~0.9 MB of JSON text). Here the rows come from the driver and are
kept as they are, pickled (C code, ~0.1 ms): two fingerprints are equal when their bytes are,
so "nothing changed" stays exact, down to the type and the last bit of every value:

- SQLite: each table's rows in primary-key order, straight from the ``sqlite3`` cursor
  (int, float, str, bytes, None) and pickled; pickle keeps 1 apart from 1.0 and '1', and a
  text with a NUL in it whole.
- PostgreSQL: the database writes each table as text (``t::text`` of each row, which quotes
  and escapes every field), all tables in one statement.

The security log is left out: a refused request is logged there on purpose.
"""

from __future__ import annotations

import hashlib
import pickle
from functools import cache

from sqlalchemy import Table

from cxgov.audit import SecurityEvent
from cxgov.extensions import db


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables() -> tuple[Table, ...]:
    return tuple(t for t in db.metadata.sorted_tables if t.name != SecurityEvent.__tablename__)


@cache
def _sqlite_selects(tables: tuple[Table, ...]) -> tuple[str, ...]:
    return tuple(
        f"SELECT * FROM {_quoted(table.name)} ORDER BY " + ", ".join(_quoted(c.name) for c in table.primary_key.columns)
        for table in tables
    )


@cache
def _postgresql_select(tables: tuple[Table, ...]) -> str:
    """Return one SELECT whose columns are the tables' rows as text, in primary-key order."""

    def table_text(table: Table) -> str:
        order = ", ".join(f"t.{_quoted(c.name)}" for c in table.primary_key.columns)
        return f"(SELECT string_agg(t::text, E'\\n' ORDER BY {order}) FROM {_quoted(table.name)} AS t)"

    return "SELECT " + ", ".join(table_text(table) for table in tables)


class Fingerprint:
    """Every row of every table but the security log; equal only when every value is."""

    def __init__(self, tables: dict[str, bytes]) -> None:
        self.tables = tables

    def changed_since(self, before: Fingerprint) -> list[str]:
        """Return the names of the tables whose rows differ from ``before``."""
        return sorted(name for name, rows in self.tables.items() if before.tables.get(name) != rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and self.tables == other.tables

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # short, for assertion messages
        digest = hashlib.blake2b(pickle.dumps(sorted(self.tables.items())), digest_size=8).hexdigest()
        return f"<Fingerprint {digest} of {len(self.tables)} tables>"


def fingerprint() -> Fingerprint:
    """Return the rows of every table but the security log, as they are in the session's transaction.

    Roll the session back first to see what requests committed since it began.
    """
    tables = _tables()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        texts = connection.exec_driver_sql(_postgresql_select(tables)).one()
        return Fingerprint({table.name: (text or "").encode() for table, text in zip(tables, texts, strict=True)})
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return Fingerprint(
            {
                table.name: pickle.dumps(cursor.execute(select).fetchall(), protocol=5)
                for table, select in zip(tables, _sqlite_selects(tables), strict=True)
            }
        )
    finally:
        cursor.close()
