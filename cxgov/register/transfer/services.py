"""Register import and export services: read a file, plan it (:mod:`.planner`), apply it, export.

An import is planned before anything is written (:func:`import_plan`, in :mod:`.planner`:
every row matched by its natural key and checked by the register's write path). When any row
has a problem the plan carries every problem and :func:`import_apply` refuses it, so nothing
is written. Applying writes the whole plan through the write path in the caller's
transaction (services flush; the caller commits once), with one change log entry per added
or changed row, all tied to one :class:`ImportBatch`; a 10,000-touchpoint file plans and
applies in a few seconds.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from datetime import timedelta
from typing import Any, cast

from flask_babel import get_locale
from flask_babel import ngettext
from sqlalchemy import CursorResult, delete, update

from ...audit import security_event
from ...auth.models import User
from ...db import utcnow
from ...extensions import db
from ...i18n import rendering_in, report_language
from ...orgs.models import Organisation
from ..models import ImportBatch
from .spreadsheet import (
    TABLE_BY_KEY,
    TABLES,
    CheckedFile,
    PersonRef,
    RowError,
    SpreadsheetError,
    check_file,
    read_file,
    write_csv,
    write_xlsx,
)
from ..write import (
    ConflictError,
    RegisterBatch,
    RowsRefused,
    register_rows_apply,
)
from .models import PENDING_STATES, PendingImport
from .planner import (
    FieldChange,
    ImportIds,
    ImportPlan,
    PlanRow,
    TableCounts,
    display_value,
    import_plan,
    register_rows_load,
    row_errors,
    write_rows,
)

#: A pending import older than this is refused (and removed at the next upload).
PENDING_LIFETIME = timedelta(hours=24)

__all__ = [
    "ImportPlan",
    "PlanRow",
    "FieldChange",
    "TableCounts",
    "ImportRefused",
    "ImportConflict",
    "SpreadsheetError",
    "import_read",
    "import_plan",
    "import_apply",
    "pending_create",
    "pending_expired",
    "pending_plan",
    "pending_close",
    "plan_rows_for_display",
    "display_value",
    "register_tables",
    "register_export_xlsx",
    "register_export_csv",
    "PREVIEW_ROWS",
]


# --- export --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, PersonRef):
        return value.text
    return value


def _sort_key(table: str, values: dict[str, Any]) -> tuple[Any, ...]:
    def text(v: Any) -> str:
        cell = _cell(v)
        return cell.casefold() if isinstance(cell, str) else str(v or "")

    if table == "people":
        return (text(values["name"]), values["email"] or "")
    if table == "touchpoints":
        return (text(values["journey"]), text(values["channel"]), text(values["name"]))
    if table == "cx_roles":
        return (values["role"], text(values["person_email"]), values["since"])
    if table == "mandates":
        return (text(values["holder"]), text(values["decision"]), text(values["channel"]))
    return (text(values["name"]),)


def register_tables(*, org: Organisation) -> dict[str, list[list[Any]]]:
    """Return the register as rows of cells per table, in the agreed column order."""
    register = register_rows_load(org)
    tables: dict[str, list[list[Any]]] = {}
    for spec in TABLES:
        value_rows = [register.values(spec.key, obj) for obj in getattr(register, spec.key)]
        value_rows.sort(key=functools.partial(_sort_key, spec.key))
        columns = spec.column_names
        tables[spec.key] = [[_cell(v[c]) for c in columns] for v in value_rows]
    return tables


def register_export_xlsx(*, org: Organisation, lang: str | None = None) -> bytes:
    """Return the whole register as one workbook (a sheet per table) and log the export.

    Sheet names are in ``lang`` (default: the organisation's language); columns keep the format's names.
    """
    with rendering_in(report_language(lang, org.language)):
        data = write_xlsx(register_tables(org=org))
    security_event("export", detail=f"register xlsx {org.slug}", org_id=org.id)
    return data


def register_export_csv(*, org: Organisation, table: str) -> bytes:
    """Return one register table as CSV (UTF-8 with BOM) and log the export."""
    if table not in TABLE_BY_KEY:
        raise KeyError(table)
    data = write_csv(table, register_tables(org=org)[table])
    security_event("export", detail=f"register csv {table} {org.slug}", org_id=org.id)
    return data


# --- reading an import ---------------------------------------------------------------------------


#: The last few checked files by (sha256, name, table, locale): reading a big workbook takes
#: a second, and a preview, its reload and its confirmation read the same stored bytes. The
#: result is a pure function of the key, so a hit is exactly what reading again would give.
_CHECKED_CACHE: OrderedDict[tuple[str, str, str, str], CheckedFile] = OrderedDict()
_CHECKED_CACHE_SIZE = 4
_CHECKED_CACHE_LOCK = threading.Lock()


def import_read(*, data: bytes, filename: str = "", table: str | None = None) -> CheckedFile:
    """Read and check an uploaded file; raise SpreadsheetError when it is refused as a whole."""
    key = (hashlib.sha256(data).hexdigest(), filename, table or "", str(get_locale() or ""))
    with _CHECKED_CACHE_LOCK:
        cached = _CHECKED_CACHE.get(key)
        if cached is not None:
            _CHECKED_CACHE.move_to_end(key)
            return cached
    checked = check_file(read_file(data, filename=filename, table=table or None))
    with _CHECKED_CACHE_LOCK:
        _CHECKED_CACHE[key] = checked
        while len(_CHECKED_CACHE) > _CHECKED_CACHE_SIZE:
            _CHECKED_CACHE.popitem(last=False)
    return checked


# --- applying an import --------------------------------------------------------------------------


class ImportRefused(ValueError):
    """An import plan with problems; nothing was written. ``errors`` names each row (also in the plan)."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ImportConflict(RuntimeError):
    """The register changed between planning and writing; the caller rolls back and re-plans."""


def _refused(count: int, errors: list[RowError] | None = None) -> ImportRefused:
    return ImportRefused(
        ngettext(
            "The file has %(num)d problem; nothing was imported.",
            "The file has %(num)d problems; nothing was imported.",
            count,
        ),
        errors,
    )


def import_apply(
    *, org: Organisation, plan: ImportPlan, by: User | None, filename: str = "", sha256: str = ""
) -> ImportBatch:
    """Write the plan through the register's one write path, all or nothing (flush only).

    Each table's added and changed rows go to :func:`~cxgov.register.write.register_rows_apply`
    in one call (people first, as the others refer to them), which checks every rule and
    writes the rows and their history, tied to one :class:`ImportBatch`. Raises
    ImportRefused (every problem at its sheet, row and column; nothing written) and
    ImportConflict when a planned row has changed since the plan.
    """
    if not plan.ok:
        raise _refused(len(plan.errors))
    batch = ImportBatch(
        org_id=org.id,
        user_id=by.id if by else None,
        filename=(filename or "")[:255],
        kind=plan.kind,
        rows_added=plan.added,
        rows_changed=plan.changed,
        rows_unchanged=plan.same,
    )
    savepoint = db.session.begin_nested()  # a refusal of a later table takes back the earlier ones
    try:
        db.session.add(batch)
        db.session.flush()
        ids = ImportIds(register_rows_load(org))
        register_batch = RegisterBatch(import_batch=batch)
        for spec in TABLES:
            written = [row for row in plan.rows.get(spec.key, []) if row.action != "same"]
            if not written:
                continue
            try:
                new_ids = register_rows_apply(
                    org=org, table=spec.key, rows=write_rows(spec.key, written, ids), by=by, batch=register_batch
                )
            except RowsRefused as refused:
                errors = row_errors(spec.key, written, refused.problems)
                plan.errors.extend(errors)
                raise _refused(len(errors), errors) from None
            except ConflictError as conflict:
                raise ImportConflict(conflict.table) from None
            for row, new_id in zip(written, new_ids):
                if row.action == "add":
                    ids.added(spec.key, row, new_id)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    security_event(
        "import",
        detail=f"register {plan.kind} {filename[:100]} sha256={sha256[:16]} added={plan.added} changed={plan.changed}",
        org_id=org.id,
    )
    return batch


# --- pending imports -----------------------------------------------------------------------------


def pending_create(*, org: Organisation, by: User | None, data: bytes, filename: str, table: str = "") -> PendingImport:
    """Keep an uploaded file for its preview and confirmation; drop expired ones."""
    db.session.execute(
        delete(PendingImport).where(
            PendingImport.org_id == org.id, PendingImport.created_at < utcnow() - PENDING_LIFETIME
        )
    )
    safe_name = "".join(c for c in filename if c.isprintable() and c not in "/\\")[-255:]
    pending = PendingImport(
        org_id=org.id,
        user_id=by.id if by else None,
        data=data,
        filename=safe_name,
        table=table or "",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def pending_expired(pending: PendingImport) -> bool:
    """Return True when a pending import is too old to confirm."""
    return pending.created_at < utcnow() - PENDING_LIFETIME


def pending_plan(*, org: Organisation, pending: PendingImport) -> ImportPlan:
    """Rebuild the plan from the stored bytes against the register as it is now."""
    checked = import_read(data=pending.data, filename=pending.filename, table=pending.table or None)
    return import_plan(org=org, checked=checked)


def pending_close(*, pending: PendingImport, state: str) -> bool:
    """Close an open pending import as "imported" or "cancelled" and drop its bytes (flush only).

    Returns False, changing nothing, when it is closed already. The state changes in one
    conditional UPDATE, so of two requests closing the same upload at once exactly one wins:
    PostgreSQL makes the second wait for the first to commit and then matches no row; SQLite
    runs writing requests one after the other anyway.
    """
    if state not in PENDING_STATES or state == "open":
        raise ValueError(f"a pending import cannot be closed as {state!r}")
    result = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(PendingImport)
            .where(PendingImport.id == pending.id, PendingImport.state == "open")
            .values(state=state, data=b""),
            execution_options={"synchronize_session": False},
        ),
    )
    if result.rowcount != 1:
        return False
    db.session.expire(pending, ["state", "data"])
    return True


#: Most added or changed rows the preview lists per table (the counts are always complete).
PREVIEW_ROWS = 500


def plan_rows_for_display(plan: ImportPlan, limit: int = PREVIEW_ROWS) -> dict[str, list[PlanRow]]:
    """Return added and changed rows per table for the preview, at most ``limit`` per table."""
    return {t: [r for r in rows if r.action != "same"][:limit] for t, rows in plan.rows.items()}
