"""Getting started: start the register from an industry template or a spreadsheet."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import DataRequired

from ..extensions import db
from ..orgs.models import MANAGE
from ..register import services as register_services
from ..tenancy import current_org, org_blueprint, roles_required
from .templates import industry_template, industry_templates, template_apply

bp = org_blueprint("onboarding", __name__, url_prefix="/getting-started")


class TemplateForm(FlaskForm):
    template = RadioField(validators=[DataRequired()])


@bp.route("/templates", methods=["GET", "POST"])
@roles_required(MANAGE)
def templates():
    """Choose an industry template (typical journeys and channels, no people) or a spreadsheet."""
    form = TemplateForm()
    form.template.choices = [(t.key, t.name) for t in industry_templates()]
    if form.validate_on_submit():
        template = industry_template(form.template.data)
        try:
            journeys, channels = template_apply(org=current_org(), template=template,
                                                by=current_user._get_current_object())
        except register_services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("%(j)d journeys and %(c)d channels added from the template “%(name)s”. Next: add the people "
                    "who own them.", j=journeys, c=channels, name=template.name), "success")
            return redirect(url_for("org.overview"))
    return render_template("onboarding/templates.html", form=form, templates=industry_templates())
