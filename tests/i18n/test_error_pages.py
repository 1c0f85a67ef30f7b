"""Error pages speak the reader's language for every HTTP error, not Werkzeug's English."""
from __future__ import annotations

import html

import pytest
from flask import abort
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from tests.conftest import login_as


@pytest.mark.parametrize(("code", "english"), [(429, "Too many requests"), (410, "The request could not be handled"),
                                               (404, "Not found")])
def test_error_pages_are_in_the_browsers_language(app, make_user, code, english):
    app.add_url_rule(f"/_fail/{code}", f"fail_{code}", lambda: abort(code))
    client = app.test_client()
    login_as(client, make_user())  # no language of their own: the browser's counts
    for lang in ("sv", "da", "nb"):
        response = client.get(f"/_fail/{code}", headers={"Accept-Language": lang})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == code and f'<html lang="{lang}"' in page
        with force_locale(lang):
            translated = babel_gettext(english)
        assert translated != english and translated in page, (lang, translated)
        assert "Too Many Requests" not in page and "Gone" not in page
