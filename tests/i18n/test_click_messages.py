"""Click's own messages (Usage:, Error: Missing argument, No such option, Try ... --help) speak
the command line's language: CXGOV_LANG, else the shell's locale (cxgov.cli_help)."""

from __future__ import annotations

import gettext
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po

from cxgov.cli_help import CLI_CONTEXT, CLICK_MODULES, click_messages, click_messages_install

REPO = Path(__file__).resolve().parents[2]
#: What ``flask report pdf`` with no arguments and ``flask report pdf --bogus`` say, per language.
EXPECTED = {
    "sv": ("Användning:", "Prova 'cxgov report pdf --help' för hjälp.", "Fel: Argument saknas 'ORG_SLUG'.",
           "Fel: Det finns ingen flagga '--bogus'.", "Flaggor", "Visa det här meddelandet och avsluta."),
    "da": ("Brug:", "Prøv 'cxgov report pdf --help' for hjælp.", "Fejl: Manglende argument 'ORG_SLUG'.",
           "Fejl: Der er intet tilvalg '--bogus'.", "Tilvalg", "Vis denne besked, og afslut."),
    "nb": ("Bruk:", "Prøv 'cxgov report pdf --help' for hjelp.", "Feil: Mangler argument 'ORG_SLUG'.",
           "Feil: Det finnes ikke noe valg '--bogus'.", "Valg", "Vis denne meldingen og avslutt."),
}

#: click's "[OPTIONS]" in the usage line
OPTIONS = {"sv": "[FLAGGOR]", "da": "[TILVALG]", "nb": "[VALG]"}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_click_errors_and_usage_are_in_the_cli_language(runner, lang):
    usage, try_help, missing, no_option, options, show_help = EXPECTED[lang]
    result = runner.invoke(args=["report", "pdf"], env={"CXGOV_LANG": lang})
    assert result.exit_code == 2
    lines = [" ".join(line.split()) for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith(f"{usage} ") and "report pdf" in lines[0], lines
    assert f"report pdf {OPTIONS[lang]} ORG_SLUG PERIOD" in lines[0], lines
    assert try_help in lines, lines
    assert missing in lines, lines
    assert "Usage:" not in result.output and "Error:" not in result.output and "Missing" not in result.output

    result = runner.invoke(args=["report", "pdf", "--bogus"], env={"CXGOV_LANG": lang})
    assert no_option in result.output, result.output
    assert "No such option" not in result.output

    result = runner.invoke(args=["report", "pdf", "--help"], env={"CXGOV_LANG": lang})
    assert result.exit_code == 0 and options in result.output and show_help in result.output


def test_english_stays_click_s_own_words(runner):
    result = runner.invoke(args=["report", "pdf"], env={"CXGOV_LANG": "en"})
    assert "Usage: cxgov report pdf [OPTIONS] ORG_SLUG PERIOD" in result.output
    assert "Error: Missing argument 'ORG_SLUG'." in result.output
    assert "Try 'cxgov report pdf --help' for help." in result.output


def test_the_flask_command_itself_speaks_the_language():
    """The real entry point, as an operator types it: `CXGOV_LANG=sv .venv/bin/flask report pdf`."""
    flask = Path(sys.executable).with_name("flask")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "LANG"))}
    env.update(CXGOV_LANG="sv", FLASK_APP="cxgov:create_app", CXGOV_DATABASE_URL="sqlite://")
    done = subprocess.run([str(flask), "report", "pdf"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Användning: flask report pdf" in done.stderr, done.stderr
    assert "Prova 'flask report pdf --help' för hjälp." in done.stderr
    assert "Fel: Argument saknas 'ORG_SLUG'." in done.stderr


def test_every_click_module_that_speaks_is_installed():
    """A click upgrade that adds a module saying something through gettext fails here, not silently."""
    folder = Path(click.__file__).parent
    speaking = {
        f"click.{path.stem}"
        for path in folder.glob("*.py")
        if re.search(r"^from gettext import", path.read_text(encoding="utf-8"), re.M)
    }
    assert speaking - {"click._winconsole"} == set(CLICK_MODULES)
    click_messages_install()
    click_messages_install()  # a second call changes nothing
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        assert getattr(module, "_", None) is not gettext.gettext, name
        assert getattr(module, "ngettext", None) is not gettext.ngettext, name


@pytest.mark.parametrize("lang", ["sv", "da", "nb"])
def test_the_catalogues_hold_click_s_messages(lang):
    """Every message click_messages extracts is in the catalogue, under the command line's context."""
    with open(REPO / f"translations/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    extracted = list(click_messages())
    assert len(extracted) > 50
    for _line, function, message, _comments in extracted:
        assert message[0] == CLI_CONTEXT
        msgid = message[1] if function == "pgettext" else (message[1], message[2])
        entry = catalogue.get(msgid, context=CLI_CONTEXT)
        assert entry is not None and entry.string, (lang, msgid)
