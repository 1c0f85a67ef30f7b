"""The invited person's side: see pending invitations, accept or decline them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..orgs.forms import EmptyForm
from . import services
from .models import Invitation

bp = Blueprint("invitations", __name__, url_prefix="/invitations")


@bp.route("/")
@login_required
def pending() -> ResponseReturnValue:
    """List the invitations waiting for the current user's answer."""
    return render_template(
        "invitations/pending.html", form=EmptyForm(), invitations=services.invitations_for_user(current_user)
    )


def _own_invitation(invitation_id: int) -> Invitation:
    """Return the current user's own invitation; anybody else's does not exist (404)."""
    invitation = services.invitation_for_user(invitation_id=invitation_id, user=current_user)
    if invitation is None:
        abort(404)
    return invitation


@bp.route("/<int:invitation_id>/accept", methods=["POST"])
@login_required
def accept(invitation_id: int) -> ResponseReturnValue:
    """Accept an invitation: the organisation appears in the user's list."""
    invitation = _own_invitation(invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    org = invitation.organisation
    services.invitation_accept(invitation=invitation, user=current_user._get_current_object())
    db.session.commit()
    flash(_("You joined %(name)s.", name=org.name), "success")
    return redirect(url_for("org.overview", org_slug=org.slug))


@bp.route("/<int:invitation_id>/decline", methods=["POST"])
@login_required
def decline(invitation_id: int) -> ResponseReturnValue:
    """Decline an invitation: it goes away and the organisation does not learn who you are."""
    invitation = _own_invitation(invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.invitation_decline(invitation=invitation, user=current_user._get_current_object())
    db.session.commit()
    flash(_("The invitation was declined."), "info")
    return redirect(url_for("invitations.pending"))
