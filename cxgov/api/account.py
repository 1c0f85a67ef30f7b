"""The user's API tokens page: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..db import utcnow
from ..extensions import db
from ..orgs.forms import EmptyForm
from ..orgs.models import Membership, Organisation
from ..validators import CxForm
from .models import ApiToken
from .tokens import NAME_MAX, TokenError, token_create, token_revoke, tokens_of

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")

#: Lifetimes offered on the page, in days ("" = never expires).
LIFETIMES = ("30", "90", "365", "")


class TokenForm(CxForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("What will use it, e.g. “Power BI” or “HR sync”."),
    )
    org = SelectField(_l("Organisations"))
    read_only = BooleanField(_l("Read only (the token cannot change anything)"), default=True)
    expires = SelectField(_l("Expires"), default="90")
    submit = SubmitField(_l("Create token"))


def _form() -> TokenForm:
    form = TokenForm()
    orgs = db.session.execute(
        select(Organisation.slug, Organisation.name)
        .join(Membership, Membership.org_id == Organisation.id)
        .where(Membership.user_id == current_user.id)
        .order_by(Organisation.name)
    ).all()
    form.org.choices = [("", _("All my organisations"))] + [(slug, name) for slug, name in orgs]
    form.expires.choices = [("30", _("In 30 days")), ("90", _("In 90 days")), ("365", _("In a year")), ("", _("Never"))]
    return form


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    """List the user's tokens and create one; a new token's secret is shown on this response only."""
    form = _form()
    secret = None
    if form.validate_on_submit():
        org = (
            db.session.scalar(select(Organisation).where(Organisation.slug == form.org.data)) if form.org.data else None
        )
        try:
            made = token_create(
                user=current_user._get_current_object(),
                name=form.name.data,
                org=org,
                read_only=form.read_only.data,
                expires_days=int(form.expires.data) if form.expires.data else None,
            )
        except TokenError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            secret = made.secret
            form = _form()
            form.name.data = ""
    return render_template(
        "api/tokens.html",
        form=form,
        secret=secret,
        tokens=tokens_of(current_user),
        revoke_form=EmptyForm(),
        now=utcnow(),
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's own tokens (another user's answers 404)."""
    form = EmptyForm()
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id))
    if token is None or not form.validate_on_submit():
        abort(404 if token is None else 400)
    try:
        token_revoke(token=token, by=current_user._get_current_object())
    except TokenError as error:
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(
            _("The token “%(name)s” is revoked; programs using it are refused from now on.", name=token.name), "success"
        )
    return redirect(url_for("api_tokens.index"))
