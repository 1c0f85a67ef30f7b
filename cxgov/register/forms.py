"""Register forms. Choices (people, journeys, channels) are filled per request from the org's data."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..fields import DateField
from ..validators import CxForm, email_check, no_control_chars
from .models import CHANNEL_KINDS, CX_ROLE_KINDS, STAGES, channel_kind_label, cx_role_label


def optional_id(value: Any) -> int | None:
    """Coerce a select value to an id; "" (the "nobody" choice) becomes None."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid choice: the field reports "Not a valid choice"


def version_check(_form: object, field: Any) -> None:
    """The hidden version must be a number (a tampered value is refused, not a 500)."""
    if field.data and not str(field.data).isdigit():
        raise ValidationError(_l("The form is damaged; reload the page."))


class VersionedForm(CxForm):
    #: The row's version_id when the form was opened (optimistic locking).
    version_id = HiddenField(validators=[version_check])

    def version(self) -> int | None:
        """Return the version the editor started from, if the form carried one."""
        return int(self.version_id.data) if self.version_id.data else None


def person_options(people: list, blank: Any) -> list[tuple[Any, str]]:
    """Return select options for people: a blank choice, then "Name (inactive)" where needed."""
    options: list[tuple[Any, str]] = [("", str(blank))]
    for person in people:
        label = person.name + (f" – {person.title}" if person.title else "")
        if not person.active:
            label += " " + str(_l("(inactive)"))
        options.append((person.id, label))
    return options


class PersonForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254), email_check],
        description=_l("Optional; imports find people and owners by e-mail."),
    )
    title = StringField(_l("Title"), validators=[Length(max=200), no_control_chars])
    department = StringField(_l("Department"), validators=[Length(max=200), no_control_chars])
    user_id = SelectField(
        _l("cxgov account"),
        coerce=optional_id,
        validate_choice=True,
        description=_l("Link the person to a member of this organisation, if they have an account."),
    )


class ChannelForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    kind = SelectField(_l("Kind"), choices=[])
    manager_id = SelectField(_l("Channel manager"), coerce=optional_id)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, channel_kind_label(k)) for k in CHANNEL_KINDS]


class JourneyForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    owner_id = SelectField(_l("Journey owner"), coerce=optional_id)


class TouchpointForm(VersionedForm):
    journey_id = SelectField(_l("Journey"), coerce=optional_id, validators=[DataRequired()])
    channel_id = SelectField(_l("Channel"), coerce=optional_id, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    stage = StringField(
        _l("Stage"),
        validators=[Length(max=100), no_control_chars],
        description=LazyString(lambda: _("E.g. %(stages)s.", stages=", ".join(_(s) for s in STAGES))),
    )
    owner_id = SelectField(_l("Owner"), coerce=optional_id)
    desired_feeling = StringField(
        _l("Feeling the customer should have"), validators=[Length(max=300), no_control_chars]
    )
    kpi = StringField(_l("KPI that shows it"), validators=[Length(max=200), no_control_chars])
    kpi_target = StringField(_l("KPI target"), validators=[Length(max=100), no_control_chars])
    hygiene_factor = BooleanField(_l("Hygiene factor (customers only notice it when it fails)"))
    last_reviewed = DateField(_l("Last reviewed"), validators=[Optional()])


class CxRoleForm(VersionedForm):
    person_id = SelectField(_l("Person"), coerce=optional_id, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=[])
    since = DateField(_l("Since"), validators=[DataRequired()])
    until = DateField(_l("Until"), validators=[Optional()], description=_l("Leave empty while the role is held."))
    note = StringField(_l("Note"), validators=[Length(max=500), no_control_chars])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(k, cx_role_label(k)) for k in CX_ROLE_KINDS]


class MandateForm(VersionedForm):
    holder = StringField(
        _l("Who may decide (role or team)"), validators=[DataRequired(), Length(max=200), no_control_chars]
    )
    decision = TextAreaField(_l("What they may decide on the spot"), validators=[DataRequired(), Length(max=500)])
    limit = StringField(
        _l("Limit"), validators=[Length(max=200), no_control_chars], description=_l("E.g. “up to 2,000 SEK”.")
    )
    channel_id = SelectField(_l("Channel"), coerce=optional_id)


class PersonRemoveForm(VersionedForm):
    ownership = RadioField(
        _l("What happens to what they own?"),
        default="reassign",
        choices=[("reassign", _l("Hand it over to")), ("unowned", _l("Leave it unowned"))],
    )
    reassign_to = SelectField(_l("New owner"), coerce=optional_id)

    def validate_reassign_to(self, field: Any) -> None:
        if self.ownership.data == "reassign" and not field.data:
            raise ValidationError(_l("Choose who takes over, or leave it unowned."))


class VersionOnlyForm(VersionedForm):
    """A post button (deactivate, reactivate) that carries the version it was shown with."""
