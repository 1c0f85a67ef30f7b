"""Answering through a personal link: no account, one cycle, only its answer pages.

``/answer/<token>`` checks the token, remembers the respondent in the session and redirects to
``/answer/``, so the token leaves the address bar at once (and never reaches a Referer: these
pages send ``Referrer-Policy: no-referrer`` and load nothing from elsewhere). Every later
request re-checks that the link is still the live one and the cycle still open, so revoking or
re-issuing a link, or closing the cycle, ends the session's access at once. Wrong, spent and
foreign tokens all answer 404; repeated wrong tokens from one address answer 429.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import refresh
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ..audit import SecurityEvent, security_event
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Organisation
from .answering import AnswerUrls, answer_autosave, answer_page, answer_submit
from .invitations import answer_link_opened, answer_link_respondent, respondent_language
from .models import Respondent

bp = Blueprint("answer_link", __name__, url_prefix="/answer")

#: Wrong tokens one address may try within the window before it is refused for a while.
MAX_BAD_TOKENS = 20
BAD_TOKEN_WINDOW = timedelta(minutes=15)
_SESSION_KEY = "answer_link"


@bp.after_request
def _no_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _too_many_bad_tokens() -> bool:
    since = utcnow() - BAD_TOKEN_WINDOW
    bad = db.session.scalar(
        select(func.count(SecurityEvent.id)).where(
            SecurityEvent.action == "answer_link",
            SecurityEvent.result == "refused",
            SecurityEvent.remote_addr == (request.remote_addr or ""),
            SecurityEvent.at >= since,
        )
    )
    return (bad or 0) >= MAX_BAD_TOKENS


def _not_found() -> ResponseReturnValue:
    return render_template("cycles/link_invalid.html"), 404


@bp.route("/<token>")
def enter(token: str) -> ResponseReturnValue:
    """Check the personal link and start answering (the token leaves the URL at once)."""
    if _too_many_bad_tokens():
        return render_template("cycles/link_invalid.html", throttled=True), 429, {"Retry-After": "900"}
    respondent = answer_link_respondent(token)
    if respondent is None:
        security_event("answer_link", result="refused", detail="unknown, spent or closed link")
        return _not_found()
    session[_SESSION_KEY] = {"r": respondent.id, "h": respondent.link_token_hash}
    answer_link_opened(respondent=respondent)
    db.session.commit()
    return redirect(url_for("answer_link.page"), 303)


def _linked_respondent() -> Respondent:
    """Return the session's respondent while their link is live and the cycle open, else 404."""
    held = session.get(_SESSION_KEY)
    if not isinstance(held, dict):
        abort(404)
    respondent = db.session.get(Respondent, held.get("r"))
    if (
        respondent is None
        or respondent.link_token_hash is None
        or respondent.link_token_hash != held.get("h")
        or not respondent.cycle.is_open
    ):
        session.pop(_SESSION_KEY, None)
        abort(404)
    # Someone answering through a link has no account: their page is in the language the
    # invitation was sent in (theirs, else the organisation's), not the browser's.
    org = db.session.get(Organisation, respondent.org_id)
    g.respondent_language = respondent_language(respondent, org) if org is not None else respondent.language
    refresh()
    return respondent


def _urls() -> AnswerUrls:
    return AnswerUrls(
        page=lambda **values: url_for("answer_link.page", **values),
        save=url_for("answer_link.save"),
        submit=url_for("answer_link.submit"),
        after_submit=url_for("answer_link.done"),
        login=None,
    )


@bp.route("/", methods=["GET", "POST"])
def page() -> ResponseReturnValue:
    """The linked respondent's answering page (one dimension at a time)."""
    respondent = _linked_respondent()
    org = db.session.get_one(Organisation, respondent.org_id)
    return answer_page(cycle=respondent.cycle, respondent=respondent, org=org, urls=_urls())


@bp.route("/save", methods=["POST"])
def save() -> ResponseReturnValue:
    """Autosave one answer of the linked respondent (JSON)."""
    respondent = _linked_respondent()
    return answer_autosave(cycle=respondent.cycle, respondent=respondent)


@bp.route("/submit", methods=["POST"])
def submit() -> ResponseReturnValue:
    """Submit the linked respondent's answers."""
    respondent = _linked_respondent()
    return answer_submit(cycle=respondent.cycle, respondent=respondent, urls=_urls())


@bp.route("/done")
def done() -> ResponseReturnValue:
    """Thank the respondent; they may still go back and change answers while the cycle is open."""
    respondent = _linked_respondent()
    org = db.session.get(Organisation, respondent.org_id)
    return render_template("cycles/link_done.html", respondent=respondent, org=org, cycle=respondent.cycle)


@bp.errorhandler(404)
def _link_404(_error: Exception) -> ResponseReturnValue:
    return _not_found()
