"""The one public mail page: stop reminders (one-click, from the List-Unsubscribe header too)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from ..extensions import csrf, db
from ..orgs.models import Organisation
from .services import mail_opt_out, opt_out_read

bp = Blueprint("mail", __name__, url_prefix="/mail")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: mail programs POST without a form; the signed token is the proof
def unsubscribe(token: str) -> str:
    """Ask before stopping (GET, so link scanners stop nothing); stop on POST."""
    found = opt_out_read(token)
    if found is None:
        abort(404)
    org_id, email, kind = found
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    done = False
    if request.method == "POST":
        mail_opt_out(org_id=org_id, email=email, kind=kind)
        db.session.commit()
        done = True
    what = _("reminders to answer assessments") if kind == "reminder" else _("reminders about due actions")
    return render_template("mail/unsubscribe.html", org=org, email=email, what=what, done=done, token=token)
