"""RFC 9457 problem details: every API error is an ``application/problem+json`` object.

``type`` is ``about:blank`` (the status says it all) except for validation errors, whose
``errors`` member lists each bad field with a JSON pointer into the request (``#/rows/3/name``
for the body, ``?limit`` for the query string). Messages are in English: they are read by
programmers and their logs, whatever the user's interface language.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..extensions import db

PROBLEM_JSON = "application/problem+json"
#: Path prefix of every API URL (the docs page and the spec included).
API_PREFIX = "/api/"

#: What a client should read for statuses it gets often.
DETAILS = {
    400: "The request could not be understood.",
    401: "Send a personal access token: Authorization: Bearer cxg_pat_...",
    403: "Your role in this organisation, or the token's scope, does not allow this.",
    404: "There is nothing here, or it is not yours to see.",
    405: "That method is not allowed here.",
    406: "This resource is only available as JSON.",
    412: "The row changed since you read it (its ETag differs from If-Match). Read it again.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are not valid; nothing was changed.",
    428: "Send If-Match with the ETag you read, so a stale copy cannot overwrite a newer one.",
    429: "Too many requests with this token; wait for Retry-After seconds.",
    500: "Something went wrong. The error was logged; nothing was saved.",
}


class ApiProblem(HTTPException):
    """An error with a status, a detail for the client and optional field errors."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.extra_headers = headers or {}
        self.extra = extra


def is_api_request() -> bool:
    """Return True for requests under /api/ (errors are answered as problem details there)."""
    return request.path.startswith(API_PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Return a problem-details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or DETAILS.get(status, ""),
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _pointer(location: str, path: list[str]) -> str:
    if location == "json":
        return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path) if path else "#"
    if location == "query":
        return "?" + ".".join(path)
    return location + ":" + ".".join(path)


def _flatten(messages: Any, location: str, path: list[str], out: list[dict[str, Any]]) -> None:
    if isinstance(messages, dict):
        for key, value in messages.items():
            _flatten(value, location, path + ([] if key == "_schema" else [str(key)]), out)
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        for message in messages:
            out.append({"pointer": _pointer(location, path), "detail": message})
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            _flatten(value, location, path + [str(index)], out)
    else:
        out.append({"pointer": _pointer(location, path), "detail": str(messages)})


def field_errors(messages: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn webargs/marshmallow messages ({location: {field: [msg]}}) into pointer + detail items."""
    out: list[dict[str, Any]] = []
    for location, fields in messages.items():
        _flatten(fields, location, [], out)
    return out


def problem_for_exception(error: BaseException) -> Response:
    """Return the problem-details response for any error raised while serving an API request."""
    db.session.rollback()
    if isinstance(error, ApiProblem):
        return problem(error.code or 500, error.detail, errors=error.errors, headers=error.extra_headers, **error.extra)
    if isinstance(error, HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if status in (400, 422) and messages:
            return problem(422, DETAILS[422], errors=field_errors(messages))
        headers = {}
        if status == 405 and error.get_response().headers.get("Allow"):
            headers["Allow"] = error.get_response().headers["Allow"]
        detail = DETAILS.get(status) or error.description
        if status == 400 and error.description and "CSRF" not in error.description:
            detail = error.description
        return problem(status, detail, headers=headers)
    if current_app.testing and not current_app.config.get("API_PROBLEM_ON_CRASH"):
        raise error
    current_app.logger.exception("unhandled error in the API")
    return problem(500)


def service_call(
    run: Callable[[], Any],
    *,
    stale: tuple[type[BaseException], ...],
    refused: type[BaseException],
) -> Any:
    """Run a service for an API write; its refusals become problems, with nothing written.

    ``stale`` errors (an optimistic-lock miss) answer 412, ``refused`` ones 422 with their message.
    """
    try:
        result = run()
        db.session.flush()
        return result
    except stale:
        db.session.rollback()
        raise ApiProblem(412) from None
    except refused as error:
        db.session.rollback()
        raise ApiProblem(422, str(error)) from None
