"""The API's flask-smorest set-up: OpenAPI 3.1 derived from the views, problem details, local docs.

flask-smorest writes the spec from the blueprints, their marshmallow schemas and decorators:
nothing is written by hand. Its own error handler would answer every HTTP error of the whole
app (web pages included) as JSON, so it is replaced by the problem-details handlers that
:mod:`cxgov.errors` calls for /api/ paths only.
"""

from __future__ import annotations

import http
from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from ..extensions import csrf
from . import routes  # noqa: F401  (importing the endpoint modules declares their blueprints)
from .auth import init_api_auth
from .blueprint import API_BLUEPRINTS, API_PREFIX
from .problems import PROBLEM_JSON


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    current_etag = fields.String(metadata={"description": "On a 412: the row's ETag now"})
    errors = fields.List(
        fields.Dict(), metadata={"description": "Field errors: pointer (#/json/pointer or ?query) and detail"}
    )


class CxgovApi(Api):
    """flask-smorest's Api with problem-details error responses and no app-wide error handler."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Leave error handling to cxgov.errors (which answers /api/ paths with problem details)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


docs_bp = FlaskBlueprint("api_v1_docs", __name__, url_prefix=API_PREFIX)


METHODS = ("get", "post", "put", "patch", "delete")


def reference(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the spec's operations grouped by tag, as the reference page lists them."""
    groups: dict[str, dict[str, Any]] = {
        tag["name"]: {"name": tag["name"], "description": tag.get("description", ""), "operations": []}
        for tag in spec.get("tags", [])
    }
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [_parameter(p) for p in (*shared, *operation.get("parameters", []))]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            responses = []
            for status, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                responses.append((status, response.get("description", ""), ", ".join(response.get("content", {}))))
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, {"name": tag, "description": "", "operations": []})["operations"].append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "body": body.get("$ref", "").rsplit("/", 1)[-1],
                    "responses": responses,
                }
            )
    return [group for group in groups.values() if group["operations"]]


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    """Return a parameter as the reference shows it: its type in words, its choices."""
    schema = parameter.get("schema", {})
    kinds = schema.get("type", "")
    kinds = [k for k in kinds if k != "null"] if isinstance(kinds, list) else [kinds]
    choices = [str(c) for c in schema.get("enum", []) if c is not None]
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": parameter.get("required", False),
        "type": " or ".join(kinds) + (": " + ", ".join(choices) if choices else ""),
        "description": parameter.get("description", ""),
    }


@docs_bp.route("/docs")
def docs() -> str:
    """The browsable API reference, rendered from the generated spec (no CDN, no script)."""
    spec = current_app.extensions["cxgov_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec, groups=reference(spec))


def init_api(app: Flask) -> None:
    """Register the API: spec settings, every endpoint module, the docs page; exempt from CSRF."""
    app.config.setdefault("API_TITLE", "cxgov API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "The cxgov JSON API. Authenticate with a personal access token: "
                "`Authorization: Bearer cxg_pat_...` (create one under Account → API tokens). "
                "Errors are RFC 9457 problem details."
            },
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal access token (cxg_pat_...)",
                    }
                }
            },
        },
    )
    app.config.setdefault("API_RATE_LIMIT", 300)
    app.config.setdefault("API_RATE_WINDOW_SECONDS", 60)
    api = CxgovApi(app)  # one per app: the spec is built for the app it describes
    app.extensions["cxgov_api"] = api
    for bp in API_BLUEPRINTS:
        api.register_blueprint(bp)
        csrf.exempt(bp)
    app.register_blueprint(docs_bp)
    csrf.exempt(docs_bp)
    init_api_auth(app)
