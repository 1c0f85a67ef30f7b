"""The register's rules as messages: one wording, whichever way a row is written.

The services (forms, CLI, org set-up) raise these messages; the spreadsheet import reports
them at the row and column that break the rule. Which field a rule applies to is declared in
:mod:`cxgov.register.tables`.
"""

from __future__ import annotations

from flask_babel import gettext as _


def inactive_person(name: str, refusal: str) -> str:
    """Return the refusal for giving an inactive person a field, from the field's declared sentence."""
    return _(refusal, name=name)


def date_order() -> str:
    """Return the refusal for an end date before its start date."""
    return _("The end date cannot be before the start date.")


def not_future(refusal: str) -> str:
    """Return the refusal for a date that lies in the future, from the field's declared sentence."""
    return _(refusal)
