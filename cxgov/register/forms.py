"""Register forms, built from the table declarations in :mod:`cxgov.register.tables`.

Each declared field becomes one control: its label, help, required-ness, length and choices
come from the declaration, so a field added to a table appears in its form without editing
this module. A reference (a person, a journey, a channel) is a select named ``<field>_id``,
filled per request with the organisation's active rows plus the row's current one. Every
form carries the row's ``version_id`` (optimistic locking) and, through Flask-WTF, its CSRF
token. The one form that is not a table's is the person removal (where ownership goes).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Callable, Mapping, Sequence, cast

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..auth.models import User
from ..fields import DateField
from ..validators import CxForm, email_check
from .models import Channel, Journey, Person
from .tables import TABLE_BY_KEY, RegisterField, RegisterTable
from .write import REFERENCE_KINDS

#: Text up to this many characters gets a one-line input even where line breaks are allowed
#: (a desired feeling is a phrase); longer text gets a text area.
SHORT_TEXT = 300

#: reference kind -> the first option of an optional select ("nobody", "every channel")
BLANK: dict[str, Any] = {"person": _l("— nobody —"), "channel": _l("— every channel —")}


def optional_id(value: Any) -> int | None:
    """Coerce a select value to an id; "" (the "nobody" choice) becomes None."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid choice: the field reports "Not a valid choice"


def version_check(_form: object, field: Field) -> None:
    """The hidden version must be a number (a tampered value is refused, not a 500)."""
    if field.data and not str(field.data).isdigit():
        raise ValidationError(_l("The form is damaged; reload the page."))


class VersionedForm(CxForm):
    #: The row's version_id when the form was opened (optimistic locking).
    version_id = HiddenField(validators=[version_check])

    def version(self) -> int | None:
        """Return the version the editor started from, if the form carried one."""
        return int(self.version_id.data) if self.version_id.data else None


class VersionOnlyForm(VersionedForm):
    """A post button (deactivate, reactivate) that carries the version it was shown with."""


def person_options(people: Sequence[Person], blank: Any = None) -> list[tuple[Any, str]]:
    """Return select options for people: a blank choice (if given), then "Name – title (inactive)"."""
    options: list[tuple[Any, str]] = [("", str(blank))] if blank is not None else []
    for person in people:
        label = person.name + (f" – {person.title}" if person.title else "")
        if not person.active:
            label += " " + _("(inactive)")
        options.append((person.id, label))
    return options


# --- forms from declarations --------------------------------------------------------------


def form_fields(table: RegisterTable) -> tuple[RegisterField, ...]:
    """Return the declared fields a form edits, required ones first, else in declaration order.

    ``active`` is left out: deactivate and reactivate set it.
    """
    return tuple(sorted((f for f in table.fields if f.name != "active"), key=lambda f: not f.required))


def control_name(declared: RegisterField) -> str:
    """Return the form control's name: ``owner_id`` for a reference, else the field's name."""
    return f"{declared.name}_id" if declared.kind in REFERENCE_KINDS else declared.name


def _help(declared: RegisterField) -> Any:
    if declared.help is not None:
        return declared.help
    if declared.suggestions:
        suggestions = declared.suggestions
        return LazyString(lambda: _("E.g. %(stages)s.", stages=", ".join(_(s) for s in suggestions)))
    return ""


def _choices(declared: RegisterField) -> Callable[[], list[tuple[str, str]]]:
    label = declared.choice_label or str
    return lambda: [(value, label(value)) for value in declared.choices]


def _control(declared: RegisterField) -> Field:
    """Return the unbound WTForms field for one declared field."""
    presence: list[Any] = [DataRequired()] if declared.required else [Optional()]
    length = [Length(max=declared.max_length)] if declared.max_length and declared.kind in ("text", "email") else []
    common: dict[str, Any] = {"label": declared.label, "description": _help(declared)}
    if declared.kind == "text":
        if declared.multiline and (declared.max_length or 0) > SHORT_TEXT:
            return TextAreaField(validators=[*presence, *length], **common)
        render_kw = {"list": f"{declared.name}-suggestions"} if declared.suggestions else None
        return StringField(validators=[*presence, *length], render_kw=render_kw, **common)
    if declared.kind == "email":
        return EmailField(validators=[Optional(), *length, email_check], **common)
    if declared.kind in REFERENCE_KINDS:
        return SelectField(coerce=optional_id, validators=presence[:1] if declared.required else [], **common)
    if declared.kind == "bool":
        return BooleanField(**common)
    if declared.kind == "date":
        return DateField(validators=presence, **common)
    if declared.kind == "choice":
        return SelectField(choices=_choices(declared), validators=presence[:1] if declared.required else [], **common)
    raise ValueError(f"no form control for field kind {declared.kind!r}")


#: table -> controls that are not spreadsheet fields, after the declared ones
EXTRA_CONTROLS: dict[str, Callable[[], dict[str, Field]]] = {
    "people": lambda: {
        "user_id": SelectField(
            _l("cxgov account"),
            coerce=optional_id,
            description=_l("Link the person to a member of this organisation, if they have an account."),
        )
    },
}


@cache
def table_form(key: str) -> type[VersionedForm]:
    """Return the form class of register table ``key``, one control per declared field."""
    table = TABLE_BY_KEY[key]
    controls: dict[str, Any] = {control_name(f): _control(f) for f in form_fields(table)}
    controls.update(EXTRA_CONTROLS.get(key, dict)())
    return type(f"{key.title().replace('_', '')}Form", (VersionedForm,), controls)


def _rows_offered(rows: Sequence[Journey] | Sequence[Channel], current: int | None) -> list[tuple[Any, str]]:
    """Return options for journeys or channels: the active ones and the row's current one."""
    return [
        (row.id, row.name if row.active else f"{row.name} {_('(inactive)')}")
        for row in rows
        if row.active or row.id == current
    ]


def choices_fill(
    form: VersionedForm,
    *,
    key: str,
    entity: Any,
    rows: Mapping[str, Sequence[Person] | Sequence[Journey] | Sequence[Channel]],
    members: Sequence[User] = (),
) -> None:
    """Fill the form's selects from rows read by the caller (:func:`queries.form_rows`).

    ``rows`` holds, per reference field, the rows to offer; journeys and channels are offered
    when active or the row's current one. ``members`` are the accounts a person may be linked to.
    """
    for declared in form_fields(TABLE_BY_KEY[key]):
        if declared.kind not in REFERENCE_KINDS:
            continue
        name = control_name(declared)
        current = getattr(entity, name, None) if entity is not None else None
        blank = None if declared.required else BLANK.get(declared.kind, "—")
        offered = rows[declared.name]
        options: list[tuple[Any, str]]
        if declared.kind == "person":
            options = person_options(cast("Sequence[Person]", offered), blank)
        else:
            places = cast("Sequence[Journey] | Sequence[Channel]", offered)
            options = ([("", str(blank))] if blank is not None else []) + _rows_offered(places, current)
        form[name].choices = options
    if key == "people":
        form["user_id"].choices = [("", _("— no account —"))] + [(u.id, f"{u.name} <{u.email}>") for u in members]


def form_prefill(form: VersionedForm, *, key: str, args: Any, today: Any) -> None:
    """Start a new row's form from the query string (``?journey=3``, ``?kind=complaints``) and today.

    Links such as a health check's "fix" ask for a complaints channel or an ambassador role.
    """
    for declared in form_fields(TABLE_BY_KEY[key]):
        control = form[control_name(declared)]
        value = args.get(declared.name)
        if declared.kind in REFERENCE_KINDS and value:
            control.data = optional_id(value)
        elif declared.kind == "choice" and value in declared.choices:
            control.data = value
        elif declared.kind == "date" and declared.required:
            control.data = today


def form_values(form: VersionedForm, *, key: str, lookup: Callable[[type, int], Any]) -> dict[str, Any]:
    """Return the form's declared fields as service arguments; references through ``lookup``."""
    values: dict[str, Any] = {}
    for declared in form_fields(TABLE_BY_KEY[key]):
        data = form[control_name(declared)].data
        if declared.kind in REFERENCE_KINDS:
            values[declared.name] = lookup(REFERENCE_KINDS[declared.kind], data) if data else None
        elif declared.kind == "email":
            values[declared.name] = data or None
        elif declared.kind == "text":
            values[declared.name] = data or ""
        else:
            values[declared.name] = data
    return values


class PersonRemoveForm(VersionedForm):
    ownership = RadioField(
        _l("What happens to what they own?"),
        default="reassign",
        choices=[("reassign", _l("Hand it over to")), ("unowned", _l("Leave it unowned"))],
    )
    reassign_to = SelectField(_l("New owner"), coerce=optional_id)

    def validate_reassign_to(self, field: Field) -> None:
        if self.ownership.data == "reassign" and not field.data:
            raise ValidationError(_l("Choose who takes over, or leave it unowned."))
