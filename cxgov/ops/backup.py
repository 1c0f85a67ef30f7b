"""``flask backup ...``: online backups of the SQLite database and restores into an empty database.

SQLite: ``create`` uses SQLite's online backup API (:meth:`sqlite3.Connection.backup`), which
copies the database as of one read transaction, so the copy is consistent while the app keeps
writing (WAL mode: readers never block writers). The copy is checked with
``PRAGMA integrity_check`` before it is given its final name, and the row count of every table
is printed so the operator can see what was saved.

PostgreSQL: backups are ``pg_dump -Fc`` (see docs/production.md); ``create`` says so.
``restore`` accepts a cxgov SQLite backup into an empty PostgreSQL database too (a table-by-
table copy in one transaction), which is also how a trial on SQLite moves to PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import URL, Connection, Engine, create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from ..cli_help import CliGroup
from ..extensions import db
from ..messages import N_

backup_cli = CliGroup("backup", help="Back up the database and restore a backup into an empty database.")

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HINT = N_(
    "This database is PostgreSQL: back it up with pg_dump, e.g.\n"
    "  %(command)s\n"
    "and restore with pg_restore -d <empty database> <file> (see docs/production.md)."
)
PG_DUMP_COMMAND = 'pg_dump -Fc -d "$DATABASE" -f cxgov-$(date +%Y%m%d-%H%M).dump'
#: Tables whose rows make a database "in use": restore never writes over them.
_OCCUPIED_TABLES = ("user", "organisation")
_INSERT_CHUNK = 500


class BackupError(click.ClickException):
    """A backup or restore that cannot be done; the message tells the operator why."""


def sqlite_file(url: str | URL) -> Path | None:
    """Return the file of a SQLite database URL, or None for any other database."""

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(_("Only a SQLite database in a file can be backed up or restored."))
    return Path(database)


def integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """Return what ``PRAGMA integrity_check`` reports; an empty list means the database is sound."""
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


def sqlite_row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Return the number of rows of every table of a SQLite database, by table name."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def engine_row_counts(engine: Engine) -> dict[str, int]:
    """Return the number of rows of every table the schema knows, by table name."""
    present = set(inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as connection:
        for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name):
            if table.name in present:
                counts[table.name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def backup_sqlite_create(*, source: Path, out: Path) -> dict[str, int]:
    """Copy a live SQLite database to ``out`` consistently; return its row counts.

    The copy goes to a temporary file next to ``out`` and is renamed only after it passed
    the integrity check, so ``out`` is either a complete, sound backup or absent.
    """
    if not source.exists():
        raise BackupError(_("There is no database file at %(path)s.", path=source))
    if out.exists():
        raise BackupError(_("%(file)s exists already; choose a new file name.", file=out))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    busy_ms = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=busy_ms / 1000)
    dst = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, i.e. one read transaction -> one snapshot.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file, no -wal beside it
        problems = integrity_problems(dst)
        counts = sqlite_row_counts(dst)
    finally:
        dst.close()
        src.close()
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupError(_("The copy failed its integrity check: %(problems)s", problems="; ".join(problems[:5])))
    os.replace(partial, out)
    return counts


def _open_backup(path: Path) -> sqlite3.Connection:
    """Open a backup file read-only after checking it is a sound SQLite database."""
    if not path.is_file():
        raise BackupError(_("There is no file at %(path)s.", path=path))
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise BackupError(
                _("%(path)s is not a cxgov SQLite backup (for PostgreSQL dumps use pg_restore).", path=path)
            )
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = integrity_problems(connection)
        tables = set(sqlite_row_counts(connection))
    except sqlite3.DatabaseError as error:
        connection.close()
        raise BackupError(_("%(path)s is damaged: %(error)s", path=path, error=error)) from error
    if problems:
        connection.close()
        raise BackupError(
            _("%(path)s failed its integrity check: %(problems)s", path=path, problems="; ".join(problems[:5]))
        )
    if not set(_OCCUPIED_TABLES) <= tables:
        connection.close()
        raise BackupError(_("%(path)s is a SQLite database but not a cxgov backup.", path=path))
    return connection


def target_occupied(engine: Engine) -> int:
    """Return how many users and organisations the target database already has."""
    present = set(inspect(engine).get_table_names())
    total = 0
    with engine.connect() as connection:
        for name in _OCCUPIED_TABLES:
            if name in present:
                total += connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
    return total


def backup_restore(*, backup: Path) -> dict[str, int]:
    """Restore ``backup`` into the app's database, which must hold no users and no organisations."""
    source = _open_backup(backup)
    engine = db.engine
    target = sqlite_file(engine.url)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)  # a new installation has no folder yet
    try:
        if target_occupied(engine):
            raise BackupError(
                _(
                    "The target database is not empty (it has users or organisations); "
                    "restore only into a new, empty database."
                )
            )
        db.session.remove()
        engine.dispose()  # no pooled connection may keep the old pages cached
        if target is not None:
            _restore_sqlite(source, target)
        else:
            _restore_by_copy(backup, engine)
    finally:
        source.close()
    return engine_row_counts(engine)


def _restore_sqlite(source: sqlite3.Connection, target: Path) -> None:
    dst = sqlite3.connect(target, timeout=int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000)) / 1000)
    try:
        source.backup(dst, pages=-1)
        problems = integrity_problems(dst)
    finally:
        dst.close()
    if problems:
        raise BackupError(
            _("The restored database failed its integrity check: %(problems)s", problems="; ".join(problems[:5]))
        )


def _restore_by_copy(backup: Path, engine: Engine) -> None:
    """Copy every table of a SQLite backup into another database in one transaction."""
    source = create_engine(f"sqlite:///file:{backup.resolve()}?mode=ro&uri=true")
    try:
        source_tables = set(inspect(source).get_table_names())
        target_tables = set(inspect(engine).get_table_names())
        missing = [t.name for t in db.metadata.sorted_tables if t.name not in target_tables]
        if missing:
            raise BackupError(
                _(
                    "The target database has no schema yet: run `flask db upgrade` first (missing tables: %(tables)s).",
                    tables=", ".join(missing[:5]),
                )
            )
        _check_same_revision(source, engine, source_tables, target_tables)
        src_inspector = inspect(source)
        with source.connect() as src, engine.begin() as dst:
            for table in db.metadata.sorted_tables:
                if table.name not in source_tables:
                    raise BackupError(
                        _("The backup has no table %(table)s: it is from another version of cxgov.", table=table.name)
                    )
                src_columns = {c["name"] for c in src_inspector.get_columns(table.name)}
                absent = [c.name for c in table.columns if c.name not in src_columns]
                if absent:
                    raise BackupError(
                        _(
                            "The backup's table %(table)s lacks %(columns)s: it is from another version of cxgov.",
                            table=table.name,
                            columns=", ".join(absent),
                        )
                    )
                result = src.execute(select(table))
                while chunk := result.mappings().fetchmany(_INSERT_CHUNK):
                    dst.execute(insert(table), [dict(row) for row in chunk])
            if engine.dialect.name == "postgresql":
                _reset_sequences(dst)
    finally:
        source.dispose()


def _check_same_revision(source: Engine, target: Engine, source_tables: set[str], target_tables: set[str]) -> None:
    if "alembic_version" not in source_tables or "alembic_version" not in target_tables:
        return
    query = text("SELECT version_num FROM alembic_version")
    with source.connect() as s, target.connect() as t:
        theirs, ours = set(s.execute(query).scalars()), set(t.execute(query).scalars())
    if theirs != ours:
        raise BackupError(
            _(
                "The backup has schema revision %(theirs)s, the target %(ours)s: restore into "
                "SQLite, run `flask db upgrade` there, and back up again.",
                theirs=sorted(theirs),
                ours=sorted(ours),
            )
        )


def _reset_sequences(connection: Connection) -> None:
    """Move every id sequence past the copied ids, so new rows do not collide."""
    for table in db.metadata.sorted_tables:
        if "id" not in table.columns or not table.c.id.primary_key:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'
            )
        )


def _print_counts(counts: dict[str, int]) -> None:
    width = max((len(name) for name in counts), default=5)
    for name, rows in counts.items():
        click.echo(f"  {name:<{width}}  {rows:>8}")
    total = _("total")  # outside the f-string: Babel does not extract a gettext call inside one
    click.echo(f"  {total:<{width}}  {sum(counts.values()):>8}")


@backup_cli.command("create")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def create_backup(out: Path) -> None:
    """Write a consistent copy of the running SQLite database to OUT (PostgreSQL: use pg_dump)."""
    source = sqlite_file(db.engine.url)
    if source is None:
        raise BackupError(_(PG_DUMP_HINT, command=PG_DUMP_COMMAND))
    counts = backup_sqlite_create(source=source, out=out)
    click.echo(
        ngettext(
            "backup written to %(file)s (%(num)d byte)",
            "backup written to %(file)s (%(num)d bytes)",
            out.stat().st_size,
            file=out,
        )
    )
    click.echo(_("integrity check: ok"))
    _print_counts(counts)


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore_backup(file: Path) -> None:
    """Restore a backup FILE into this (empty) database; stop the app servers first."""
    counts = backup_restore(backup=file)
    if sqlite_file(db.engine.url) is None:
        click.echo(_("restored (table copy in one transaction, every constraint checked)"))
    else:
        click.echo(_("restored; integrity check: ok"))
    _print_counts(counts)
