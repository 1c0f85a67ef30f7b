"""Action plan forms: the action itself, a progress note, and the plan's filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..fields import DateField
from ..validators import CxForm, no_control_chars
from .models import ACTION_STATUSES, DESCRIPTION_MAX, DROP_REASON_MAX, NOTE_MAX, TITLE_MAX, status_label


def _int_or_none(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    if not isinstance(value, (str, int)):  # a choice id comes as text from the form or an int from the object
        raise ValueError("not a number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("not a number") from None


def status_choices() -> list[tuple[str, str]]:
    """Return (value, label) for every status."""
    return [(s, status_label(s)) for s in ACTION_STATUSES]


class ActionForm(CxForm):
    """Create or edit an action; choices are filled by the view from the register and framework."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX), no_control_chars])
    description = TextAreaField(_l("What to do"), validators=[Length(max=DESCRIPTION_MAX)])
    practice_id = SelectField(_l("Practice"), choices=[], validate_choice=True)
    touchpoint_id = SelectField(_l("Touchpoint"), choices=[], coerce=_int_or_none, validate_choice=True)
    owner_id = SelectField(_l("Owner"), choices=[], coerce=_int_or_none, validate_choice=True)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[])
    drop_reason = TextAreaField(_l("Why it was dropped"), validators=[Length(max=DROP_REASON_MAX)])
    version_id = HiddenField()
    submit = SubmitField(_l("Save action"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()

    def validate_description(self, field: StringField) -> None:
        if field.data and any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in field.data):
            raise ValidationError(_l("Remove the control characters."))

    validate_drop_reason = validate_description

    def validate_version_id(self, field: HiddenField) -> None:
        if field.data not in (None, "") and not str(field.data).isdigit():
            raise ValidationError(_l("The form is damaged; reload the page."))

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.practice_id.data and not self.touchpoint_id.data:
            self.practice_id.errors.append(_l("Choose the practice or the touchpoint the action improves."))
            ok = False
        if ok and self.status.data == "dropped" and not (self.drop_reason.data or "").strip():
            self.drop_reason.errors.append(_l("Say why the action is dropped."))
            ok = False
        return ok


class NoteForm(CxForm):
    """A dated progress note."""

    at = DateField(_l("Date"), validators=[Optional()])
    text = TextAreaField(_l("Progress note"), validators=[DataRequired(), Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Add note"))

    def validate_text(self, field: TextAreaField) -> None:
        if field.data and any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in field.data):
            raise ValidationError(_l("Remove the control characters."))
