"""API blueprints: under /api/v1, authenticated by token, organisation loaded from the URL.

Every endpoint module makes its blueprint with :func:`api_blueprint`; :mod:`cxgov.api.spec`
registers them all with the spec.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_smorest import Blueprint as SmorestBlueprint

from ..tenancy import org_scoped_mark
from .auth import authenticate, load_org, record_use

API_PREFIX = "/api/v1"


#: Every API blueprint, in registration order (each endpoint module adds its own).
API_BLUEPRINTS: list[SmorestBlueprint] = []


def api_blueprint(
    name: str, import_name: str, url_prefix: str = "", *, org_scoped: bool = True, description: str = ""
) -> SmorestBlueprint:
    """Return an API blueprint under /api/v1 (``/orgs/<org_slug>`` first when ``org_scoped``)."""
    prefix = API_PREFIX + ("/orgs/<org_slug>" if org_scoped else "") + url_prefix
    bp = SmorestBlueprint(f"api_v1_{name}", import_name, url_prefix=prefix, description=description)
    if org_scoped:
        bp.url_value_preprocessor(_load_org_from_url)
        bp.url_defaults(_add_org_slug)
        org_scoped_mark(bp)
    else:
        bp.before_request(_authenticate_request)
    bp.after_request(_finish_response)
    API_BLUEPRINTS.append(bp)
    return bp


def _load_org_from_url(endpoint: str | None, values: dict[str, Any] | None) -> None:
    load_org((values or {}).pop("org_slug", "") or "")


def _authenticate_request() -> None:
    authenticate()


def _add_org_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "org_slug" not in values and getattr(g, "org", None) is not None:
        values["org_slug"] = g.org.slug


def _finish_response(response: Any) -> Any:
    """ETag on every answered GET (If-None-Match gives 304), and the token's last use."""
    if request.method == "GET" and response.status_code == 200 and not response.direct_passthrough:
        if "ETag" not in response.headers:
            response.add_etag()
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    return record_use(response)


def is_api_endpoint(endpoint: str | None) -> bool:
    """Return True for endpoints of the API (they authenticate by token, never by session)."""
    return endpoint is not None and endpoint.startswith(("api_v1_", "api-docs."))
