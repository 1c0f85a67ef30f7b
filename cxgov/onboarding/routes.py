"""Getting started: start the register from an industry template or a spreadsheet."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import RadioField
from wtforms.validators import DataRequired

from ..extensions import db
from ..orgs.forms import EmptyForm
from ..orgs.models import MANAGE, Membership, Role
from ..orgs.services import OrgError, member_change_role
from ..register import services as register_services
from ..tenancy import current_org, current_role, org_blueprint, org_get, roles_required
from ..validators import CxForm
from .sponsor import SponsorViews, sponsor_record_in_register, sponsor_views
from .templates import industry_template, industry_templates, template_apply

bp = org_blueprint("onboarding", __name__, url_prefix="/getting-started")


class TemplateForm(CxForm):
    template = RadioField(validators=[DataRequired()])


@bp.route("/templates", methods=["GET", "POST"])
@roles_required(MANAGE)
def templates() -> ResponseReturnValue:
    """Choose an industry template (typical journeys and channels, no people) or a spreadsheet."""
    form = TemplateForm()
    form.template.choices = [(t.key, t.name) for t in industry_templates()]
    if form.validate_on_submit():
        template = industry_template(form.template.data)
        if template is None:  # the form's choices are the templates, so validation refused any other key
            abort(400)
        try:
            journeys, channels = template_apply(
                org=current_org(), template=template, by=current_user._get_current_object()
            )
        except register_services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(
                _(
                    "%(journeys)s and %(channels)s added from the template “%(name)s”. Next: add the people "
                    "who own them.",
                    journeys=ngettext("%(num)d journey", "%(num)d journeys", journeys),
                    channels=ngettext("%(num)d channel", "%(num)d channels", channels),
                    name=template.name,
                ),
                "success",
            )
            return redirect(url_for("org.overview"))
    return render_template("onboarding/templates.html", form=form, templates=industry_templates())


# --- one sponsor, two views ---------------------------------------------------------------


@bp.app_template_global("sponsor_views")
def sponsor_views_global() -> SponsorViews:
    """Return the current organisation's sponsor mismatches, once per request (for the partial)."""

    # per request (the WSGI environ), not per app context, which tests share across requests
    if "cxgov.sponsor_views" not in request.environ:
        request.environ["cxgov.sponsor_views"] = sponsor_views(current_org())
    return request.environ["cxgov.sponsor_views"]


def _back() -> str:

    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("org.members")


@bp.route("/sponsor/register/<int:membership_id>", methods=["POST"])
@roles_required(MANAGE)
def sponsor_to_register(membership_id: int) -> ResponseReturnValue:
    """Record a member with the sponsor role as the register's CX sponsor."""

    membership = org_get(Membership, membership_id)
    if not EmptyForm().validate_on_submit() or membership.role != Role.SPONSOR:
        flash(_("Nothing was changed: only a member with the CX sponsor role can be recorded this way."), "warning")
        return redirect(_back())
    try:
        sponsor_record_in_register(org=current_org(), membership=membership, by=current_user._get_current_object())
    except register_services.RegisterError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(_back())
    db.session.commit()
    flash(_("%(name)s is now the register's CX sponsor too.", name=membership.user.name), "success")
    return redirect(_back())


@bp.route("/sponsor/member/<int:membership_id>", methods=["POST"])
@roles_required(MANAGE)
def sponsor_to_member(membership_id: int) -> ResponseReturnValue:
    """Give the register's CX sponsor the sponsor member role in cxgov."""

    membership = org_get(Membership, membership_id)
    register_members = {m.id for _p, m in sponsor_views(current_org()).register_not_members}
    if not EmptyForm().validate_on_submit() or membership.id not in register_members:
        flash(_("Nothing was changed: this member is not the register's CX sponsor."), "warning")
        return redirect(_back())
    try:
        member_change_role(org=current_org(), membership=membership, role=Role.SPONSOR, by_role=current_role())
    except OrgError as error:
        flash(str(error), "danger")
        return redirect(_back())
    db.session.commit()
    flash(_("%(name)s now has the CX sponsor member role.", name=membership.user.name), "success")
    return redirect(_back())
