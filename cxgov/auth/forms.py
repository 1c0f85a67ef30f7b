"""Login and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..i18n import SUPPORTED_LANGUAGES
from ..validators import CxForm, TranslatedMeta, email_check, no_control_chars

from .models import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    Meta = TranslatedMeta  # WTForms' own messages in the page's language

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField(_l("Keep me logged in"))
    submit = SubmitField(_l("Log in"))


def _strong_enough(_form: FlaskForm, field: PasswordField) -> None:
    if len(field.data or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


class SetPasswordForm(CxForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000), _strong_enough])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Save password"))


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1000)])


class NewUserForm(CxForm):
    """Used by admins to create consultant accounts."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), email_check])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    firm_name = StringField(_l("Firm"), validators=[Length(max=200), no_control_chars])
    submit = SubmitField(_l("Create consultant"))


class LanguageForm(CxForm):
    """A person's own language; empty follows the organisation (and the browser outside one)."""

    language = SelectField(
        _l("Language"),
        choices=[("", _l("The organisation's language")), *SUPPORTED_LANGUAGES.items()],
        description=_l(
            "The language of menus, pages, the framework and e-mails "
            "to you. Reports keep the organisation's language unless "
            "you choose another for a report."
        ),
    )
    submit = SubmitField(_l("Save language"))
