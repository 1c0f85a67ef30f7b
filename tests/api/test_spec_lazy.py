"""The OpenAPI document is written on first read, and is the document flask-smorest writes eagerly."""

from __future__ import annotations

import json

from flask_smorest import Api

from cxgov.api import spec as spec_module
from cxgov.api.spec import CxgovApi
from tests.conftest import make_test_app


class EagerApi(CxgovApi):
    """CxgovApi with flask-smorest's own eager writing: the document is built with the app."""

    spec = None  # a plain attribute again, as flask-smorest's Api has it
    _init_spec = Api._init_spec
    register_blueprint = Api.register_blueprint


def _document(app) -> str:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_building_the_app_does_not_write_the_document_and_the_first_read_does(app):
    api = app.extensions["cxgov_api"]
    assert not api._spec_written
    document = json.loads(_document(app))
    assert api._spec_written
    assert document["paths"] and document["tags"]
    assert api.spec is api.spec  # written once


def test_the_lazy_document_is_the_eager_one_byte_for_byte(app, monkeypatch):
    lazy = _document(app)
    monkeypatch.setattr(spec_module, "CxgovApi", EagerApi)
    eager_app = make_test_app()
    assert isinstance(eager_app.extensions["cxgov_api"], EagerApi)
    assert eager_app.extensions["cxgov_api"].__dict__["spec"] is not None  # written by the factory
    assert _document(eager_app) == lazy


def test_the_openapi_command_writes_the_document(runner):
    result = runner.invoke(args=["openapi", "print"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["info"]["title"] == "cxgov API"
