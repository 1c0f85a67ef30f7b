"""Friendly error pages; a server error rolls back whatever the request had done."""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .api.problems import is_api_request, problem_for_exception
from .extensions import db


def init_errors(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(401)
    def unauthorized(error: HTTPException) -> ResponseReturnValue:
        if is_api_request():
            return problem_for_exception(error)
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        if is_api_request():
            return problem_for_exception(error)
        db.session.rollback()
        return render_template(
            "errors/error.html",
            code=400,
            title=_("The form expired"),
            message=_("Please go back, reload the page and try again."),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if is_api_request():  # programs get RFC 9457 problem details, not a page
            return problem_for_exception(error)
        db.session.rollback()
        messages = {
            400: (_("Bad request"), _("The request could not be understood.")),
            403: (
                _("Not allowed"),
                _("Your role does not allow this. Ask your CX sponsor or consultant if you need it."),
            ),
            404: (_("Not found"), _("There is nothing here, or it is not yours to see.")),
            405: (_("Not allowed"), _("That method is not allowed here.")),
            413: (_("Too large"), _("The upload is larger than the allowed size.")),
            429: (_("Too many requests"), _("Too many attempts in a short time. Wait a minute and try again.")),
        }
        # Any other code gets a sentence in the reader's language too, never Werkzeug's English.
        fallback = (
            _("The request could not be handled"),
            _("Please go back and try again (HTTP %(code)d).", code=error.code or 500),
        )
        title, message = messages.get(error.code or 500, fallback)
        return render_template("errors/error.html", code=error.code, title=title, message=message), error.code or 500

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        if is_api_request():
            return problem_for_exception(error)
        db.session.rollback()
        if app.testing:
            raise error  # tests want the traceback, not a friendly page
        app.logger.exception("unhandled error")
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Something went wrong"),
            message=_("The error was logged. Nothing was saved."),
        ), 500
