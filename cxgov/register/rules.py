"""The register's rules: one wording and one check, whichever way a row is written.

Which field a rule applies to is declared in :mod:`cxgov.register.tables`. The checks that
need no database are here (pure: the spreadsheet reader types each cell, then checks it with
:func:`field_check` and :func:`row_check`); the one write path
(:mod:`cxgov.register.write`) runs the same checks and adds those that need the register
(unique within the organisation, an active person, same-organisation references, a person's
cxgov account: a member of the organisation, linked to no other person of it).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from flask_babel import gettext as _
from flask_babel import ngettext

from ..validators import is_email, normalise_email, text_is_clean
from .tables import RegisterField, RegisterTable


def inactive_person(name: str, refusal: str) -> str:
    """Return the refusal for giving an inactive person a field, from the field's declared sentence."""
    return _(refusal, name=name)


def account_not_member() -> str:
    """Return the refusal for linking a person to a cxgov account that is not a member of the organisation."""
    return _("The cxgov account chosen is not a member of this organisation.")


def account_taken(account: str, name: str) -> str:
    """Return the refusal for linking a second person of an organisation to one cxgov account."""
    return _("The cxgov account %(account)s is already linked to %(name)s.", account=account, name=name)


def date_order() -> str:
    """Return the refusal for an end date before its start date."""
    return _("The end date cannot be before the start date.")


def not_future(refusal: str) -> str:
    """Return the refusal for a date that lies in the future, from the field's declared sentence."""
    return _(refusal)


def _label(declared: RegisterField) -> str:
    return str(declared.label)


def field_check(declared: RegisterField, value: Any) -> tuple[Any, str | None]:
    """Return ``(value as stored, None)`` or ``(None, refusal)`` for one declared field's value.

    Required, length, control characters, e-mail, choices and not-in-the-future: the
    spreadsheet import types each cell and then checks it here too, so the words are the same.
    References are checked against the register by the write path.
    """
    if isinstance(value, str):
        value = normalise_email(value) if declared.kind == "email" else value.strip()
    if value is None or value == "":
        if declared.required:
            return None, _("“%(field)s” is required.", field=_label(declared))
        if declared.kind in ("text", "choice"):
            return "", None
        if declared.kind == "bool":
            return bool(declared.default), None
        return None, None
    if isinstance(value, str):
        if declared.max_length is not None and len(value) > declared.max_length:
            return None, ngettext(
                "“%(field)s” is too long (at most %(num)d character).",
                "“%(field)s” is too long (at most %(num)d characters).",
                declared.max_length,
                field=_label(declared),
            )
        if not text_is_clean(value, multiline=declared.multiline):
            return None, _("“%(field)s” contains control characters.", field=_label(declared))
    if declared.kind == "email" and not is_email(value):
        return None, _("“%(email)s” is not a valid e-mail address.", email=value)
    if declared.kind == "choice" and value not in declared.choices:
        return None, _(
            "“%(value)s” is not a choice of “%(field)s”; use one of: %(choices)s.",
            value=value,
            field=_label(declared),
            choices=", ".join(declared.choices),
        )
    if declared.kind == "date":
        if not isinstance(value, date):
            return None, _("“%(field)s” is not a date.", field=_label(declared))
        if declared.not_future and value > date.today():
            return None, not_future(declared.not_future)
    if declared.kind == "bool":
        return bool(value), None
    return value, None


def row_check(table: RegisterTable, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return ``(field, refusal)`` for each table-wide rule a row's checked values break (date order)."""
    problems = []
    if table.date_order:
        start, end = (values.get(name) for name in table.date_order)
        if start is not None and end is not None and end < start:
            problems.append((table.date_order[1], date_order()))
    return problems
