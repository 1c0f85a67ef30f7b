"""Small validators shared by forms, imports and services."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import Field, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .messages import N_, N_plural

EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f.]+(\.[^@\s\x00-\x1f.]+)+$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
HEX_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def normalise_email(value: str) -> str:
    """Return the e-mail address as stored: trimmed and lower-cased."""
    return (value or "").strip().lower()


def is_email(value: str) -> bool:
    """Return True for a plausible single e-mail address."""
    return bool(EMAIL_RE.match(normalise_email(value))) and len(value) <= 254


def email_check(_form: object, field: Field) -> None:
    """WTForms validator: a plausible e-mail address."""
    if field.data and not is_email(field.data):
        raise ValidationError(_l("Enter a valid e-mail address."))


#: Characters no text may hold: C0 and C1 controls (NUL included: PostgreSQL refuses it in text,
#: SQLite stores it and the register's CSV export then cannot be read back) and lone surrogates.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: The same for multi-line text, which may hold tabs and line breaks.
_FORBIDDEN_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_is_clean(value: str, *, multiline: bool = False) -> bool:
    """Tell whether ``value`` is free of control characters (tab and line breaks allowed if multi-line).

    The one rule for every form field, import cell and package value.
    """
    return (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN).search(value) is None


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Return the message for text that breaks the rule of :func:`text_is_clean`, or None."""
    if text_is_clean(value, multiline=multiline):
        return None
    if "\x00" in value:
        return _("Remove the NUL character (an invisible character that cannot be stored).")
    if multiline:
        return _("Remove the control characters (only tabs and line breaks are allowed).")
    return _("Remove the control characters (tabs and line breaks are not allowed here).")


def no_control_chars(_form: object, field: Field) -> None:
    """WTForms validator: the shared text rule for one field (multi-line for text areas)."""
    if isinstance(field.data, str) and field.data:
        problem = text_problem(field.data, multiline=isinstance(field, TextAreaField))
        if problem:
            raise ValidationError(problem)


#: WTForms' own messages that cxgov's forms can show (DataRequired, Length, Regexp, the date,
#: integer and choice fields, CSRF). WTForms ships Swedish and bokmål but no Danish, so cxgov's
#: catalogue carries them in every language; the rest still comes from WTForms' catalogue.
WTFORMS_MESSAGES = frozenset(
    {
        N_("This field is required."),
        N_("Invalid input."),
        N_("Field must be between %(min)d and %(max)d characters long."),
        N_("Not a valid choice."),
        N_("Not a valid date value."),
        N_("Not a valid integer value."),
        N_("Invalid Choice: could not coerce."),
        N_("Invalid CSRF Token."),
        N_("CSRF token missing."),
        N_("CSRF failed."),
        N_("CSRF token expired."),
    }
)
WTFORMS_PLURALS = frozenset(
    {
        N_plural("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long."),
        N_plural("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters."),
        N_plural(
            "'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field."
        ),
    }
)


class FormTranslations:
    """WTForms' messages in the page's language: cxgov's catalogue first, then WTForms' own."""

    def gettext(self, string: str) -> str:
        if string in WTFORMS_MESSAGES:
            return str(get_translations().ugettext(string))
        return str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if (singular, plural) in WTFORMS_PLURALS:
            return str(get_translations().ungettext(singular, plural, n))
        return str(wtforms_translations.ngettext(singular, plural, n))


FORM_TRANSLATIONS = FormTranslations()


class TranslatedMeta(FlaskForm.Meta):
    """Form meta that shows WTForms' own messages through :class:`FormTranslations`."""

    def get_translations(self, form: Any) -> FormTranslations:
        return FORM_TRANSLATIONS


class CxForm(FlaskForm):
    """The base of every cxgov form: every text field obeys the shared text rule.

    Added here, once, rather than field by field, so that a field added tomorrow is covered
    (tests/security/test_text_rule.py fails for a form that does not derive from this class).
    Passwords are exempt: they are only ever hashed, never stored or shown.
    """

    Meta = TranslatedMeta

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        """Validate as FlaskForm does, with the text rule on every text field."""
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if (
                isinstance(field, StringField)
                and not isinstance(field, PasswordField)
                and no_control_chars not in field.validators
            ):
                extra.setdefault(name, []).append(no_control_chars)
        return super().validate(extra_validators=extra)


def slugify(text: str) -> str:
    """Return a URL slug made from ``text`` (ASCII letters, digits and dashes)."""

    folded = unicodedata.normalize(
        "NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("Æ", "AE")
    )
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:60].strip("-") or "org"
