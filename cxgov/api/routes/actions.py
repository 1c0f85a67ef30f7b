"""The action plan over the API: list and read, create from a gap, change, add notes, follow-up.

Writes go through :mod:`cxgov.actions.services`, the path the action pages use (same rules,
same history, same roles: sponsors and consultants plan and edit, the register's editors add
progress notes). An update needs ``If-Match`` with the action's ETag.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from ...actions import services
from ...actions.models import ACTION_STATUSES, DESCRIPTION_MAX, DROP_REASON_MAX, NOTE_MAX, TITLE_MAX, Action
from ...actions.selectors import action_followup
from ...audit import security_event
from ...cycles.models import Cycle
from ...extensions import db
from ...orgs.models import EDIT_REGISTER, MANAGE, READ
from ...register.models import Person
from ...tenancy import org_get
from ..auth import api_access, current_token
from ..blueprint import api_blueprint
from ..problems import ApiProblem, service_call
from .common import ID, ID_MAX, IF_MATCH, PAGE_MAX, found_first, keyset_page

bp = api_blueprint("actions", __name__, "/actions", description="The action plan.")
followup_bp = api_blueprint("followup", __name__, "/cycles", description="Actions followed up per cycle.")


class NoteSchema(Schema):
    at = fields.DateTime(required=True)
    text = fields.String(required=True)


class ActionSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    practice_id = fields.String(allow_none=True, required=True)
    touchpoint_id = fields.Integer(allow_none=True, required=True)
    source_cycle_id = fields.Integer(allow_none=True, required=True)
    owner_id = fields.Integer(allow_none=True, required=True)
    owner_name = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": ", ".join(ACTION_STATUSES)})
    drop_reason = fields.String(required=True)
    due_date = fields.Date(allow_none=True, required=True)
    done_at = fields.DateTime(allow_none=True, required=True)
    priority = fields.Float(required=True)
    updated_at = fields.DateTime(required=True)
    notes = fields.List(fields.Nested(NoteSchema), required=True)


class ActionPageSchema(Schema):
    items = fields.List(fields.Nested(ActionSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ActionListArgs(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=PAGE_MAX))
    cursor = fields.String(load_default=None, validate=validate.Length(max=500))
    status = fields.String(load_default=None, validate=validate.OneOf([*ACTION_STATUSES, "open"]))
    practice_id = fields.String(load_default=None, validate=validate.Length(max=10))
    sort = fields.String(load_default="id", validate=validate.OneOf(["id", "-id", "updated_at", "-updated_at"]))


class FromGapSchema(Schema):
    cycle_id = fields.Integer(required=True, validate=validate.Range(min=1, max=ID_MAX))
    practice_id = fields.String(required=True, validate=validate.Length(min=1, max=10))


class ActionUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(max=TITLE_MAX))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    owner_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=ID_MAX))
    due_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    drop_reason = fields.String(validate=validate.Length(max=DROP_REASON_MAX))


class NoteCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class FollowUpSchema(Schema):
    action_id = fields.Integer(required=True)
    practice_id = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    owner_name = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    due_date = fields.Date(allow_none=True, required=True)
    done_at = fields.Date(allow_none=True, required=True)
    overdue = fields.Boolean(required=True)
    category = fields.String(required=True, metadata={"description": "overdue, due, open or done"})
    score_change = fields.Float(allow_none=True, required=True)
    source_period = fields.String(allow_none=True, required=True)


class FollowUpListSchema(Schema):
    items = fields.List(fields.Nested(FollowUpSchema), required=True)


def action_etag(action: Action) -> str:
    """Return an action's ETag (changes with every save)."""
    return f"action-{action.id}-v{action.version_id}"


def action_data(action: Action) -> dict[str, Any]:
    """Return an action as the API shows it."""
    return {
        "id": action.id,
        "version": action.version_id,
        "title": action.title,
        "description": action.description,
        "practice_id": action.practice_id,
        "touchpoint_id": action.touchpoint_id,
        "source_cycle_id": action.source_cycle_id,
        "owner_id": action.owner_id,
        "owner_name": action.owner.name if action.owner else None,
        "status": action.status,
        "drop_reason": action.drop_reason or "",
        "due_date": action.due_date,
        "done_at": action.done_at,
        "priority": action.priority,
        "updated_at": action.updated_at,
        "notes": [{"at": n.at, "text": n.text} for n in sorted(action.notes, key=lambda n: (n.at, n.id))],
    }


def _answer(action: Action, status: int = 200) -> Any:
    response = jsonify(ActionSchema().dump(action_data(action)))
    response.status_code = status
    response.set_etag(action_etag(action))
    return response


def _run(work: Any) -> Any:
    return service_call(work, stale=(services.ActionConflict,), refused=services.ActionError)


@bp.route("")
@api_access(READ)
@bp.arguments(ActionListArgs, location="query")
@bp.response(200, ActionPageSchema)
def action_list(args: dict[str, Any]) -> dict[str, Any]:
    """List the action plan in a stable order, by status or practice, a cursor page at a time."""
    query: Any = select(Action).where(Action.org_id == g.org.id)
    if args["status"] == "open":
        query = query.where(Action.status.in_(("planned", "in_progress")))
    elif args["status"]:
        query = query.where(Action.status == args["status"])
    if args["practice_id"]:
        query = query.where(Action.practice_id == args["practice_id"].strip().upper())
    sort = args["sort"]
    rows, next_cursor = keyset_page(
        query,
        sort_column=getattr(Action, sort.lstrip("-")),
        id_column=Action.id,
        descending=sort.startswith("-"),
        limit=args["limit"],
        cursor=args["cursor"],
        query_key=repr((sort, args["status"], args["practice_id"])),
        session=db.session,
    )
    return {"items": [action_data(a) for a in rows], "next_cursor": next_cursor}


@bp.route(f"/<{ID}:action_id>")
@api_access(READ)
@bp.response(200, ActionSchema)
def action_read(action_id: int) -> Any:
    """Read one action with its progress notes; its ETag goes in If-Match to change it."""
    return _answer(org_get(Action, action_id))


@bp.route("/from-gap", methods=["POST"])
@api_access(MANAGE, write=True)
@bp.arguments(FromGapSchema)
@bp.response(201, ActionSchema)
def action_create_from_gap(values: dict[str, Any]) -> Any:
    """Plan an action for a practice's gap in a cycle, prefilled as the gap report's button does."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == values["cycle_id"], Cycle.org_id == g.org.id))
    if cycle is None:
        raise ApiProblem(422, errors=[{"pointer": "#/cycle_id", "detail": "No such cycle in this organisation."}])
    practice_id = values["practice_id"].strip().upper()
    action = _run(
        lambda: services.action_create_from_gap(
            org=g.org, cycle=cycle, practice_id=practice_id, by=current_token().user
        )
    )
    db.session.commit()
    security_event("api_write", detail=f"token {current_token().name!r}: action {action.id} from gap {practice_id}")
    return _answer(action, 201)


@bp.route(f"/<{ID}:action_id>", methods=["PATCH"])
@api_access(MANAGE, write=True)
@found_first(Action, "action_id")
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(ActionUpdateSchema)
@bp.response(200, ActionSchema)
def action_update(values: dict[str, Any], action_id: int) -> Any:
    """Change an action's status, owner, due date or text; needs If-Match (412 when it changed since)."""
    action = org_get(Action, action_id)
    if not request.if_match:
        raise ApiProblem(428)
    if not request.if_match.star_tag and not request.if_match.contains_weak(action_etag(action)):
        raise ApiProblem(412)
    changes = dict(values)
    if "owner_id" in changes:
        owner_id = changes.pop("owner_id")
        owner = None
        if owner_id is not None:
            owner = db.session.scalar(select(Person).where(Person.id == owner_id, Person.org_id == g.org.id))
            if owner is None:
                raise ApiProblem(
                    422, errors=[{"pointer": "#/owner_id", "detail": "No such person in this organisation."}]
                )
        changes["owner"] = owner
    _run(
        lambda: services.action_update(
            org=g.org, action=action, by=current_token().user, version_id=action.version_id, **changes
        )
    )
    db.session.commit()
    security_event("api_write", detail=f"token {current_token().name!r}: update action {action.id}")
    return _answer(action)


@bp.route(f"/<{ID}:action_id>/notes", methods=["POST"])
@api_access(EDIT_REGISTER, write=True)
@found_first(Action, "action_id")
@bp.arguments(NoteCreateSchema)
@bp.response(201, ActionSchema)
def action_note_add(values: dict[str, Any], action_id: int) -> Any:
    """Add a dated progress note to an action."""
    action = org_get(Action, action_id)
    _run(lambda: services.action_note_add(org=g.org, action=action, by=current_token().user, text=values["text"]))
    db.session.commit()
    db.session.refresh(action)
    security_event("api_write", detail=f"token {current_token().name!r}: note on action {action.id}")
    return _answer(action, 201)


@followup_bp.route(f"/<{ID}:cycle_id>/follow-up")
@api_access(READ)
@followup_bp.response(200, FollowUpListSchema)
def cycle_followup(cycle_id: int) -> dict[str, Any]:
    """What became of the actions planned since the previous quarter, as the cycle's follow-up shows it."""
    cycle = org_get(Cycle, cycle_id)
    items = action_followup(g.org.id, cycle)
    return {
        "items": [
            {
                "action_id": i.action_id,
                "practice_id": i.practice_id,
                "title": i.title,
                "owner_name": i.owner_name,
                "status": i.status,
                "due_date": i.due_date,
                "done_at": i.done_at if isinstance(i.done_at, date) else None,
                "overdue": i.overdue,
                "category": i.category,
                "score_change": i.score_change,
                "source_period": i.source_period,
            }
            for i in items
        ]
    }
