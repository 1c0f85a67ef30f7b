"""Platform administration: creating consultant accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.forms import NewUserForm
from ..auth.models import User
from ..auth.services import AccountError, set_password_link_create, user_create
from ..extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)  # the admin area does not exist for anyone else


@bp.route("/consultants", methods=["GET", "POST"])
def consultants() -> ResponseReturnValue:
    """List consultants and create new ones (who get a one-time set-password link)."""
    form = NewUserForm()
    new_link = None
    if form.validate_on_submit():
        try:
            user = user_create(
                email=form.email.data, name=form.name.data, is_consultant=True, firm_name=form.firm_name.data or None
            )
        except AccountError as error:
            flash(str(error), "danger")
        else:
            token = set_password_link_create(user=user)
            db.session.commit()
            new_link = url_for("auth.set_password", token=token, _external=True)
            flash(_("%(email)s can now set a password with the link below.", email=user.email), "success")
            form = NewUserForm(formdata=None)
    users = db.session.scalars(select(User).where(User.is_consultant.is_(True)).order_by(User.name)).all()
    return render_template("admin/consultants.html", form=form, users=users, new_link=new_link)
