"""Record changes in the change log. Services flush; callers commit."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Organisation
from .models import CHANGE_ACTIONS, ChangeLog


def jsonable(value: Any) -> Any:
    """Return ``value`` as something JSON can store and compare (dates as ISO text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """Return ``{field: value}`` of ``obj`` with JSON-able values, for before/after records."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def entity_type_of(entity: Any) -> str:
    """Return the history type name of a model object, e.g. "touchpoint" or "cx_role"."""
    return getattr(entity, "change_type", None) or entity.__tablename__


def entity_label_of(entity: Any) -> str:
    """Return the label an entry keeps for the object (its name at the time)."""
    label = getattr(entity, "label", None) or getattr(entity, "name", None) or getattr(entity, "title", None)
    return str(label or f"{entity_type_of(entity)} #{entity.id}")[:300]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [before, after]}`` for the fields whose values differ."""
    changes: dict[str, list[Any]] = {}
    for name in list(before) + [k for k in after if k not in before]:
        old, new = jsonable(before.get(name)), jsonable(after.get(name))
        if old != new:
            changes[name] = [old, new]
    return changes


def change_record(
    *,
    org: Organisation,
    entity: Any,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    by: User | None,
    import_batch: Any = None,
) -> ChangeLog | None:
    """Write one change log entry for ``entity``; an update that changed nothing writes none.

    ``before``/``after`` are :func:`snapshot` dicts (``{}`` for before on create). Only the
    fields that differ are stored; for create, delete, deactivate and reactivate the entry is
    written even when no field differs, because the action itself is the news.
    """
    if action not in CHANGE_ACTIONS:
        raise ValueError(f"unknown change action {action!r}")
    changes = diff(before, after)
    if action == "update" and not changes:
        return None
    if entity.id is None:
        db.session.flush()
    entry = ChangeLog(
        org_id=org.id,
        user_id=by.id if by is not None else None,
        entity_type=entity_type_of(entity),
        entity_id=entity.id,
        entity_label=entity_label_of(entity),
        action=action,
        changes=changes,
        import_id=import_batch.id if import_batch is not None else None,
    )
    db.session.add(entry)  # flushed with the next query or commit; one flush per change is too slow for imports
    return entry


def history_for_entity(*, org: Organisation, entity_type: str, entity_id: int, limit: int = 200) -> list[ChangeLog]:
    """Return the newest changes of one object, newest first."""
    return list(
        db.session.scalars(
            select(ChangeLog)
            .where(ChangeLog.org_id == org.id, ChangeLog.entity_type == entity_type, ChangeLog.entity_id == entity_id)
            .order_by(ChangeLog.at.desc(), ChangeLog.id.desc())
            .limit(limit)
        )
    )


def history_for_org(
    *, org: Organisation, entity_type: str | None = None, user_id: int | None = None, offset: int = 0, limit: int = 100
) -> list[ChangeLog]:
    """Return an organisation's changes, newest first, optionally of one type or user."""

    query = select(ChangeLog).where(ChangeLog.org_id == org.id).options(selectinload(ChangeLog.user))
    if entity_type:
        query = query.where(ChangeLog.entity_type == entity_type)
    if user_id:
        query = query.where(ChangeLog.user_id == user_id)
    return list(
        db.session.scalars(query.order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).offset(offset).limit(limit))
    )
