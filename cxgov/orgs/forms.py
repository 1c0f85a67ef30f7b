"""Organisation settings and membership forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..i18n import SUPPORTED_LANGUAGES
from ..validators import CxForm, HEX_COLOUR_RE, SLUG_RE, email_check, no_control_chars
from .models import Role


def role_choices(include_consultant: bool) -> list[tuple[str, str]]:
    """Return the role options a member form offers (only consultants grant consultant)."""
    return [(r.value, r.label) for r in Role if include_consultant or r != Role.CONSULTANT]


class OrgCreateForm(CxForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    slug = StringField(
        _l("Short name in URLs"),
        validators=[
            Optional(),
            Length(max=60),
            Regexp(SLUG_RE, message=_l("Use lower-case letters, digits and dashes.")),
        ],
    )
    industry = StringField(_l("Industry"), validators=[Length(max=120), no_control_chars])
    language = SelectField(_l("Language"), choices=list(SUPPORTED_LANGUAGES.items()), default="en")
    submit = SubmitField(_l("Create organisation"))


class OrgSettingsForm(CxForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    industry = StringField(_l("Industry"), validators=[Length(max=120), no_control_chars])
    language = SelectField(_l("Language"), choices=list(SUPPORTED_LANGUAGES.items()))
    service_promise = TextAreaField(
        _l("Service promise"),
        validators=[Length(max=4000)],
        description=_l("The promise every employee keeps to every customer, in a few sentences."),
    )
    brand_firm_name = StringField(_l("Report prepared by (firm)"), validators=[Length(max=200), no_control_chars])
    brand_accent = StringField(
        _l("Report accent colour"),
        validators=[Optional(), Regexp(HEX_COLOUR_RE, message=_l("Use a colour like #1f5f8b."))],
    )
    logo = FileField(_l("Logo (PNG or JPEG, at most 2 MB)"))
    benchmark_opt_out = BooleanField(
        _l("Keep our results out of the benchmark of other clients"),
        description=_l(
            "The consultancy compares each client anonymously with its other clients (never by name, only "
            "quartiles of at least five). Tick this to not contribute; you still see your own benchmark."
        ),
    )
    submit = SubmitField(_l("Save settings"))


class MemberAddForm(CxForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), email_check])
    name = StringField(_l("Name (for people new to cxgov)"), validators=[Length(max=200), no_control_chars])
    role = SelectField(_l("Role"), choices=role_choices(True))
    submit = SubmitField(_l("Add member"))


class MemberRoleForm(CxForm):
    role = SelectField(_l("Role"), choices=role_choices(True))
    submit = SubmitField(_l("Change role"))


class EmptyForm(CxForm):
    """A form with only its CSRF token, for buttons that post."""

    submit = SubmitField(_l("Confirm"))
