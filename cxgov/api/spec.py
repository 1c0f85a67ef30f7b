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
from flask import Flask, render_template
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


@docs_bp.route("/docs")
def docs() -> str:
    """The browsable API documentation (Swagger UI served from static/, no CDN)."""
    return render_template("api/docs.html")


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
