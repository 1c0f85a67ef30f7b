"""The register's health checks over the API: the same report the health page shows."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields

from ...orgs.models import READ
from ...register.health import register_health
from ..auth import api_access
from ..blueprint import api_blueprint

bp = api_blueprint("health", __name__, "/register", description="Register health checks.")


class OffendingSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    label = fields.String(required=True)


class CheckSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "ok, warn, fail or na (not enough data)"})
    count = fields.Integer(required=True)
    detail = fields.String(required=True)
    progress = fields.Float(allow_none=True, required=True)
    practice_ids = fields.List(fields.String(), required=True)
    offending = fields.List(fields.Nested(OffendingSchema), required=True)


class HealthSchema(Schema):
    score = fields.Integer(required=True, metadata={"description": "0-100"})
    checks = fields.List(fields.Nested(CheckSchema), required=True)


@bp.route("/health")
@api_access(READ)
@bp.response(200, HealthSchema)
def register_health_read() -> dict[str, Any]:
    """Every register health check with its status and offending rows, and the 0-100 score."""
    report = register_health(g.org)
    return {
        "score": report.score,
        "checks": [
            {
                "key": r.key,
                "title": r.title,
                "status": r.status,
                "count": r.count,
                "detail": r.detail,
                "progress": r.progress,
                "practice_ids": list(r.practice_ids),
                "offending": [{"kind": o.kind, "id": o.id, "label": o.label} for o in r.offending],
            }
            for r in report.results
        ],
    }
