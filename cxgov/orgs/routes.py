"""Organisation list, creation, settings and members."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import current_language
from ..invitations.mail import invitation_mail_queue
from ..invitations.models import Invitation
from ..invitations.services import InvitationError, invitation_create, invitations_for_org, invitations_pending_count
from ..invitations.services import invitation_revoke as invitation_revoke_service
from ..mail.services import mail_is_configured
from ..overview import overview_for
from ..portfolio.routes import portfolio_page
from ..tenancy import current_org, current_role, org_blueprint, org_get, roles_required
from ..uploads import UploadError, logo_from_upload, stored_file_response
from . import services
from .forms import EmptyForm, MemberAddForm, MemberRoleForm, OrgCreateForm, OrgSettingsForm, role_choices
from .models import MANAGE, READ, Membership, Role

bp = Blueprint("orgs", __name__)
org_bp = org_blueprint("org", __name__)


@bp.route("/")
def home() -> ResponseReturnValue:
    """Consultants see their portfolio; everyone else lands in their organisation."""
    orgs = services.orgs_for_user(current_user)
    pending = invitations_pending_count(current_user)
    if current_user.is_consultant:
        return portfolio_page(
            others=[(org, role) for org, role in orgs if role != Role.CONSULTANT], pending_invitations=pending
        )
    if len(orgs) == 1 and not pending:
        return redirect(url_for("org.overview", org_slug=orgs[0][0].slug))
    return render_template("orgs/list.html", orgs=orgs, pending_invitations=pending)


@bp.route("/orgs/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    """A consultant creates a client organisation and becomes its consultant."""
    if not current_user.is_consultant:
        abort(403)
    form = OrgCreateForm()
    if form.validate_on_submit():
        try:
            org = services.org_create(
                name=form.name.data,
                slug=form.slug.data or None,
                industry=form.industry.data or "",
                language=form.language.data,
                consultant=current_user,
            )
        except services.OrgError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("%(name)s was created. You are its consultant.", name=org.name), "success")
            return redirect(url_for("org.overview", org_slug=org.slug))
    return render_template("orgs/create.html", form=form)


@org_bp.route("/")
@roles_required(READ)
def overview() -> ResponseReturnValue:
    """The organisation's start page: where things stand and where to go next."""

    org = current_org()
    return render_template(
        "orgs/overview.html", overview=overview_for(org, current_user, lang=current_language(), accent=org.brand_accent)
    )


@org_bp.route("/settings", methods=["GET", "POST"])
@roles_required(MANAGE)
def settings() -> ResponseReturnValue:
    """Edit name, industry, language, service promise, report branding and logo."""
    org = current_org()
    form = OrgSettingsForm(obj=org)
    if form.validate_on_submit():
        upload = request.files.get(form.logo.name)
        try:
            logo = (
                logo_from_upload(upload.read(), upload.filename or "logo", kind="org_logo")
                if upload and upload.filename
                else None
            )
        except UploadError as error:
            form.logo.errors = [str(error)]
        else:
            org.name = form.name.data.strip()
            org.industry = (form.industry.data or "").strip()
            org.language = form.language.data
            org.service_promise = (form.service_promise.data or "").strip()
            org.brand_accent = form.brand_accent.data or None
            org.brand_firm_name = form.brand_firm_name.data or None
            org.benchmark_opt_out = bool(form.benchmark_opt_out.data)
            if logo is not None:
                db.session.add(logo)
                db.session.flush()
                org.logo_id = logo.id
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("org.settings"))
    return render_template("orgs/settings.html", form=form)


@org_bp.route("/logo")
@roles_required(READ)
def logo() -> ResponseReturnValue:
    """Serve the organisation's logo (checked to be a real image at upload)."""
    stored = current_org().logo
    if stored is None:
        abort(404)
    return stored_file_response(stored)


@org_bp.route("/members", methods=["GET", "POST"])
@roles_required(MANAGE)
def members() -> ResponseReturnValue:
    """List, invite, re-role and remove members, and withdraw pending invitations.

    Adding an address always makes a pending invitation, so the page answers alike for a
    known and an unknown address; only a brand-new account's set-password link differs.
    """
    org = current_org()
    form = MemberAddForm()
    form.role.choices = role_choices(current_role() == Role.CONSULTANT)
    new_link = None
    if form.validate_on_submit():
        try:
            made = invitation_create(
                org=org,
                email=form.email.data,
                name=form.name.data or "",
                role=Role(form.role.data),
                by=current_user._get_current_object(),
                by_role=current_role(),
            )
            invitation_mail_queue(made=made, org=org, inviter_name=current_user.name)
            db.session.commit()
        except InvitationError as error:
            flash(str(error), "danger")
        except IntegrityError:  # the same address was added at the same moment by another request
            db.session.rollback()
            flash(
                _(
                    "This address was being added at the same moment by someone else. Look at the "
                    "pending invitations and try again if it is not there."
                ),
                "danger",
            )
        else:
            flash(
                _(
                    "%(email)s is invited as %(role)s. They become a member once they accept.",
                    email=made.invitation.email,
                    role=made.invitation.role.label,
                ),
                "success",
            )
            # Once mail leaves the machine the link goes only to its holder; before that, a new
            # account's link is shown here so the inviter can hand it over.
            if made.set_password_token and not mail_is_configured():
                new_link = url_for("auth.set_password", token=made.set_password_token, _external=True)
            form = MemberAddForm(formdata=None)
            form.role.choices = role_choices(current_role() == Role.CONSULTANT)
    return render_template(
        "orgs/members.html",
        form=form,
        memberships=services.org_members(org),
        invitations=invitations_for_org(org),
        role_form=MemberRoleForm,
        remove_form=EmptyForm(),
        new_link=new_link,
        role_choices=role_choices(current_role() == Role.CONSULTANT),
    )


@org_bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles_required(MANAGE)
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    """Withdraw a pending invitation before it is accepted."""
    invitation = org_get(Invitation, invitation_id)
    if EmptyForm().validate_on_submit():
        try:
            invitation_revoke_service(invitation=invitation, by_role=current_role())
        except InvitationError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("org.members"))


@org_bp.route("/members/<int:membership_id>/role", methods=["POST"])
@roles_required(MANAGE)
def member_role(membership_id: int) -> ResponseReturnValue:
    """Change one member's role."""
    membership = org_get(Membership, membership_id)
    form = MemberRoleForm()
    form.role.choices = role_choices(current_role() == Role.CONSULTANT)
    if form.validate_on_submit():
        try:
            services.member_change_role(
                org=current_org(), membership=membership, role=Role(form.role.data), by_role=current_role()
            )
        except services.OrgError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Role changed."), "success")
    else:
        flash(_("Choose one of the roles offered."), "danger")
    return redirect(url_for("org.members"))


@org_bp.route("/members/<int:membership_id>/remove", methods=["POST"])
@roles_required(MANAGE)
def member_remove(membership_id: int) -> ResponseReturnValue:
    """Remove one member from the organisation."""
    membership = org_get(Membership, membership_id)
    if EmptyForm().validate_on_submit():
        try:
            services.member_remove(org=current_org(), membership=membership, by_role=current_role())
        except services.OrgError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Member removed."), "success")
    return redirect(url_for("org.members"))
