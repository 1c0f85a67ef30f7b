"""Cycle forms: creating a cycle, inviting respondents, due dates and submitting."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..validators import no_control_chars
from .models import PERIOD_RE


class CycleCreateForm(FlaskForm):
    period = StringField(_l("Quarter"), validators=[
        DataRequired(), Length(max=7), no_control_chars,
        Regexp(PERIOD_RE, message=_l("Write the quarter like 2026-Q4."))],
        description=_l("One cycle per quarter, written like 2026-Q4."))
    framework = SelectField(_l("Framework"), validators=[DataRequired()])
    profile = SelectField(_l("Target profile"), validators=[Optional()], validate_choice=False,
                          description=_l("Sets each practice's default target and which "
                                         "practices may be skipped. You can still change "
                                         "single targets before opening the cycle."))
    due_date = DateField(_l("Answers due"), validators=[Optional()])
    submit = SubmitField(_l("Create cycle"))


class RespondentAddForm(FlaskForm):
    user_id = SelectField(_l("Member"), coerce=int, validators=[DataRequired()])
    group = SelectField(_l("Respondent group"), validators=[DataRequired()])
    submit = SubmitField(_l("Invite"))


class DueDateForm(FlaskForm):
    due_date = DateField(_l("Answers due"), validators=[Optional()])
    submit = SubmitField(_l("Save due date"))


class SubmitAnswersForm(FlaskForm):
    confirm_gaps = BooleanField(_l("Submit even though some practices are unanswered"))
    submit = SubmitField(_l("Submit my answers"))
