"""Which language a page is shown in: the user's choice, the organisation's, the browser's, the default."""
from __future__ import annotations

import re

import pytest

from cxgov import i18n
from cxgov.i18n import SUPPORTED_LANGUAGES, browser_languages, language_resolve, report_language
from cxgov.orgs.models import Role

ALL = ("en", "sv", "da", "nb")


def resolve(**kw):
    kw.setdefault("user_choice", None)
    kw.setdefault("org_language", None)
    kw.setdefault("available", ALL)
    return language_resolve(**kw)


def test_norwegian_bokmal_is_supported() -> None:
    assert list(SUPPORTED_LANGUAGES) == ["en", "sv", "da", "nb"]


@pytest.mark.parametrize("kw, expected", [
    ({"user_choice": "da", "org_language": "en", "accept": [("sv", 1.0)]}, "da"),
    ({"org_language": "sv", "accept": [("da", 1.0)]}, "sv"),
    ({"respondent_choice": "nb", "org_language": "sv"}, "nb"),
    ({"user_choice": "da", "respondent_choice": "nb"}, "da"),
    ({"accept": [("de", 1.0), ("da-DK", 0.9), ("sv", 0.8)]}, "da"),
    ({"accept": [("nb-NO", 1.0)]}, "nb"),
    ({"accept": [("no", 1.0)]}, "nb"),
    ({"accept": [("fr", 1.0)]}, "en"),
    ({}, "en"),
    ({"default": "sv"}, "sv"),
    ({"user_choice": "xx", "org_language": "da"}, "da"),
])
def test_resolution_order(kw, expected) -> None:
    assert resolve(**kw) == expected


def test_a_language_without_a_catalogue_is_skipped_for_the_next_source() -> None:
    # The user chose Swedish, which has no catalogue yet: the organisation's Danish is shown,
    # so <html lang> never says Swedish over English text.
    assert resolve(user_choice="sv", org_language="da", available=("en", "da")) == "da"
    assert resolve(accept=[("sv", 1.0), ("da", 0.5)], available=("en", "da")) == "da"
    assert resolve(user_choice="sv", available=("en",)) == "en"


def test_browser_quality_wins_over_order() -> None:
    assert browser_languages([("en", 0.5), ("sv", 0.9), ("da", 0.9), ("x", 1.0)]) == ["sv", "da", "en"]
    assert browser_languages([("da", 0.0)]) == []


def test_report_language_defaults_to_the_organisation(monkeypatch) -> None:
    monkeypatch.setattr(i18n, "language_available", lambda lang, default="en": lang in ALL)
    assert report_language(None, "da") == "da"
    assert report_language("sv", "da") == "sv"
    assert report_language("xx", "nb") == "nb"


# -- in requests ------------------------------------------------------------------------------

@pytest.fixture
def every_catalogue(monkeypatch):
    """Pretend every catalogue is compiled, so the choice is visible in <html lang>."""
    monkeypatch.setattr(i18n, "language_available", lambda lang, default="en": lang in ALL)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_login_page_follows_the_browser(client, every_catalogue) -> None:
    assert html_lang(client.get("/login", headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"})) == "da"
    assert html_lang(client.get("/login", headers={"Accept-Language": "nb-NO"})) == "nb"
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr"})) == "en"


def test_own_choice_beats_the_organisation_which_beats_the_browser(client, login, make_org, make_member,
                                                                   db, every_catalogue) -> None:
    org = make_org(language="en")
    user = make_member(org, Role.SPONSOR)
    login(client, user)
    url = f"/o/{org.slug}/"
    assert html_lang(client.get(url, headers={"Accept-Language": "sv"})) == "en"  # the organisation's
    user.language = "da"
    db.session.commit()
    assert html_lang(client.get(url, headers={"Accept-Language": "sv"})) == "da"  # their own
    user.language = None
    org.language = "nb"
    db.session.commit()
    assert html_lang(client.get(url)) == "nb"
    # Outside an organisation: the user's choice, else the browser.
    assert html_lang(client.get("/account/language", headers={"Accept-Language": "sv"})) == "sv"


def test_account_page_saves_the_language(client, login, make_user, db, every_catalogue) -> None:
    user = make_user()
    login(client, user)
    page = client.get("/account/language")
    assert page.status_code == 200
    assert 'name="language"' in page.get_data(as_text=True)
    response = client.post("/account/language", data={"language": "da"}, follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.language == "da"
    assert html_lang(response) == "da"
    client.post("/account/language", data={"language": ""})
    db.session.refresh(user)
    assert user.language is None
    refused = client.post("/account/language", data={"language": "de"})
    assert refused.status_code == 200  # the form shows the error; nothing changed
    db.session.refresh(user)
    assert user.language is None
