"""What every endpoint module shares: id parameters, list arguments, cursor pagination, problems."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Callable, Sequence

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, and_, or_

from ...tenancy import org_get
from ..problems import ApiProblem

#: Path parameter for row ids: positive and within a 32-bit integer, so no database overflows.
ID = "int(min=1, max=2147483647)"
ID_MAX = 2_147_483_647
PAGE_MAX = 500
#: The header an update must carry: the ETag the client read (``*``: whatever the current version is).
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag of the row as read; a stale one answers 412",
}


class PageArgs(Schema):
    """Cursor pagination: ``limit`` rows after ``cursor`` (from the previous page's ``next_cursor``)."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=PAGE_MAX))
    cursor = fields.String(load_default=None, validate=validate.Length(max=500))


class PageSchema(Schema):
    """One page of a list; ``next_cursor`` is null on the last page."""

    next_cursor = fields.String(allow_none=True, required=True)


def encode_cursor(values: Sequence[Any], query_key: str) -> str:
    """Return an opaque cursor for the row after ``values`` (sort value, id) of one query."""
    raw = json.dumps({"after": list(values), "q": query_key}, default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, query_key: str) -> list[Any]:
    """Return the (sort value, id) a cursor points after; 400 for a cursor of another query."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        after = data["after"]
        if data["q"] != query_key or not isinstance(after, list) or len(after) != 2:
            raise ValueError
        if not isinstance(after[1], int) or isinstance(after[1], bool):
            raise ValueError
        return after
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise ApiProblem(
            422,
            "The cursor is not valid for this list (filters and sort must stay the same).",
            errors=[{"pointer": "?cursor", "detail": "Not a cursor of this list."}],
        ) from None


def keyset_page(
    query: Select,
    *,
    sort_column: Any,
    id_column: Any,
    descending: bool,
    limit: int,
    cursor: str | None,
    query_key: str,
    session: Any,
) -> tuple[list[Any], str | None]:
    """Return one page of ``query`` in a stable order (sort column, then id) and the next cursor."""
    if cursor:
        value, last_id = decode_cursor(cursor, query_key)
        value = _restore(sort_column, value)
        if descending:
            query = query.where(or_(sort_column < value, and_(sort_column == value, id_column < last_id)))
        else:
            query = query.where(or_(sort_column > value, and_(sort_column == value, id_column > last_id)))
    order = (sort_column.desc(), id_column.desc()) if descending else (sort_column.asc(), id_column.asc())
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([_jsonable(getattr(last, sort_column.key)), last.id], query_key)
    return rows, next_cursor


def _restore(column: Any, value: Any) -> Any:
    """Return a cursor's sort value as the column's Python type (timestamps come back from text)."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = None
    try:
        if python_type is datetime:
            restored = datetime.fromisoformat(str(value))
            return restored if restored.tzinfo else restored.replace(tzinfo=UTC)
        if python_type is int and not isinstance(value, bool):
            return int(value)
        if python_type is str:
            return str(value)
    except (TypeError, ValueError):
        pass
    else:
        if python_type in (datetime, int, str):
            pass
        else:
            return value
    raise ApiProblem(
        422,
        "The cursor is not valid for this list.",
        errors=[{"pointer": "?cursor", "detail": "Not a cursor of this list."}],
    )


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def found_first(model: Any, argument: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Answer 404 for another organisation's (or no) row before the body is read.

    Placed above ``@bp.arguments``: a bad body for a row that is not yours must still be a
    404, as on every other route, never a 422 that answers for a row you cannot see.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            org_get(model, kwargs[argument])
            return view(*args, **kwargs)

        return wrapper

    return decorator
