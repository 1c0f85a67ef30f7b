"""Assessment cycles: status and index, scores, perception gaps, targets, answers, the trend.

Scores come from :func:`cxgov.cycles.services.cycle_score`, the function the dashboard and
the report context read, so the API shows the same numbers. Who sees what follows the
dashboard: a closed cycle's aggregates are for every member; an open cycle's running scores
and anyone's individual answers are for sponsors and consultants only.
"""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields

from ...cycles import services
from ...cycles.models import Cycle
from ...orgs.models import MANAGE, READ
from ...scoring.engine import CycleResult, history_table
from ...tenancy import org_get
from ..auth import api_access
from ..problems import ApiProblem
from .common import ID
from ..blueprint import api_blueprint

bp = api_blueprint("cycles", __name__, "/cycles", description="Assessment cycles and their scores.")
trend_bp = api_blueprint("trend", __name__, description="The maturity trend over closed cycles.")


class CycleSchema(Schema):
    id = fields.Integer(required=True)
    period = fields.String(required=True)
    framework_key = fields.String(required=True)
    framework_version = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "draft, open or closed"})
    index = fields.Float(allow_none=True, required=True, metadata={"description": "0-100; closed cycles only"})
    invited = fields.Integer(required=True)
    submitted = fields.Integer(required=True)


class CycleListSchema(Schema):
    items = fields.List(fields.Nested(CycleSchema), required=True)


class DimensionScoreSchema(Schema):
    key = fields.String(required=True)
    score = fields.Float(allow_none=True, required=True)
    index = fields.Float(allow_none=True, required=True)
    target = fields.Float(allow_none=True, required=True)
    gap = fields.Float(allow_none=True, required=True)
    perception_gap = fields.Float(allow_none=True, required=True)
    perception_flag = fields.Boolean(required=True)
    change = fields.Float(allow_none=True, required=True)
    n_practices = fields.Integer(required=True)
    n_scored = fields.Integer(required=True)


class PracticeScoreSchema(Schema):
    practice_id = fields.String(required=True)
    dimension = fields.String(required=True)
    level = fields.Float(allow_none=True, required=True)
    target = fields.Integer(required=True)
    gap = fields.Float(allow_none=True, required=True)
    spread = fields.Float(allow_none=True, required=True)
    n_answers = fields.Integer(required=True)
    n_na = fields.Integer(required=True)
    n_dont_know = fields.Integer(required=True)
    disagreement = fields.Boolean(required=True)
    low_sample = fields.Boolean(required=True)
    perception_gap = fields.Float(allow_none=True, required=True)
    perception_flag = fields.Boolean(required=True)
    change = fields.Float(allow_none=True, required=True)
    priority = fields.Float(required=True)
    optional = fields.Boolean(required=True)
    group_levels = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)


class ScoresSchema(Schema):
    cycle_id = fields.Integer(required=True)
    period = fields.String(required=True)
    status = fields.String(required=True)
    framework_key = fields.String(required=True)
    framework_version = fields.String(required=True)
    index = fields.Float(allow_none=True, required=True)
    stage = fields.String(allow_none=True, required=True)
    change = fields.Float(allow_none=True, required=True)
    n_respondents = fields.Integer(required=True)
    dimensions = fields.List(fields.Nested(DimensionScoreSchema), required=True)
    practices = fields.List(fields.Nested(PracticeScoreSchema), required=True)


class PerceptionGapListSchema(Schema):
    items = fields.List(fields.Nested(PracticeScoreSchema), required=True)


class TargetsSchema(Schema):
    targets = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class AnswerSchema(Schema):
    respondent = fields.Integer(required=True, metadata={"description": "A number per respondent, not a user id"})
    group = fields.String(required=True)
    practice_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "level, na or dont_know"})
    level = fields.Integer(allow_none=True, required=True)


class AnswerListSchema(Schema):
    items = fields.List(fields.Nested(AnswerSchema), required=True)


class TrendRowSchema(Schema):
    period = fields.String(required=True)
    index = fields.Float(allow_none=True, required=True)
    stage_key = fields.String(allow_none=True, required=True)
    version = fields.String(required=True)
    dimensions = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)


class TrendSchema(Schema):
    items = fields.List(fields.Nested(TrendRowSchema), required=True)


def _row(row: services.CycleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "period": row.period,
        "framework_key": row.framework_key,
        "framework_version": row.framework_version,
        "status": row.status,
        "index": row.index,
        "invited": row.invited,
        "submitted": row.submitted,
    }


def _scored_cycle(cycle_id: int) -> tuple[Cycle, CycleResult]:
    """Return a cycle and its result, as the dashboard would show it to this member."""
    cycle = org_get(Cycle, cycle_id)
    if not cycle.is_closed and g.membership.role not in MANAGE:
        raise ApiProblem(403, "The scores of a cycle that is not closed are for sponsors and consultants.")
    return cycle, services.cycle_score(cycle=cycle, org=g.org)


def _practice(p: Any) -> dict[str, Any]:
    return {
        "practice_id": p.practice_id,
        "dimension": p.dimension_key,
        "level": p.level,
        "target": p.target,
        "gap": p.gap,
        "spread": p.spread,
        "n_answers": p.n_answers,
        "n_na": p.n_na,
        "n_dont_know": p.n_dont_know,
        "disagreement": p.disagreement,
        "low_sample": p.low_sample,
        "perception_gap": p.perception_gap,
        "perception_flag": p.perception_flag,
        "change": p.change,
        "priority": p.priority,
        "optional": p.optional,
        "group_levels": dict(p.group_levels),
    }


@bp.route("")
@api_access(READ)
@bp.response(200, CycleListSchema)
def cycle_list() -> dict[str, Any]:
    """List the organisation's cycles, newest first, with status and (closed) index."""
    return {"items": [_row(r) for r in services.cycle_list(g.org)]}


@bp.route(f"/<{ID}:cycle_id>")
@api_access(READ)
@bp.response(200, CycleSchema)
def cycle_read(cycle_id: int) -> dict[str, Any]:
    """Read one cycle's status and index."""
    cycle = org_get(Cycle, cycle_id)
    return next(_row(r) for r in services.cycle_list(g.org) if r.id == cycle.id)


@bp.route(f"/<{ID}:cycle_id>/scores")
@api_access(READ)
@bp.response(200, ScoresSchema)
def cycle_scores(cycle_id: int) -> dict[str, Any]:
    """A cycle's index, stage and scores per dimension and practice (the dashboard's and report's numbers)."""
    cycle, result = _scored_cycle(cycle_id)
    framework = services.cycle_framework(cycle)
    stage = framework.stage_for(result.index) if result.index is not None else None
    return {
        "cycle_id": cycle.id,
        "period": cycle.period,
        "status": cycle.status,
        "framework_key": result.framework_key,
        "framework_version": result.framework_version,
        "index": result.index,
        "stage": stage.key if stage else None,
        "change": result.change,
        "n_respondents": result.n_respondents,
        "dimensions": [
            {
                "key": d.key,
                "score": d.score,
                "index": d.index,
                "target": d.target,
                "gap": d.gap,
                "perception_gap": d.perception_gap,
                "perception_flag": d.perception_flag,
                "change": d.change,
                "n_practices": d.n_practices,
                "n_scored": d.n_scored,
            }
            for d in result.dimensions
        ],
        "practices": [_practice(p) for p in result.practices],
    }


@bp.route(f"/<{ID}:cycle_id>/perception-gaps")
@api_access(READ)
@bp.response(200, PerceptionGapListSchema)
def cycle_perception_gaps(cycle_id: int) -> dict[str, Any]:
    """Practices where leadership and the front line see it differently, widest gap first."""
    _cycle, result = _scored_cycle(cycle_id)
    return {"items": [_practice(p) for p in result.perception_flags()]}


@bp.route(f"/<{ID}:cycle_id>/targets")
@api_access(READ)
@bp.response(200, TargetsSchema)
def cycle_targets(cycle_id: int) -> dict[str, Any]:
    """The cycle's target level per practice."""
    return {"targets": services.cycle_targets(org_get(Cycle, cycle_id))}


@bp.route(f"/<{ID}:cycle_id>/answers")
@api_access(MANAGE)
@bp.response(200, AnswerListSchema)
def cycle_answers(cycle_id: int) -> dict[str, Any]:
    """Every answer of the cycle, respondents numbered rather than named (sponsors and consultants)."""
    cycle = org_get(Cycle, cycle_id)
    numbers: dict[int, int] = {}
    items = []
    for answer, group, _user in services.cycle_answers(cycle):
        number = numbers.setdefault(answer.respondent_id, len(numbers) + 1)
        items.append(
            {
                "respondent": number,
                "group": group,
                "practice_id": answer.practice_id,
                "kind": answer.kind,
                "level": answer.level if answer.kind == "level" else None,
            }
        )
    return {"items": items}


@trend_bp.route("/trend")
@api_access(READ)
@trend_bp.response(200, TrendSchema)
def trend() -> dict[str, Any]:
    """The index and each dimension's index over the closed cycles, oldest first."""
    return {"items": history_table(services.closed_results(g.org))}
