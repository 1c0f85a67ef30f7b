"""The commands cxgov's ``flask`` carries from other packages (Flask's run, shell, routes and the
``flask`` group itself, Flask-Migrate's db, flask-smorest's openapi) and click's type names
(TEXT, INTEGER, FILE) speak the command line's language too (cxgov.cli_help).

Their English comes from the installed packages: after an upgrade that changes a text, or a new
extension that brings its own commands, a test here fails until the catalogue has them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask.cli import cli as flask_cli

from cxgov.cli_help import (
    BUILTIN_COMMANDS,
    CLI_CONTEXT,
    TranslatedHelp,
    TypeName,
    builtin_help_texts,
    command_help_texts,
    type_name_source,
)
from cxgov.messages import compiled_catalogue

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = ("sv", "da", "nb")


def catalogue(lang: str):
    with open(REPO / f"translations/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle)


def flask_tree(app) -> Iterator[tuple[str, click.Command]]:
    """Yield ("flask db upgrade", command) for every command an operator's ``flask`` shows, root first."""

    def walk(path: str, command: click.Command) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                yield from walk(f"{path} {name}", sub)

    yield "flask", flask_cli
    for name, command in sorted({**flask_cli.commands, **app.cli.commands}.items()):
        yield from walk(f"flask {name}", command)


def invoke(app, args: list[str], lang: str) -> click.testing.Result:
    """Run the real ``flask`` group (Flask's own, as the console script does) on the test app."""
    return CliRunner().invoke(
        flask_cli, args, obj=ScriptInfo(create_app=lambda: app), env={"CXGOV_LANG": lang}, prog_name="flask"
    )


def test_every_command_flask_shows_has_translated_help(app):
    """A command from another package that is not in BUILTIN_COMMANDS keeps English help: it fails here."""
    builtin = {id(command) for root in BUILTIN_COMMANDS for command in _walk(root)}
    for path, command in flask_tree(app):
        assert isinstance(command, TranslatedHelp), (
            f"`{path}` ({type(command).__module__}) shows English help: add its package's tree to "
            "cxgov.cli_help.BUILTIN_COMMANDS, run scripts/messages and translate"
        )
        if id(command) in builtin:
            for _where, text in command_help_texts(command):
                for lang in LANGUAGES:
                    translated = compiled_catalogue(lang).gettext(text)
                    assert translated != text, f"{lang}: `{path}` help is English: {text!r}"


def _walk(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _walk(sub)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_hold_the_installed_packages_help(lang):
    """What the installed Flask, Flask-Migrate and flask-smorest say is in the catalogue, translated;
    an upgrade that rewords one fails here until scripts/messages and a translator have run."""
    po = catalogue(lang)
    extracted = [text for _line, _function, text, _comments in builtin_help_texts()]
    assert {"Run a development server.", "Upgrade to a later version", "Show the Flask version."} <= set(extracted)
    for text in extracted:
        entry = po.get(text)
        assert entry is not None and entry.string and not entry.fuzzy, (lang, text)


def test_flask_run_help_in_swedish(app):
    result = invoke(app, ["run", "--help"], "sv")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Användning: flask run [FLAGGOR]")
    assert "Kör en lokal utvecklingsserver." in out
    assert "Servern är endast avsedd för utveckling." in out
    assert "-p, --port HELTAL" in out and "Porten som servern lyssnar på." in out
    assert "-h, --host TEXT" in out  # the Swedish word is "text" too
    assert "--cert SÖKVÄG" in out and "--key FIL" in out and "--extra-files SÖKVÄG" in out
    assert "Visa det här meddelandet och avsluta." in out
    for english in ("Usage:", "Options:", "Run a local", "INTEGER", "PATH", "The port to bind", "Show this message"):
        assert english not in out, english


def test_flask_help_in_norwegian_lists_flask_s_commands_in_the_language(app):
    result = invoke(app, ["--help"], "nb")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Bruk: flask [VALG] KOMMANDO [ARGUMENTER]...")
    assert "Et generelt hjelpeskript for Flask-programmer." in out
    assert "-e, --env-file FIL" in out and "Vis Flask-versjonen." in out
    for line in ("db         Kjør databasemigreringer.", "run        Kjør en utviklingsserver.",
                 "shell      Kjør et skall i programmets kontekst.", "routes     Vis programmets ruter.",
                 "openapi    OpenAPI-kommandoer."):
        assert line in out, line
    assert "Run a development server." not in out and "Perform database migrations." not in out


def test_flask_db_upgrade_and_shell_help_in_danish(app):
    result = invoke(app, ["db", "upgrade", "--help"], "da")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Brug: flask db upgrade [TILVALG] [REVISION]")
    assert "Opgrader til en senere version" in result.output
    assert "-d, --directory TEKST  Mappe med migreringsscripts (standard: \"migrations\")" in result.output
    result = invoke(app, ["db", "--help"], "da")
    assert "Brug: flask db [TILVALG] KOMMANDO [ARGUMENTER]..." in result.output
    assert "upgrade         Opgrader til en senere version" in result.output
    result = invoke(app, ["shell", "--help"], "da")
    assert "Kør en interaktiv Python-skal i konteksten af et Flask-program." in result.output


def test_english_stays_as_the_packages_wrote_it(app):
    result = invoke(app, ["run", "--help"], "en")
    assert "Usage: flask run [OPTIONS]" in result.output
    assert "-p, --port INTEGER" in result.output and "The port to bind to." in result.output
    result = invoke(app, ["db", "--help"], "en")
    assert "Usage: flask db [OPTIONS] COMMAND [ARGS]..." in result.output
    assert "Perform database migrations." in result.output


@pytest.mark.parametrize(
    "lang,expected",
    [
        ("sv", "Fel: Ogiltigt värde för '--port' / '-p': 'x' är inte ett giltigt heltal."),
        ("da", "Fejl: Ugyldig værdi for '--port' / '-p': 'x' er ikke et gyldigt heltal."),
        ("nb", "Feil: Ugyldig verdi for '--port' / '-p': 'x' er ikke et gyldig heltall."),
    ],
)
def test_a_type_s_name_in_an_error_is_in_the_language(app, lang, expected):
    result = invoke(app, ["run", "--port", "x"], lang)
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split()), result.output


def test_a_path_s_name_in_an_error_is_in_the_language(runner, tmp_path):
    result = runner.invoke(args=["report", "pdf", "org", "2026-Q3", "-o", str(tmp_path)], env={"CXGOV_LANG": "sv"})
    assert result.exit_code == 2
    assert f"Fil '{tmp_path}' är en katalog." in " ".join(result.output.split()), result.output


def test_every_type_a_command_uses_says_its_name_in_the_language(app):
    """Each parameter type of every command reads its name through the catalogue (a TypeName),
    and that name is translated in every catalogue."""
    entries = {lang: catalogue(lang) for lang in LANGUAGES}
    seen = set()
    for path, command in flask_tree(app):
        for param in command.params:
            cls = type(param.type)
            if cls in seen or isinstance(param.type, (click.Tuple, click.types.FuncParamType)):
                continue  # a tuple names its members; a function type is named after the function
            seen.add(cls)
            owner = next(klass for klass in cls.__mro__ if "name" in vars(klass))
            assert isinstance(vars(owner)["name"], TypeName), f"`{path}` {param.name}: {cls} keeps its English name"
            source = type_name_source(owner) or vars(param.type)["name"]
            for lang, po in entries.items():
                entry = po.get(source, context=CLI_CONTEXT)
                assert entry is not None and entry.string, (lang, source)
    assert {click.types.IntParamType, click.types.StringParamType, click.Path, click.Choice} <= seen


def test_the_flask_command_lists_flask_s_own_commands_in_the_language():
    """The real entry point: `CXGOV_LANG=sv .venv/bin/flask --help`. Flask writes the head of the page
    before it loads cxgov, so only the list of commands can be checked here (docs/i18n.md)."""
    flask = Path(sys.executable).with_name("flask")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "LANG"))}
    env.update(CXGOV_LANG="sv", FLASK_APP="cxgov:create_app", CXGOV_DATABASE_URL="sqlite://")
    done = subprocess.run([str(flask), "--help"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "db         Kör databasmigreringar." in done.stdout, done.stdout
    assert "run        Kör en utvecklingsserver." in done.stdout
    done = subprocess.run([str(flask), "db", "upgrade", "--help"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Användning: flask db upgrade [FLAGGOR] [REVISION]"), done.stdout
    assert "-d, --directory TEXT  Katalog för migreringsskript" in done.stdout
