"""The register's tables over the API, each derived from its declaration in cxgov/register/tables.py.

Reads list a table with cursor pagination in a stable order (the sort field, then id),
filtering and sorting. Writes go through the same services as the forms (one write path per
kind of row, with the same rules, history and optimistic locking): an update needs
``If-Match`` with the row's ETag, and a stale one answers 412. A bulk upsert is the
spreadsheet import itself, fed a CSV made from the JSON rows: the same all-or-nothing plan,
``dry_run=1`` returns it, and one bad row writes nothing and is named.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from flask import g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ...audit import security_event
from ...extensions import db
from ...orgs.models import EDIT_REGISTER, READ
from ...register import services
from ...register.models import CxRole
from ...register.rules import field_check
from ...register.tables import TABLES, RegisterField, RegisterTable
from ...register.transfer import services as transfer
from ...register.transfer.spreadsheet import SpreadsheetError
from ...register.transfer.spreadsheet import TABLE_BY_KEY as SHEETS
from ...register.write import MODELS, REFERENCE_KINDS
from ...sheets import Sheet, csv_bytes
from ...tenancy import org_get
from ..auth import api_access, current_token
from ..problems import ApiProblem, service_call
from ..blueprint import api_blueprint
from .common import ID, ID_MAX, IF_MATCH, PAGE_MAX, found_first, keyset_page

bp = api_blueprint("register", __name__, "/register", description="The governance register's tables.")

#: table -> the services' noun (``<noun>_create``, ``<noun>_update``) and keyword for the row
NOUNS = {
    "people": "person",
    "channels": "channel",
    "journeys": "journey",
    "touchpoints": "touchpoint",
    "cx_roles": "cx_role",
    "mandates": "mandate",
}
#: table -> the field lists sort by besides id and updated_at (a column that is never null)
SORT_FIELD = {
    "people": "name",
    "channels": "name",
    "journeys": "name",
    "touchpoints": "name",
    "cx_roles": "since",
    "mandates": "holder",
}
BULK_MAX_ROWS = 5000


def _ref_name(f: RegisterField) -> str:
    return f"{f.name}_id"


def _declared_rules(f: RegisterField) -> Callable[[Any], None]:
    """Return a marshmallow validator that applies a declared field's rules in the register's words."""

    def check(value: Any) -> None:
        _stored, problem = field_check(f, value)
        if problem:
            raise ValidationError(problem)

    return check


def _value_field(f: RegisterField, *, for_input: bool) -> fields.Field:
    """Return the marshmallow field of one declared register field."""
    required = for_input and f.required
    extra: dict[str, Any] = {"required": required}
    if not required:
        extra["allow_none"] = f.kind in ("person", "journey", "channel", "date", "email") and not f.required
    label = str(f.label)
    if f.kind in ("person", "journey", "channel"):
        return fields.Integer(
            validate=validate.Range(min=1, max=ID_MAX),
            metadata={"description": f"{label}: id of a {f.kind} of this organisation"},
            **extra,
        )
    if f.kind == "bool":
        return fields.Boolean(metadata={"description": label}, **extra)
    if f.kind == "date":
        return fields.Date(validate=_declared_rules(f), metadata={"description": label}, **extra)
    # Length, choices and the rest are the register's rules (cxgov.register.rules), checked here
    # with every other field error and refused in the same words as on the form and in a file.
    metadata: dict[str, Any] = {"description": label}
    if f.max_length:
        metadata["maxLength"] = f.max_length
    if f.kind == "choice":
        metadata["enum"] = list(f.choices)
    return fields.String(validate=_declared_rules(f), metadata=metadata, **extra)


def _schemas(table: RegisterTable) -> tuple[type[Schema], type[Schema], type[Schema], type[Schema]]:
    """Return (row, create, update, list) schemas of a table, built from its declaration."""
    title = "".join(part.title() for part in table.key.split("_"))
    row: dict[str, fields.Field] = {
        "id": fields.Integer(required=True),
        "version": fields.Integer(required=True),
        "active": fields.Boolean(required=True),
        "updated_at": fields.DateTime(required=True),
    }
    create: dict[str, fields.Field] = {}
    for f in table.fields:
        name = _ref_name(f) if f.kind in REFERENCE_KINDS else f.name
        row[name] = _value_field(f, for_input=False)
        row[name].required = True
        row[name].allow_none = True if f.kind in ("person", "journey", "channel", "date", "email") else False
        if f.kind in REFERENCE_KINDS:
            row[f"{f.name}_name"] = fields.String(allow_none=True, required=True)
        if f.name != "active":
            create[name] = _value_field(f, for_input=True)
    update_fields = {
        (_ref_name(f) if f.kind in REFERENCE_KINDS else f.name): _value_field(f, for_input=False)
        for f in table.fields
        if f.name != "active"
    }
    row_schema = Schema.from_dict(row, name=f"{title}Row")
    list_schema = Schema.from_dict(
        {
            "items": fields.List(fields.Nested(row_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
        name=f"{title}Page",
    )
    return (
        row_schema,
        Schema.from_dict(create, name=f"{title}Create"),
        Schema.from_dict(update_fields, name=f"{title}Update"),
        list_schema,
    )


def row_etag(table: str, obj: Any) -> str:
    """Return a row's ETag: it changes with every save (the version counter)."""
    return f"{table}-{obj.id}-v{obj.version_id}"


def row_data(table: RegisterTable, obj: Any) -> dict[str, Any]:
    """Return a register row as the API shows it."""
    data: dict[str, Any] = {
        "id": obj.id,
        "version": obj.version_id,
        "active": bool(obj.active),
        "updated_at": obj.updated_at,
    }
    for f in table.fields:
        if f.kind in REFERENCE_KINDS:
            target = getattr(obj, f.name)
            data[_ref_name(f)] = target.id if target is not None else None
            data[f"{f.name}_name"] = target.name if target is not None else None
        else:
            data[f.name] = getattr(obj, f.name)
    return data


def _json_response(payload: Any, status: int = 200, etag: str | None = None) -> Any:
    response = jsonify(payload)
    response.status_code = status
    if etag:
        response.set_etag(etag)
    return response


def _field_values(table: RegisterTable, values: dict[str, Any]) -> dict[str, Any]:
    """Return the request's fields as the write path's row: ``owner_id`` becomes ``owner`` (an id).

    Whether the id names a row of this organisation is the write path's rule, so another
    organisation's id is refused in the same words as on the form.
    """
    out: dict[str, Any] = {}
    for f in table.fields:
        key = _ref_name(f) if f.kind in REFERENCE_KINDS else f.name
        if key in values:
            out[f.name] = values[key]
    return out


def _api_field(table: RegisterTable, name: str) -> str:
    """Return the request field of a declared field (references travel as ``<name>_id``)."""
    return _ref_name(table.field(name)) if name and table.field(name).kind in REFERENCE_KINDS else name


def _check_if_match(table: str, obj: Any) -> None:
    if not request.if_match or request.if_match.star_tag:
        if request.if_match and request.if_match.star_tag:
            return
        raise ApiProblem(428)
    if not request.if_match.contains_weak(row_etag(table, obj)):
        raise ApiProblem(412, current_etag=row_etag(table, obj))


def _service_call(table: RegisterTable, run: Callable[[], Any]) -> Any:
    """Run a register service; its refusals become problems naming each field (nothing written)."""
    try:
        return service_call(run, stale=(services.ConflictError, StaleDataError), refused=services.RegisterError)
    except ApiProblem as problem:
        refused = problem.__context__  # the service's refusal, which service_call turned into a 422
        if isinstance(refused, services.RowsRefused):
            problem.errors = [
                {"pointer": f"#/{_api_field(table, p.field)}", "detail": p.message} for p in refused.problems
            ]
        raise


def _order_column(model: type, sort: str) -> Any:
    return getattr(model, sort.lstrip("-"))


def _register_table(table: RegisterTable) -> None:
    """Declare the list, read, create, update, deactivate and bulk endpoints of one table."""
    key, noun = table.key, NOUNS[table.key]
    model: Any = MODELS[table.key]
    row_schema, create_schema, update_schema, list_schema = _schemas(table)
    sort_field = SORT_FIELD[key]
    sorts = ["id", "-id", sort_field, f"-{sort_field}", "updated_at", "-updated_at"]
    list_args = Schema.from_dict(
        {
            "limit": fields.Integer(load_default=100, validate=validate.Range(min=1, max=PAGE_MAX)),
            "cursor": fields.String(load_default=None, validate=validate.Length(max=500)),
            "sort": fields.String(
                load_default=sort_field,
                validate=validate.OneOf(sorts),
                metadata={"description": "Sort field; a leading - sorts descending"},
            ),
            "active": fields.Boolean(load_default=None, allow_none=True),
            "q": fields.String(
                load_default=None,
                validate=validate.Length(max=200),
                metadata={"description": f"Rows whose {sort_field} contains this text"},
            ),
            "updated_since": fields.AwareDateTime(
                load_default=None, default_timezone=None, metadata={"description": "ISO 8601 with a time zone"}
            ),
        },
        name=f"{model.__name__}ListArgs",
    )
    title = key.replace("_", " ")

    def list_rows(args: dict[str, Any]) -> Any:
        query: Any = select(model).where(model.org_id == g.org.id)
        if args["active"] is not None:
            if key == "cx_roles":
                today = date.today()
                held = (CxRole.since <= today) & (CxRole.until.is_(None) | (CxRole.until >= today))
                query = query.where(held if args["active"] else ~held)
            else:
                query = query.where(model.active.is_(args["active"]))
        if args["q"] and sort_field != "since":
            query = query.where(func.lower(getattr(model, sort_field)).contains(args["q"].lower(), autoescape=True))
        if args["updated_since"] is not None:
            query = query.where(model.updated_at >= args["updated_since"])
        query_key = repr((args["sort"], args["active"], args["q"], str(args["updated_since"])))
        rows, next_cursor = keyset_page(
            query,
            sort_column=_order_column(model, args["sort"]),
            id_column=model.id,
            descending=args["sort"].startswith("-"),
            limit=args["limit"],
            cursor=args["cursor"],
            query_key=query_key,
            session=db.session,
        )
        return {"items": [row_data(table, r) for r in rows], "next_cursor": next_cursor}

    list_rows.__name__ = f"{key}_list"
    list_rows.__doc__ = f"List the {title}: cursor pages in a stable order, filtered and sorted."
    bp.route(f"/{key}", methods=["GET"])(
        api_access(READ)(bp.arguments(list_args, location="query")(bp.response(200, list_schema)(list_rows)))
    )

    def read_row(row_id: int) -> Any:
        obj: Any = org_get(model, row_id)
        return _json_response(row_schema().dump(row_data(table, obj)), etag=row_etag(key, obj))

    read_row.__name__ = f"{key}_read"
    read_row.__doc__ = f"Read one of the {title}; its ETag goes in If-Match to update it."
    bp.route(f"/{key}/<{ID}:row_id>", methods=["GET"])(api_access(READ)(bp.response(200, row_schema)(read_row)))

    def create_row(values: dict[str, Any]) -> Any:
        kwargs = _field_values(table, values)
        obj = _service_call(
            table, lambda: getattr(services, f"{noun}_create")(org=g.org, by=g.api_token.user, **kwargs)
        )
        db.session.commit()
        security_event("api_write", detail=f"token {current_token().name!r}: create {key} {obj.id}")
        return _json_response(row_schema().dump(row_data(table, obj)), 201, etag=row_etag(key, obj))

    create_row.__name__ = f"{key}_create"
    create_row.__doc__ = f"Add a row to the {title} (the same rules and history as the form)."
    bp.route(f"/{key}", methods=["POST"])(
        api_access(EDIT_REGISTER, write=True)(bp.arguments(create_schema)(bp.response(201, row_schema)(create_row)))
    )

    def update_row(values: dict[str, Any], row_id: int) -> Any:
        obj: Any = org_get(model, row_id)
        _check_if_match(key, obj)
        kwargs = _field_values(table, values)
        obj = _service_call(
            table,
            lambda: getattr(services, f"{noun}_update")(
                **{noun: obj}, by=g.api_token.user, version_id=obj.version_id, **kwargs
            ),
        )
        db.session.commit()
        security_event("api_write", detail=f"token {current_token().name!r}: update {key} {obj.id}")
        return _json_response(row_schema().dump(row_data(table, obj)), etag=row_etag(key, obj))

    update_row.__name__ = f"{key}_update"
    update_row.__doc__ = f"Change fields of one of the {title}; needs If-Match (412 when the row changed since)."
    bp.route(f"/{key}/<{ID}:row_id>", methods=["PATCH"])(
        api_access(EDIT_REGISTER, write=True)(
            found_first(model, "row_id")(
                bp.doc(parameters=[IF_MATCH])(bp.arguments(update_schema)(bp.response(200, row_schema)(update_row)))
            )
        )
    )

    def deactivate_row(row_id: int) -> Any:
        obj: Any = org_get(model, row_id)
        if request.if_match:
            _check_if_match(key, obj)
        # Each service returns something different (a mapping, the row); the result is not used.
        run: Callable[[], object]
        if key == "people":
            run = lambda: services.person_remove(person=obj, reassign_to=None, by=g.api_token.user)  # noqa: E731
        elif key == "cx_roles":
            run = lambda: services.cx_role_end(cx_role=obj, by=g.api_token.user)  # noqa: E731
        else:
            run = lambda: getattr(services, f"{noun}_deactivate")(**{noun: obj}, by=g.api_token.user)  # noqa: E731
        _service_call(table, run)
        db.session.commit()
        security_event("api_write", detail=f"token {current_token().name!r}: deactivate {key} {obj.id}")
        return _json_response(row_schema().dump(row_data(table, obj)), etag=row_etag(key, obj))

    deactivate_row.__name__ = f"{key}_deactivate"
    deactivate_row.__doc__ = f"Deactivate one of the {title} (rows are never deleted, so history keeps their names)" + (
        "; what the person owns is left unowned." if key == "people" else "."
    )
    bp.route(f"/{key}/<{ID}:row_id>", methods=["DELETE"])(
        api_access(EDIT_REGISTER, write=True)(bp.response(200, row_schema)(deactivate_row))
    )

    sheet = SHEETS[key]
    cell_fields: dict[str, fields.Field] = {}
    for column in sheet.columns:
        description = f"spreadsheet column {column.name}" + (" (a person's e-mail)" if column.kind == "ref" else "")
        if column.kind == "bool":
            cell_fields[column.name] = fields.Boolean(allow_none=True, metadata={"description": description})
        elif column.kind == "date":
            cell_fields[column.name] = fields.Date(allow_none=True, metadata={"description": description})
        else:
            cell_fields[column.name] = fields.String(
                allow_none=True, validate=validate.Length(max=20_000), metadata={"description": description}
            )
    bulk_row = Schema.from_dict(cell_fields, name=f"{model.__name__}BulkRow")
    bulk_body = Schema.from_dict(
        {
            "rows": fields.List(
                fields.Nested(bulk_row), required=True, validate=validate.Length(min=1, max=BULK_MAX_ROWS)
            )
        },
        name=f"{model.__name__}Bulk",
    )

    def bulk_upsert(args: dict[str, Any], body: dict[str, Any]) -> Any:
        return _bulk(key, body["rows"], dry_run=bool(args["dry_run"]))

    bulk_upsert.__name__ = f"{key}_bulk_upsert"
    bulk_upsert.__doc__ = (
        f"Add or change many {title} at once, matched by their natural key, exactly as the "
        "spreadsheet import does: all rows or none. dry_run=1 returns the plan only."
    )
    bp.route(f"/{key}/bulk", methods=["POST"])(
        api_access(EDIT_REGISTER, write=True)(
            bp.arguments(DryRunArgs, location="query")(
                bp.arguments(bulk_body)(bp.response(200, BulkResultSchema)(bulk_upsert))
            )
        )
    )


class DryRunArgs(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "1: return the plan, write nothing"})


class PlanRowSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "Position of the row in the request's rows"})
    action = fields.String(required=True, metadata={"description": "add, change or same"})
    label = fields.String(required=True)
    changes = fields.List(fields.Dict(), required=True)


class BulkResultSchema(Schema):
    dry_run = fields.Boolean(required=True)
    written = fields.Boolean(required=True)
    added = fields.Integer(required=True)
    changed = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rows = fields.List(fields.Nested(PlanRowSchema), required=True)


def _csv_for(table: str, rows: list[dict[str, Any]]) -> bytes:
    """Return the rows as the CSV the spreadsheet import reads: only the columns the rows name.

    Written by the exports' own CSV writer, so a value the import would read differently (one
    starting with an apostrophe and ``=``) is escaped exactly as an exported file's is.
    """
    names = [c.name for c in SHEETS[table].columns if any(c.name in row for row in rows)]
    return csv_bytes(Sheet(table, names, [[row.get(name) for name in names] for row in rows]))


def _bulk_refused(row_errors: list[Any]) -> ApiProblem:
    """Return the 422 of a bulk upsert that was refused, each problem at its row and field."""
    errors = []
    for e in row_errors:
        index = e.row - 2 if e.row is not None else None  # the CSV's header is row 1
        pointer = "#/rows" + (f"/{index}" if index is not None else "") + (f"/{e.column}" if e.column else "")
        errors.append({"pointer": pointer, "row": index, "detail": e.reason})
    return ApiProblem(422, f"{len(row_errors)} problem(s); nothing was written.", errors=errors)


def _bulk(table: str, rows: list[dict[str, Any]], *, dry_run: bool) -> dict[str, Any]:
    """Plan (and unless ``dry_run`` apply) a bulk upsert through the spreadsheet import."""
    if not any(rows):
        raise ApiProblem(422, "Every row is empty.", errors=[{"pointer": "#/rows", "detail": "No columns given."}])
    token = current_token()
    try:
        checked = transfer.import_read(data=_csv_for(table, rows), filename=f"{table}.csv", table=table)
    except SpreadsheetError as error:
        raise ApiProblem(422, str(error)) from None
    plan = transfer.import_plan(org=g.org, checked=checked)
    if not plan.ok:
        raise _bulk_refused(plan.errors)
    plan_rows = [
        {
            "index": r.row - 2,
            "action": r.action,
            "label": r.label,
            "changes": [{"field": c.column, "before": c.before, "after": c.after} for c in r.changes],
        }
        for r in plan.rows.get(table, [])
    ]
    result = {
        "dry_run": dry_run,
        "written": False,
        "added": plan.added,
        "changed": plan.changed,
        "unchanged": plan.same,
        "rows": plan_rows,
    }
    if dry_run or not (plan.added or plan.changed):
        return result
    try:
        transfer.import_apply(org=g.org, plan=plan, by=token.user, filename=f"API token {token.name}"[:255])
    except transfer.ImportRefused as refused:
        db.session.rollback()
        raise _bulk_refused(refused.errors) from None
    except transfer.ImportConflict:
        db.session.rollback()
        raise ApiProblem(412, "The register changed while the rows were being written; nothing was written.") from None
    db.session.commit()
    security_event("api_write", detail=f"token {token.name!r}: bulk {table} added={plan.added} changed={plan.changed}")
    result["written"] = True
    return result


for _table in TABLES:
    _register_table(_table)
