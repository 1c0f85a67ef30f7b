"""Small validators shared by forms, imports and services."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

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


def no_control_chars(_form: object, field: Field) -> None:
    """WTForms validator: refuse control characters in one-line fields."""
    if field.data and any(ord(c) < 32 or ord(c) == 127 for c in str(field.data)):
        raise ValidationError(_l("Remove the control characters."))


def slugify(text: str) -> str:
    """Return a URL slug made from ``text`` (ASCII letters, digits and dashes)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O")
                                   .replace("æ", "ae").replace("Æ", "AE"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:60].strip("-") or "org"
