"""The API's flask-smorest set-up: OpenAPI 3.1 derived from the views, problem details, local docs.

flask-smorest writes the spec from the blueprints, their marshmallow schemas and decorators:
nothing is written by hand. Its own error handler would answer every HTTP error of the whole
app (web pages included) as JSON, so it is replaced by the problem-details handlers that
:mod:`cxgov.errors` calls for /api/ paths only.
"""

from __future__ import annotations

import http
import threading
from typing import Any

from apispec import APISpec
from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.spec import openapi_cli
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
    """flask-smorest's Api with problem-details error responses and no app-wide error handler.

    The OpenAPI document is written when something first reads :attr:`spec` (``/api/v1/openapi.json``,
    the docs page, ``flask openapi``), not when the app is built: writing it was 60 % of building
    an app, which the test suite does for every test, and only the document's readers need it.
    What is written, and from what, is flask-smorest's own code, in the same order as an eager
    build (settings and shared responses first, then each blueprint's views and tag).
    """

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        self._spec: APISpec | None = None
        self._spec_options: dict[str, Any] = {}
        self._spec_written = False
        self._spec_writing = False
        # Re-entrant: writing the document reads self.spec on the writing thread; any other
        # thread waits until the document is complete.
        self._spec_lock = threading.RLock()
        self._documented: list[tuple[SmorestBlueprint, str, list[Any] | None]] = []
        super().__init__(app)

    @property
    def spec(self) -> APISpec:
        """The OpenAPI document, written on first read."""
        if not self._spec_written:
            with self._spec_lock:
                if not self._spec_written and not self._spec_writing:
                    self._spec_writing = True
                    try:
                        self._spec_write()
                    finally:
                        self._spec_writing = False
                    self._spec_written = True
        assert self._spec is not None
        return self._spec

    @spec.setter
    def spec(self, value: APISpec | None) -> None:
        # flask-smorest assigns it: None in Api.__init__, the new APISpec in _init_spec.
        self._spec = value

    def _init_spec(self, **options: Any) -> None:
        """Keep the spec's settings for the first read; the ``flask openapi`` commands now."""
        self._spec_options = options
        self._app.cli.add_command(openapi_cli)

    def register_blueprint(self, blp: SmorestBlueprint, *, parameters: list[Any] | None = None, **options: Any) -> None:
        """Register the blueprint's routes now and its views in the document when it is written."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._documented.append((blp, name, parameters))
        if self._spec_written:
            self._spec_document(blp, name, parameters)

    def register_field(self, field: Any, *args: Any) -> None:
        """Map a marshmallow field to an OpenAPI type (applied when the document is written)."""
        self._fields.append((field, *args))
        if self._spec_written:
            self._register_field(field, *args)

    def register_converter(self, converter: Any, func: Any) -> None:
        """Map a URL converter to a parameter schema (applied when the document is written)."""
        self._converters.append((converter, func))
        if self._spec_written:
            self._register_converter(converter, func)

    def _spec_write(self) -> None:
        """Write the document as flask-smorest's init_app and register_blueprint would have."""
        Api._init_spec(self, **self._spec_options)  # replays register_field/register_converter
        for blp, name, parameters in self._documented:
            self._spec_document(blp, name, parameters)

    def _spec_document(self, blp: SmorestBlueprint, name: str, parameters: list[Any] | None) -> None:
        spec = self._spec
        assert spec is not None
        blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
        spec.tag({"name": name, "description": blp.description})

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
