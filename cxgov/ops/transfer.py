"""Move one client organisation, completely, to another cxgov instance in a single file.

The file is gzip-compressed JSON with a format marker and a version, signed with a key only the
instance has (:mod:`cxgov.ops.package`): an unsigned or altered file is refused before it is
unpacked. What goes in is discovered from the SQLAlchemy metadata, not listed by hand,
so a table a feature adds later travels with the organisation without touching this module:

- the ``organisation`` row itself (the root);
- every table with an ``org_id`` column, and tables without one that hang off those through a
  required foreign key (children, e.g. answers of a cycle if they had no org_id);
- rows those reference in tables of no organisation (the logo in ``stored_file``);
- users, by e-mail and name only: an import maps them to existing accounts with the same
  e-mail or creates accounts without a password; members become pending invitations (accounts
  the import created get their one set-password link).

Only :data:`NOT_EXPORTED` tables stay behind, each with its reason; a test fails when a new
table with an ``org_id`` column is neither exported nor listed there.

Import is all-or-nothing: every row is inserted in the caller's one transaction with every id
remapped (foreign keys, the change log's ``(entity_type, entity_id)`` references and the ids
inside its ``changes``), and any problem raises :class:`TransferError` before the caller commits.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
import math
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from flask_babel import LazyString, force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import JSON, Column, ColumnElement, Table, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeDecorator

from ..audit import LOG_LANGUAGE, security_event
from ..auth.models import User
from ..auth.services import AccountError, user_by_email, user_create
from ..db import UTCDateTime, utcnow
from ..extensions import Model, db
from ..invitations.services import invitations_from_import
from ..orgs.models import Membership, Organisation, Role
from ..register.models import Person
from ..register.tables import TABLES as REGISTER_TABLES
from ..register.write import MODELS as REGISTER_MODELS
from ..register.write import RegisterBatch, register_rows_check
from ..uploads import UploadError, stored_file_type
from ..validators import SLUG_RE, normalise_email, text_is_clean
from .package import PackageError, package_seal, package_unpack, package_unpack_limit, package_verify

FORMAT = "cxgov-organisation-export"
VERSION = 1
#: Largest file accepted (compressed); what it may unpack to is tied to the upload limit
#: (:func:`cxgov.ops.package.package_unpack_limit`).
MAX_FILE_BYTES = 200 * 1024 * 1024

ROOT = "organisation"
USERS = "user"

#: Organisation tables that stay behind, and why.
NOT_EXPORTED: dict[str, str] = {
    "security_event": "the instance's own audit log; importing it would forge the target's history",
    "pending_import": "an uploaded spreadsheet awaiting confirmation; it expires within hours",
    "invitation": "consent asked of this instance's accounts; the target asks its own (members arrive as invitations)",
}

#: Columns that point at a row by (type column, id) without a foreign key.
POLYMORPHIC: dict[tuple[str, str], str] = {("change_log", "entity_id"): "entity_type"}
#: JSON columns of ``{field: [before, after]}`` about the row named by the polymorphic reference;
#: values of fields that are foreign keys (an action's owner_id) are remapped too.
POLYMORPHIC_CHANGES: dict[tuple[str, str], str] = {("change_log", "changes"): "entity_id"}

_INSERT_CHUNK = 500


class _TableOut(TypedDict):
    """One table in the package: its column names and its rows as lists in that order."""

    columns: list[str]
    rows: list[list[Any]]


def _stored_file_check(values: dict[str, Any]) -> None:
    """Keep a stored file only if its bytes are an allowed image; its type comes from the bytes."""
    raw = values.get("data")
    data = raw if isinstance(raw, bytes) else b""  # anything but bytes is refused as "not an image"
    try:
        values["content_type"] = stored_file_type(data)
    except UploadError as error:
        raise TransferError(
            _l(
                "The export's stored file %(name)s is refused: %(reason)s",
                name=str(values.get("filename"))[:80],
                reason=error.args[0],  # lazy: the log reads it in English, the user in theirs
            )
        ) from None
    values["sha256"] = hashlib.sha256(data).hexdigest()


#: Checks of one table's decoded row before it is inserted (they may correct or refuse it).
ROW_CHECKS = {"stored_file": _stored_file_check}


def _person_links_once(rows: list[dict[str, Any]]) -> int:
    """Keep each account linked to one person, the earliest in the package; return how many links were cleared.

    The register allows one person per account (``uq_person_org_id_user_id``), as the upgrade
    that added the index left it: a package made before the rule may link one account to two
    people, and two of its users may also be one account here (one e-mail address).
    """
    holders: set[int] = set()
    cleared = 0
    for values in rows:
        account = values.get("user_id")
        if account is None:
            continue
        if account in holders:
            values["user_id"] = None
            cleared += 1
        else:
            holders.add(account)
    return cleared


#: Corrections of one table's rows, all decoded, before they are inserted; each returns how many rows it changed.
TABLE_CORRECTIONS = {Person.__tablename__: _person_links_once}


class TransferError(ValueError):
    """An export file that is refused, or an import that cannot be done; the message is for the user.

    The message is a lazy gettext string, translated when read: the page or the command shows
    it in the user's language, the security log in its own (:func:`cxgov.audit.log_text`), so
    an operator reads and greps one wording whoever imported the file.
    """


@dataclass(frozen=True)
class TransferPlan:
    """Which tables travel with an organisation, in insertion order."""

    root: Table
    #: rows owned by the organisation (org_id) or by such rows (children)
    scoped: list[Table]
    #: rows of no organisation that owned rows point at (stored files)
    referenced: list[Table]


@dataclass
class ImportResult:
    """What an import made."""

    org: Organisation
    counts: dict[str, int]
    #: (e-mail, set-password token) for members whose accounts the import created
    links: list[tuple[str, str]] = field(default_factory=list)
    users_created: int = 0
    users_matched: int = 0
    #: people whose account link was cleared, the account being another person's (_person_links_once)
    links_cleared: int = 0

    def links_cleared_note(self) -> str:
        """Return what the page and the command say about cleared account links."""
        return ngettext(
            "%(num)d person's link to a cxgov account was cleared: another person of the organisation "
            "is linked to that account.",
            "%(num)d people's links to cxgov accounts were cleared: another person of the organisation "
            "is linked to each of those accounts.",
            self.links_cleared,
        )


# --- what travels ---------------------------------------------------------------------------------


def transfer_plan() -> TransferPlan:
    """Return the tables an organisation export holds, discovered from the metadata."""
    tables = db.metadata.sorted_tables
    by_name = {t.name: t for t in tables}
    scoped = {t.name for t in tables if "org_id" in t.c and t.name not in NOT_EXPORTED and t.name != ROOT}
    changed = True
    while changed:  # children reachable through a required foreign key
        changed = False
        for table in tables:
            if table.name in scoped or table.name in (ROOT, USERS) or table.name in NOT_EXPORTED:
                continue
            if any(fk.column.table.name in scoped and not fk.parent.nullable for fk in table.foreign_keys):
                scoped.add(table.name)
                changed = True
    referenced: set[str] = set()
    frontier = [ROOT, *scoped]
    while frontier:
        for fk in by_name[frontier.pop()].foreign_keys:
            target = fk.column.table.name
            if target in (ROOT, USERS) or target in scoped or target in referenced:
                continue
            if target in NOT_EXPORTED:
                raise RuntimeError(f"exported rows point at {target}, which is not exported")
            referenced.add(target)
            frontier.append(target)
    for name in {ROOT, *scoped, *referenced}:
        pk = [c.name for c in by_name[name].primary_key]
        if pk != ["id"]:
            raise RuntimeError(f"table {name} has no single id primary key; transfer cannot remap it")
    return TransferPlan(
        root=by_name[ROOT],
        scoped=[t for t in tables if t.name in scoped],
        referenced=[t for t in tables if t.name in referenced],
    )


def _fk_target(column: Column[Any]) -> str | None:
    targets = {fk.column.table.name for fk in column.foreign_keys}
    return targets.pop() if len(targets) == 1 else None


def _python_type(column: Column[Any]) -> Any:
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, JSON):
        return JSON
    try:
        return kind.python_type
    except NotImplementedError:  # SQLAlchemy's answer for types with no Python equivalent
        return None  # such a column's values are imported as the file has them


# --- export ---------------------------------------------------------------------------------------


def _encode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(table: Table, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    return [dict(row) for row in db.session.execute(select(table).where(where).order_by(table.c.id)).mappings()]


def org_export(*, org: Organisation) -> bytes:
    """Return the organisation as one gzip-compressed JSON file (and log the export)."""
    plan = transfer_plan()
    rows: dict[str, list[dict[str, Any]]] = {ROOT: _rows(plan.root, plan.root.c.id == org.id)}
    for table in plan.scoped:
        if "org_id" in table.c:
            rows[table.name] = _rows(table, table.c.org_id == org.id)
        else:
            parents = [
                (fk.parent, fk.column.table.name)
                for fk in table.foreign_keys
                if fk.column.table.name in rows and not fk.parent.nullable
            ]
            column, parent = parents[0]
            ids = [r["id"] for r in rows[parent]]
            rows[table.name] = _rows(table, column.in_(ids)) if ids else []
    # rows of other tables that the exported rows point at, until nothing new turns up
    pending = True
    while pending:
        pending = False
        for table in plan.referenced:
            wanted: set[int] = set()
            for source_name, source_rows in list(rows.items()):
                source = db.metadata.tables[source_name]
                for column in source.columns:
                    if _fk_target(column) == table.name:
                        wanted.update(r[column.name] for r in source_rows if r[column.name] is not None)
            have = {r["id"] for r in rows.get(table.name, [])}
            if wanted - have:
                rows[table.name] = _rows(table, table.c.id.in_(sorted(wanted | have)))
                pending = True
    user_ids: set[int] = set()
    for name, table_rows in rows.items():
        for column in db.metadata.tables[name].columns:
            if _fk_target(column) == USERS:
                user_ids.update(r[column.name] for r in table_rows if r[column.name] is not None)
    users = (
        db.session.execute(
            select(User.id, User.email, User.name).where(User.id.in_(sorted(user_ids))).order_by(User.id)
        ).all()
        if user_ids
        else []
    )
    tables_out: dict[str, _TableOut] = {}
    for name, table_rows in rows.items():
        table = db.metadata.tables[name]
        columns = [c.name for c in table.columns]
        tables_out[name] = {
            "columns": columns,
            "rows": [[_encode(table.c[c], r[c]) for c in columns] for r in table_rows],
        }
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "organisation": {"slug": org.slug, "name": org.name},
        "users": [{"id": u.id, "email": u.email, "name": u.name} for u in users],
        "tables": tables_out,
    }
    data = package_seal(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    total = sum(len(t["rows"]) for t in tables_out.values())
    security_event(
        "org_export", org_id=org.id, detail=f"{org.slug}: {total} rows, {len(users)} users, {len(data)} bytes"
    )
    return data


def export_counts(payload: dict[str, Any]) -> dict[str, int]:
    """Return the number of rows per table of a read export file."""
    return {name: len(t["rows"]) for name, t in sorted(payload["tables"].items())}


# --- reading a file -------------------------------------------------------------------------------


def org_file_read(data: bytes, *, unpack_limit: int | None = None) -> dict[str, Any]:
    """Return the content of an export file after checking it is one, signed here, whole and unchanged.

    ``unpack_limit`` defaults to :func:`~cxgov.ops.package.package_unpack_limit` (the upload limit
    times a ratio).
    """
    if not data:
        raise TransferError(_l("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise TransferError(_l("The file is larger than 200 MB."))
    try:
        package_verify(data)
        raw = package_unpack(data, limit=unpack_limit or package_unpack_limit())
    except PackageError as error:
        raise TransferError(error.args[0]) from None  # the lazy message, read in each reader's language
    except zlib.error:
        raise TransferError(_l("The file is damaged: it is not valid gzip data.")) from None
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TransferError(_l("The file is damaged: its content is not valid JSON.")) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise TransferError(_l("This is not a cxgov organisation export (the format marker is missing)."))
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TransferError(_l("The export has no valid version number."))
    if version > VERSION:
        raise TransferError(
            _l(
                "The export was made by a newer cxgov (format version %(v)d); update this installation first.",
                v=version,
            )
        )
    _check_shape(payload)
    return payload


def _check_shape(payload: dict[str, Any]) -> None:
    tables, users = payload.get("tables"), payload.get("users")
    if not isinstance(tables, dict) or not isinstance(users, list):
        raise TransferError(_l("The export lacks its tables or users."))
    for name, content in tables.items():
        if (
            not isinstance(content, dict)
            or not isinstance(content.get("columns"), list)
            or not isinstance(content.get("rows"), list)
            or not all(isinstance(c, str) for c in content["columns"])
            or not all(isinstance(r, list) and len(r) == len(content["columns"]) for r in content["rows"])
        ):
            raise TransferError(_l("The export's table %(t)s is malformed.", t=str(name)[:60]))
    for user in users:
        if (
            not isinstance(user, dict)
            or not _is_int(user.get("id"))
            or not isinstance(user.get("email"), str)
            or not isinstance(user.get("name"), str)
        ):
            raise TransferError(_l("The export's list of users is malformed."))
        if not text_is_clean(user["email"]) or not text_is_clean(user["name"]):
            raise TransferError(_l("The export's list of users holds control characters."))
    root = tables.get(ROOT)
    if root is None or len(root["rows"]) != 1:
        raise TransferError(_l("The export does not hold exactly one organisation."))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- import ---------------------------------------------------------------------------------------


class _Remap:
    """Old ids from the file -> new ids in this database, per table."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[int, int]] = {}

    def add(self, table: str, old: int, new: int) -> None:
        self.ids.setdefault(table, {})[old] = new

    def get(self, table: str, old: Any) -> int | None:
        return self.ids.get(table, {}).get(old) if _is_int(old) else None


def _decode(table: Table, name: str, raw: Any) -> Any:
    """Return a value from the file as the column's Python type; refuse a wrong type."""
    if raw is None:
        return None
    column = table.c[name]
    kind = _python_type(column)

    def refuse() -> TransferError:
        return TransferError(_l("The export's value for %(t)s.%(c)s has the wrong type.", t=table.name, c=name))

    try:
        if kind is JSON:
            if not _json_text_is_clean(raw):
                raise TransferError(
                    _l("The export's value for %(t)s.%(c)s holds control characters.", t=table.name, c=name)
                )
            return raw
        if kind is datetime:
            if not isinstance(raw, str):
                raise refuse()
            value = datetime.fromisoformat(raw)
            if value.tzinfo is None and isinstance(column.type, UTCDateTime):
                value = value.replace(tzinfo=UTC)
            return value
        if kind is date:
            if not isinstance(raw, str):
                raise refuse()
            return date.fromisoformat(raw)
        if kind is time:
            if not isinstance(raw, str):
                raise refuse()
            return time.fromisoformat(raw)
        if kind is bytes:
            if not isinstance(raw, str):
                raise refuse()
            return base64.b64decode(raw, validate=True)
        if kind is bool:
            if not isinstance(raw, bool):
                raise refuse()
            return raw
        if kind is int:
            if not _is_int(raw) or not -(2**63) <= raw < 2**63:
                raise refuse()
            return raw
        if kind is float:
            if not isinstance(raw, (int, float)) or isinstance(raw, bool) or not math.isfinite(raw):
                raise refuse()
            return float(raw)
        if kind is Decimal:
            return Decimal(str(raw))
        if kind is str:
            if not isinstance(raw, str):
                raise refuse()
            if not text_is_clean(raw, multiline=True):
                raise TransferError(
                    _l("The export's value for %(t)s.%(c)s holds control characters.", t=table.name, c=name)
                )
            length = getattr(column.type, "length", None)
            if length is not None and len(raw) > length:  # SQLite would store it; PostgreSQL would not
                raise TransferError(
                    _l(
                        "The export's value for %(t)s.%(c)s is longer than %(n)d characters.",
                        t=table.name,
                        c=name,
                        n=length,
                    )
                )
            return raw
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return kind(raw)
    except (ValueError, TypeError, InvalidOperation, binascii.Error):
        raise refuse() from None
    return raw


def _json_text_is_clean(value: Any, depth: int = 0) -> bool:
    """Tell whether every text (key or value) inside a JSON value obeys the shared text rule."""
    if isinstance(value, str):
        return text_is_clean(value, multiline=True)
    if depth > 50:  # json.loads has already built it; deeper than any column we write
        return False
    if isinstance(value, dict):
        return all(_json_text_is_clean(k, depth + 1) and _json_text_is_clean(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_text_is_clean(v, depth + 1) for v in value)
    return True


def _insert_table(
    table: Table,
    content: dict[str, Any],
    remap: _Remap,
    org_id: int | None,
    users: dict[int, int],
    deferred: list[tuple[Table, int, str, Any]],
    overrides: dict[str, Any] | None = None,
    corrected: dict[str, int] | None = None,
) -> int:
    """Insert one table's rows with every foreign key remapped; return how many.

    ``corrected`` receives, per table, how many rows :data:`TABLE_CORRECTIONS` changed.
    """
    columns = content["columns"]
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise TransferError(
            _l(
                "The export's table %(t)s has columns this cxgov does not know (%(c)s): it "
                "was made by another version.",
                t=table.name,
                c=", ".join(unknown[:5]),
            )
        )
    if "id" not in columns:
        raise TransferError(_l("The export's table %(t)s has no ids.", t=table.name))
    inserted = set(remap.ids) | {ROOT} if org_id is not None else set(remap.ids)
    olds: list[int] = []
    batch: list[dict[str, Any]] = []
    for raw_row in content["rows"]:
        values: dict[str, Any] = {}
        row_deferred: list[tuple[str, Any]] = []
        old_id = None
        for name, raw in zip(columns, raw_row):
            if name == "id":
                if not _is_int(raw) or raw in remap.ids.get(table.name, {}) or raw in olds:
                    raise TransferError(_l("The export's table %(t)s has a bad or repeated id.", t=table.name))
                old_id = raw
                continue
            target = _fk_target(table.c[name])
            if target is None:
                values[name] = _decode(table, name, raw)
            elif raw is None:
                values[name] = None
            elif target == ROOT:
                values[name] = org_id
            elif target == USERS:
                if not _is_int(raw) or raw not in users:
                    raise TransferError(_l("The export refers to a user it does not contain."))
                values[name] = users[raw]
            elif target in inserted and target != table.name:
                new = remap.get(target, raw)
                if new is None:
                    raise TransferError(
                        _l("The export's %(t)s.%(c)s refers to a row the file does not contain.", t=table.name, c=name)
                    )
                values[name] = new
            else:  # the same table, or one inserted later: filled in once every row exists
                if not table.c[name].nullable:
                    raise TransferError(_l("The export's %(t)s.%(c)s cannot be resolved.", t=table.name, c=name))
                values[name] = None
                row_deferred.append((name, raw))
        if "org_id" in table.c:
            values["org_id"] = org_id
        values.update(overrides or {})
        if table.name in ROW_CHECKS:
            ROW_CHECKS[table.name](values)
        if old_id is None:
            raise TransferError(_l("The export's table %(t)s has no ids.", t=table.name))
        deferred.extend((table, old_id, name, raw) for name, raw in row_deferred)
        olds.append(old_id)
        batch.append(values)
    if table.name in TABLE_CORRECTIONS:
        changed = TABLE_CORRECTIONS[table.name](batch)
        if corrected is not None:
            corrected[table.name] = changed
    for start in range(0, len(batch), _INSERT_CHUNK):
        chunk = batch[start : start + _INSERT_CHUNK]
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        new_ids = list(db.session.execute(statement, chunk).scalars())
        for old, new in zip(olds[start : start + _INSERT_CHUNK], new_ids):
            remap.add(table.name, old, new)
    return len(batch)


def _resolve_deferred(deferred: list[tuple[Table, int, str, Any]], remap: _Remap) -> None:
    for table, old_id, name, raw in deferred:
        target = _fk_target(table.c[name])
        new = remap.get(target, raw) if target else None
        if new is None:
            raise TransferError(
                _l("The export's %(t)s.%(c)s refers to a row the file does not contain.", t=table.name, c=name)
            )
        keep: dict[str, BindParameter[Any]] = {
            c.name: bindparam(f"keep_{c.name}") for c in table.columns if c.onupdate is not None
        }
        row_id = remap.get(table.name, old_id)
        params: dict[str, Any] = {}
        if keep:
            current = db.session.execute(select(*[table.c[c] for c in keep]).where(table.c.id == row_id)).one()
            params = {f"keep_{c}": v for c, v in zip(keep, current)}
        db.session.execute(update(table).where(table.c.id == row_id).values({name: new, **keep}), params)


def _entity_tables() -> dict[str, Table]:
    """Return the change log's entity types -> tables (``change_type`` or the table name)."""
    mapping = {}
    for mapper in Model.registry.mappers:
        cls = mapper.class_
        table = getattr(cls, "__table__", None)
        if table is not None:
            mapping[getattr(cls, "change_type", None) or table.name] = table
    return mapping


def _remap_polymorphic(remap: _Remap, users: dict[int, int], org_id: int) -> None:
    """Point ``(entity_type, entity_id)`` references and the ids in their changes at the new rows.

    A reference to a row the file does not hold (an object deleted before the export) becomes
    the negative old id: still grouped correctly in the history, never the id of a real row.
    """
    entity_tables = _entity_tables()
    for (table_name, id_column), type_column in POLYMORPHIC.items():
        if table_name not in remap.ids:
            continue
        table = db.metadata.tables[table_name]
        changes_columns = [c for (t, c), ref in POLYMORPHIC_CHANGES.items() if t == table_name and ref == id_column]
        new_ids = list(remap.ids[table_name].values())
        rows = (
            db.session.execute(
                select(
                    table.c.id, table.c[type_column], table.c[id_column], *[table.c[c] for c in changes_columns]
                ).where(table.c.id.in_(new_ids))
            ).all()
            if new_ids
            else []
        )
        updates = []
        for row in rows:
            entity = entity_tables.get(row[1])
            new_entity = remap.get(entity.name, row[2]) if entity is not None else None
            values = {"b_id": row[0], "b_entity": new_entity if new_entity is not None else -abs(row[2])}
            for index, column in enumerate(changes_columns):
                values[f"b_{column}"] = _remap_changes(row[3 + index], entity, remap, users, org_id)
            updates.append(values)
        if updates:
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({id_column: bindparam("b_entity"), **{c: bindparam(f"b_{c}") for c in changes_columns}})
            )
            db.session.execute(statement, updates)


def _remap_changes(changes: Any, entity: Table | None, remap: _Remap, users: dict[int, int], org_id: int) -> Any:
    if not isinstance(changes, dict) or entity is None:
        return changes
    out = {}
    for key, pair in changes.items():
        target = _fk_target(entity.c[key]) if key in entity.c else None
        if target is None or not isinstance(pair, list):
            out[key] = pair
            continue

        def one(value: Any, target: str = target) -> Any:  # bound now: used in this iteration
            if value is None:
                return None
            if target == ROOT:
                return org_id
            if target == USERS:
                return users.get(value) if _is_int(value) else None
            return remap.get(target, value)

        out[key] = [one(v) for v in pair]
    return out


def org_import(*, payload: dict[str, Any], slug: str | None = None, by: User | None = None) -> ImportResult:
    """Create the organisation of a read export file, with new ids for everything (flushes).

    Refuses a slug that is taken; the caller commits once or rolls back on TransferError.
    """
    plan = transfer_plan()
    tables = payload["tables"]
    known = {t.name: t for t in [plan.root, *plan.referenced, *plan.scoped]}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise TransferError(
            _l(
                "The export holds tables this cxgov does not know (%(t)s): it was made by another version.",
                t=", ".join(unknown[:5]),
            )
        )
    root_content = tables[ROOT]
    source = dict(zip(root_content["columns"], root_content["rows"][0]))
    slug = slug or source.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise TransferError(_l("Not a valid short name: %(s)s (lower-case letters, digits, dashes).", s=str(slug)[:80]))
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise TransferError(
            _l("An organisation with the short name %(s)s exists already; import under another short name.", s=slug)
        )
    try:
        return _import(plan, payload, slug, by)
    except (SQLAlchemyError, OverflowError) as error:
        raise TransferError(
            _l(
                "The export could not be stored (%(e)s); nothing was imported.",
                e=type(error.orig if hasattr(error, "orig") else error).__name__,
            )
        ) from error


def _said_in(texts: dict[str, str], otherwise: str) -> str:
    """Return the text for the language being read (a :class:`LazyString`'s function), else ``otherwise``."""
    return texts.get(str(get_locale() or ""), otherwise)


def _register_rules_check(org: Organisation, remap: _Remap) -> None:
    """Refuse a package whose register breaks the register's rules, checked by its one write path.

    The rows are copied as they are, with their own history, so they are checked in place,
    each as if added by one batch that also adds every person in the package: the same
    rules and words as a form or a spreadsheet import, and (as for a file that adds its people)
    someone inactive may still own things, a state an export can hold.
    """
    people = set(db.session.scalars(select(Person.id).where(Person.org_id == org.id)))
    batch = RegisterBatch(stated_people=people)
    for table in REGISTER_TABLES:
        model = REGISTER_MODELS[table.key]
        ids = list(db.session.scalars(select(model.id).where(model.org_id == org.id).order_by(model.id)))
        problems = register_rows_check(
            org=org, table=table.key, rows=[{"id": i} for i in ids], batch=batch, stored_as_new=True
        )
        if problems:
            first = problems[0]
            # The register's reasons are written in the current language; the log's is English,
            # so the check (a pure read) says it again in that language for the log.
            with force_locale(LOG_LANGUAGE):
                logged = register_rows_check(
                    org=org, table=table.key, rows=[{"id": i} for i in ids], batch=batch, stored_as_new=True
                )[0].message
            package_ids = {new: old for old, new in remap.ids.get(model.__tablename__, {}).items()}
            raise TransferError(
                _l(
                    "The export's register breaks a rule (%(sheet)s, id %(id)s): %(reason)s Nothing was imported.",
                    sheet=_l(table.sheet),
                    id=package_ids.get(ids[first.index], ids[first.index]),
                    reason=LazyString(_said_in, {LOG_LANGUAGE: logged}, first.message),
                )
            )


def _import(plan: TransferPlan, payload: dict[str, Any], slug: str, by: User | None) -> ImportResult:
    tables = payload["tables"]
    remap = _Remap()
    deferred: list[tuple[Table, int, str, Any]] = []
    users: dict[int, int] = {}
    created: set[int] = set()
    matched = 0
    for entry in payload["users"]:
        email = normalise_email(entry["email"])
        user = user_by_email(email)
        if user is None:
            try:
                user = user_create(email=email, name=entry["name"][:200])
            except AccountError as error:
                raise TransferError(
                    _l("The export holds a user that cannot be created: %(e)s", e=error.args[0])
                ) from None
            created.add(user.id)
        else:
            matched += 1
        users[entry["id"]] = user.id
    counts: dict[str, int] = {}
    corrected: dict[str, int] = {}
    for table in plan.referenced:
        if table.name in tables:
            counts[table.name] = _insert_table(table, tables[table.name], remap, None, users, deferred)
    counts[ROOT] = _insert_table(plan.root, tables[ROOT], remap, None, users, deferred, overrides={"slug": slug})
    org_id = next(iter(remap.ids[ROOT].values()))
    for table in plan.scoped:
        if table.name in tables:
            counts[table.name] = _insert_table(
                table, tables[table.name], remap, org_id, users, deferred, corrected=corrected
            )
    _resolve_deferred(deferred, remap)
    _remap_polymorphic(remap, users, org_id)
    db.session.flush()
    org = db.session.get_one(Organisation, org_id)
    _register_rules_check(org, remap)
    # members named in a package become invitations: nobody joins without their consent
    links = invitations_from_import(org=org, created_user_ids=created, by=by)
    members = db.session.scalars(select(Membership).where(Membership.org_id == org_id)).all()
    if by is not None and all(m.user_id != by.id for m in members):
        db.session.add(Membership(user_id=by.id, org_id=org_id, role=Role.CONSULTANT))
        counts["membership"] = counts.get("membership", 0) + 1
    db.session.flush()
    source_slug = (
        payload.get("organisation", {}).get("slug", "?") if isinstance(payload.get("organisation"), dict) else "?"
    )
    security_event(
        "org_import",
        org_id=org_id,
        detail=f"{slug} from export of {str(source_slug)[:60]}: {sum(counts.values())} rows, "
        f"{len(created)} users created, {matched} matched",
    )
    return ImportResult(
        org=org,
        counts=counts,
        links=sorted(links),
        users_created=len(created),
        users_matched=matched,
        links_cleared=corrected.get(Person.__tablename__, 0),
    )
