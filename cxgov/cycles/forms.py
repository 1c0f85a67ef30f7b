"""Cycle forms: creating a cycle, inviting respondents, due dates and submitting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..fields import DateField
from ..i18n import SUPPORTED_LANGUAGES
from ..validators import CxForm, email_check, no_control_chars
from .models import PERIOD_RE


class CycleCreateForm(CxForm):
    period = StringField(
        _l("Quarter"),
        validators=[
            DataRequired(),
            Length(max=7),
            no_control_chars,
            Regexp(PERIOD_RE, message=_l("Write the quarter like 2026-Q4.")),
        ],
        description=_l("One cycle per quarter, written like 2026-Q4."),
    )
    framework = SelectField(_l("Framework"), validators=[DataRequired()])
    profile = SelectField(
        _l("Target profile"),
        validators=[Optional()],
        validate_choice=False,
        description=_l(
            "Sets each practice's default target and which "
            "practices may be skipped. You can still change "
            "single targets before opening the cycle."
        ),
    )
    due_date = DateField(_l("Answers due"), validators=[Optional()])
    submit = SubmitField(_l("Create cycle"))


class RespondentAddForm(CxForm):
    user_id = SelectField(_l("Member"), coerce=int, validators=[DataRequired()])
    group = SelectField(_l("Respondent group"), validators=[DataRequired()])
    submit = SubmitField(_l("Invite"))


class DueDateForm(CxForm):
    due_date = DateField(_l("Answers due"), validators=[Optional()])
    submit = SubmitField(_l("Save due date"))


class SubmitAnswersForm(CxForm):
    confirm_gaps = BooleanField(_l("Submit even though some practices are unanswered"))
    submit = SubmitField(_l("Submit my answers"))


class RespondentExternalForm(CxForm):
    """Invite a person without an account: they answer through a personal link."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254), email_check])
    group = SelectField(_l("Respondent group"), validators=[DataRequired()])
    language = SelectField(
        _l("Language of mail and questions"),
        choices=[("", _l("The organisation's language")), *SUPPORTED_LANGUAGES.items()],
    )
    submit = SubmitField(_l("Add"))


class ReminderDaysForm(CxForm):
    """On which days before the due date reminders go out by themselves."""

    days = StringField(
        _l("Days before the due date"),
        validators=[
            Optional(),
            Length(max=40),
            no_control_chars,
            Regexp(
                r"^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*$",
                message=_l("Write whole numbers of days separated by commas, e.g. 7, 2."),
            ),
        ],
        description=_l("For example 7, 2: a reminder a week before and two days before. Leave empty for none."),
    )
    submit = SubmitField(_l("Save schedule"))

    def day_list(self) -> list[int]:
        """Return the typed days as numbers."""
        return [int(part) for part in (self.days.data or "").replace(" ", "").split(",") if part]
