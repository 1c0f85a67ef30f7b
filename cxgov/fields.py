"""Form fields shared by every feature's forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField as _WTFormsDateField


class DateField(_WTFormsDateField):
    """A date field whose error says the format it expects.

    Browsers without a date picker (and people who type) send text; WTForms' own
    "Not a valid date value." gives no hint of what would be valid (WCAG 3.3.3).
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter the date as YYYY-MM-DD, for example 2026-03-31.")) from None
