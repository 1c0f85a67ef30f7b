"""Security headers and the login wall."""

from __future__ import annotations

from flask import Flask, Response, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from .api.blueprint import is_api_endpoint
from .audit import init_security_log, write_queued_security_events

#: Endpoints reachable without logging in.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "auth.set_password",
        "health",
        "mail.unsubscribe",
        # A personal answer link is its own proof; these pages re-check it on every request.
        "answer_link.enter",
        "answer_link.page",
        "answer_link.save",
        "answer_link.submit",
        "answer_link.done",
    }
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_security(app: Flask) -> None:
    """Install the login wall and the security headers."""

    @app.before_request
    def require_login() -> BaseResponse | None:
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if is_api_endpoint(request.endpoint):
            return None  # the API authenticates by token on every request, never by the session
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return None

    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        # Only as many X-Forwarded-* hops as there are proxies of ours: a client cannot spoof
        # its address past them (and so cannot dodge the per-address login limit).
        # Wrapping wsgi_app is Flask's documented way to add middleware; mypy sees a method there.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)  # type: ignore[method-assign]

    init_security_log(app)
    app.teardown_request(write_queued_security_events)

    @app.teardown_request
    def forget_request_state(_exc: BaseException | None = None) -> None:
        # ``g`` lives as long as the app context; when a caller (a test, a script) keeps one
        # app context around several requests, the user and org of one must not leak.
        for name in ("_login_user", "org", "membership", "cxgov_write_lock"):
            g.pop(name, None)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Pages that carry a secret in their session (personal answer links) send no-referrer.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
