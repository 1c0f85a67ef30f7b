"""Framework validation problems are shown in the reader's language: upload page and CLI.

Problems are built once (the catalogue is cached at start-up) and translated when read, so a
Swedish consultant and an English one see the same problem each in their own language.
"""
from __future__ import annotations

import html
import io

from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from cxgov.framework.loader import load_framework_text
from cxgov.i18n import cli_language
from tests.conftest import login_as
from tests.framework_app.conftest import BROKEN_TEXT

#: Broken on purpose: an unknown register check, a level missing, a weight that is text.
BROKEN = (BROKEN_TEXT
          .replace("weight: 1.5", "weight: heavy", 1)
          .replace("register_checks: [sponsor]", "register_checks: [no_such_check]", 1))


def _sv(text: str, **values) -> str:
    with force_locale("sv"):
        return babel_gettext(text, **values)


def test_a_swedish_consultant_sees_the_upload_problems_in_swedish(client, db, make_user):
    user = make_user(is_consultant=True, language="sv")
    login_as(client, user)
    response = client.post("/frameworks/upload", data={"file": (io.BytesIO(BROKEN.encode()), "broken.yaml")},
                           content_type="multipart/form-data")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 or 'data-testid="upload-problems"' in page
    assert 'lang="sv"' in page
    assert "okänd registerkontroll 'no_such_check'" in page
    assert "unknown register check" not in page
    # The same problems read in English by an English reader (nothing is frozen at load time).
    result = load_framework_text(BROKEN, "broken.yaml")
    with force_locale("en"):
        english = [p.message for p in result.problems]
    with force_locale("sv"):
        swedish = [p.message for p in result.problems]
    assert any("unknown register check 'no_such_check'" in m for m in english)
    assert all(s != e for s, e in zip(swedish, english)), list(zip(swedish, english))
    for message in swedish:
        assert message in page, message


def test_framework_validate_speaks_the_command_lines_language(app, runner, tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    english = runner.invoke(args=["framework", "validate", str(broken)])
    assert english.exit_code == 1 and "unknown register check 'no_such_check'" in english.output
    swedish = runner.invoke(args=["framework", "validate", str(broken)], env={"CXGOV_LANG": "sv"})
    assert swedish.exit_code == 1
    assert "okänd registerkontroll 'no_such_check'" in swedish.output
    assert "unknown register check" not in swedish.output
    # Without CXGOV_LANG the shell's own locale decides.
    monkeypatch.delenv("CXGOV_LANG")
    danish = runner.invoke(args=["framework", "validate", str(broken)], env={"LANG": "da_DK.UTF-8", "LC_ALL": None})
    assert "ukendt registertjek 'no_such_check'" in danish.output


def test_yaml_problems_and_anchor_refusals_are_translated(app):
    result = load_framework_text("a: &x 1\nb: *x\n", "bomb.yaml")
    with force_locale("nb"):
        message = result.problems[0].message
    assert message.startswith("er ikke gyldig YAML (linje 1, kolonne 4): definerer et anker (&x)"), message


def test_cli_language_reads_cxgov_lang_then_the_posix_locale():
    assert cli_language({"CXGOV_LANG": "da", "LANG": "sv_SE.UTF-8"}) == "da"
    assert cli_language({"LANG": "sv_SE.UTF-8"}) == "sv"
    assert cli_language({"LC_ALL": "C", "LANG": "sv_SE.UTF-8"}) == "en"  # the first one set decides
    assert cli_language({"LANG": "nn_NO.UTF-8"}) == "nb"
    assert cli_language({"LANG": "fr_FR.UTF-8"}) == "en"
    assert cli_language({}) == "en"
