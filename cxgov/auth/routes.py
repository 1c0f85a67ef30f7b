"""Login, logout, password change and set-password links."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import security_event
from ..extensions import db
from ..invitations.services import invitations_pending_count
from ..validators import normalise_email
from . import services
from .forms import ChangePasswordForm, LanguageForm, LoginForm, SetPasswordForm
from .models import User

bp = Blueprint("auth", __name__)


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: the cookie must carry the user's current session token."""
    user_id, _sep, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(token, user.session_token):
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("orgs.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with e-mail and password; repeated failures lock the account for a while."""
    if current_user.is_authenticated:
        return redirect(url_for("orgs.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        # Recorded as failed and committed before anything else, so that parallel attempts on
        # other workers count it; see services.login_refusal_seconds.
        attempt = services.login_attempt_begin(email=email)
        db.session.commit()
        wait = services.login_refusal_seconds(email=email, remote_addr=request.remote_addr or "", attempt_id=attempt.id)
        if wait:
            services.login_attempt_settle(attempt=attempt, outcome="login_throttled")
            db.session.commit()
            minutes = max(1, round(wait / 60))
            flash(
                ngettext(
                    "Too many failed attempts. Try again in %(num)d minute.",
                    "Too many failed attempts. Try again in %(num)d minutes.",
                    minutes,
                ),
                "danger",
            )
            return render_template("auth/login.html", form=form), 429
        user = services.user_authenticate(email=email, password=form.password.data)
        if user is not None:
            services.login_attempt_settle(attempt=attempt, outcome="login", user=user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        services.login_attempt_settle(attempt=attempt, outcome="login_failed")
        db.session.commit()
        flash(_("The e-mail or the password is wrong."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """Log out everywhere: rotating the session token ends every session of this user."""
    user = current_user._get_current_object()
    user.rotate_session_token()
    db.session.commit()
    security_event("logout", actor=user.email)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; every other session of this user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            user.set_password(form.password.data)
            db.session.commit()
            security_event("password_changed", actor=user.email)
            login_user(user)  # this session carries the new token; the others end
            flash(_("Your password was changed. Other sessions were logged out."), "success")
            return redirect(url_for("orgs.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def account_language() -> ResponseReturnValue:
    """Choose the language this person reads cxgov in (default: the organisation's)."""
    user = current_user._get_current_object()
    form = LanguageForm(data={"language": user.language or ""})
    if form.validate_on_submit():
        try:
            services.user_language_set(user=user, language=form.language.data or None)
        except services.AccountError as error:
            form.language.errors.append(str(error))
        else:
            db.session.commit()
            refresh()  # the confirmation below is already in the new language
            flash(_("Your language is saved."), "success")
            return redirect(url_for("auth.account_language"))
    return render_template("auth/language.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    """Let a newly added user choose a password through their one-time link."""
    link = services.set_password_link_find(token)
    if link is None or not link.user.active:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = services.set_password_link_use(link=link, password=form.password.data)
        db.session.commit()
        security_event("password_set", actor=user.email)
        login_user(user)
        if invitations_pending_count(user):
            flash(
                _(
                    "Welcome, %(name)s. Your password is set. Accept an invitation to see its organisation.",
                    name=user.name,
                ),
                "success",
            )
            return redirect(url_for("invitations.pending"))
        flash(_("Welcome, %(name)s. Your password is set.", name=user.name), "success")
        return redirect(url_for("orgs.home"))
    return render_template("auth/set_password.html", form=form, user=link.user)
