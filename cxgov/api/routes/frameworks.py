"""Frameworks and their practices, in the requested language (English where a text is missing)."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from ...framework.catalog import framework_catalog_for_org
from ...framework.model import Framework
from ...orgs.models import READ
from ..auth import api_access
from ..problems import ApiProblem
from ..blueprint import api_blueprint

bp = api_blueprint("frameworks", __name__, "/frameworks", description="Maturity frameworks and practices.")


class LangArgs(Schema):
    lang = fields.String(
        load_default=None,
        validate=validate.OneOf(["en", "sv", "da", "nb"]),
        metadata={"description": "Language of the texts (default: the organisation's)"},
    )


class FrameworkSummarySchema(Schema):
    key = fields.String(required=True)
    version = fields.String(required=True)
    title = fields.String(required=True)


class FrameworkListSchema(Schema):
    items = fields.List(fields.Nested(FrameworkSummarySchema), required=True)


class PracticeSchema(Schema):
    id = fields.String(required=True)
    dimension = fields.String(required=True)
    title = fields.String(required=True)
    good_looks_like = fields.String(required=True)
    levels = fields.List(fields.String(), required=True)
    next_steps = fields.List(fields.String(), required=True)
    weight = fields.Float(required=True)
    default_target = fields.Integer(required=True)


class DimensionSchema(Schema):
    key = fields.String(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)


class StageSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    min_index = fields.Float(required=True)


class FrameworkSchema(FrameworkSummarySchema):
    language = fields.String(required=True)
    description = fields.String(required=True)
    level_names = fields.List(fields.String(), required=True)
    stages = fields.List(fields.Nested(StageSchema), required=True)
    dimensions = fields.List(fields.Nested(DimensionSchema), required=True)
    practices = fields.List(fields.Nested(PracticeSchema), required=True)


def framework_data(framework: Framework, lang: str) -> dict[str, Any]:
    """Return a framework as the API shows it, texts in ``lang``."""
    return {
        "key": framework.key,
        "version": framework.version,
        "title": framework.title.get(lang),
        "language": lang,
        "description": framework.description.get(lang),
        "level_names": [n.get(lang) for n in framework.level_names],
        "stages": [{"key": s.key, "name": s.name.get(lang), "min_index": s.min_index} for s in framework.stages],
        "dimensions": [
            {"key": d.key, "code": d.code, "title": d.title.get(lang), "description": d.description.get(lang)}
            for d in framework.dimensions
        ],
        "practices": [
            {
                "id": p.id,
                "dimension": p.dimension_key,
                "title": p.title.get(lang),
                "good_looks_like": p.good_looks_like.get(lang),
                "levels": [t.get(lang) for t in p.levels],
                "next_steps": [t.get(lang) for t in p.next_steps],
                "weight": p.weight,
                "default_target": p.default_target,
            }
            for p in framework.practices
        ],
    }


@bp.route("")
@api_access(READ)
@bp.arguments(LangArgs, location="query")
@bp.response(200, FrameworkListSchema)
def framework_list(args: dict[str, Any]) -> dict[str, Any]:
    """List the frameworks (every valid version) offered in this organisation."""
    lang = args["lang"] or g.org.language or "en"
    catalog = framework_catalog_for_org(g.org)
    items = [
        {"key": f.key, "version": f.version, "title": f.title.get(lang)}
        for key in sorted(catalog.versions)
        for f in catalog.all_versions(key)
    ]
    return {"items": items}


@bp.route("/<key>/<version>")
@api_access(READ)
@bp.arguments(LangArgs, location="query")
@bp.response(200, FrameworkSchema)
def framework_read(args: dict[str, Any], key: str, version: str) -> dict[str, Any]:
    """Read one framework version: stages, dimensions and practices with their level descriptors."""
    framework = framework_catalog_for_org(g.org).get(key, version)
    if framework is None:
        raise ApiProblem(404)
    return framework_data(framework, args["lang"] or g.org.language or "en")
