"""WTForms' own messages ("This field is required.") appear in the page's language, Danish too.

WTForms ships Swedish and bokmål catalogues but no Danish one; cxgov's catalogue carries the
messages its forms can show (cxgov.validators.WTFORMS_MESSAGES), for every language.
"""
from __future__ import annotations

import html

import pytest
from flask_babel import force_locale

from cxgov.auth.forms import LoginForm
from cxgov.validators import FORM_TRANSLATIONS, WTFORMS_MESSAGES, WTFORMS_PLURALS

REQUIRED = {"en": "This field is required.", "sv": "Fältet är obligatoriskt.", "da": "Feltet skal udfyldes.",
            "nb": "Feltet må fylles ut."}


@pytest.mark.parametrize("lang", ["en", "sv", "da", "nb"])
def test_the_login_page_says_a_field_is_required_in_the_browsers_language(client, lang):
    page = client.post("/login", data={"email": "", "password": ""},
                       headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    assert REQUIRED[lang] in html.unescape(page)


def test_every_listed_message_is_translated_in_every_language(app):
    for lang in ("sv", "da", "nb"):
        with app.test_request_context(), force_locale(lang):
            for message in WTFORMS_MESSAGES:
                assert FORM_TRANSLATIONS.gettext(message) != message, (lang, message)
            for singular, plural in WTFORMS_PLURALS:
                assert FORM_TRANSLATIONS.ngettext(singular, plural, 2) != plural, (lang, plural)


def test_a_length_error_reads_in_danish(app):
    with app.test_request_context(method="POST", data={"email": "x" * 300, "password": "p"}), force_locale("da"):
        form = LoginForm(meta={"csrf": False})
        assert not form.validate()
        assert form.email.errors == ["Feltet må ikke være længere end 254 tegn."]
