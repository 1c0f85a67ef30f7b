"""``flask … --help`` speaks the command line's language (CXGOV_LANG, else the shell's locale).

The tree of cxgov's commands is walked from ``cxgov.cli.COMMANDS``, so a command added later is
held to the same standard: its help, its short help and every option's help differ from the
English in sv, da and nb (a help text the extraction missed stays English and fails here).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup
from packaging.requirements import Requirement
from packaging.version import Version

from cxgov.cli import COMMANDS
from cxgov.cli_help import CliCommand, TranslatedHelp, cli_gettext, cli_help_texts, option_help_record

LANGUAGES = ["sv", "da", "nb"]
#: Option help texts that may read the same in a language as in English (codes and names only).
SAME_AS_ENGLISH: set[tuple[str, str]] = set()


def command_tree() -> Iterator[tuple[str, click.Command]]:
    """Yield ("report pdf", command) for every cxgov group and command, depth first."""

    def walk(path: str, command: click.Command) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                yield from walk(f"{path} {name}", sub)

    for group in COMMANDS():
        yield from walk(group.name or "", group)


COMMAND_TREE = list(command_tree())


def help_in(lang: str, command: click.Command, name: str, monkeypatch) -> dict[str, object]:
    """Render what --help shows of ``command`` in ``lang``: its help, short help and option rows."""
    monkeypatch.setenv("CXGOV_LANG", lang)
    ctx = click.Context(command, info_name=name.split()[-1])
    options = {
        param.name: record
        for param in command.get_params(ctx)
        if isinstance(param, click.Option) and (record := option_help_record(param, ctx)) is not None
    }
    return {"help": command.help, "short": command.get_short_help_str(), "options": options}


def test_the_walk_finds_every_group_and_command():
    paths = [path for path, _command in COMMAND_TREE]
    assert {"report", "report pdf", "report batch", "register import", "org export", "token create"} <= set(paths)
    assert len(paths) > 40


def _flags(spec: str) -> list[str]:
    """Return an option's spellings from its help row's left column ("-o, --output FILE")."""
    return [word.rstrip(",") for word in spec.split() if word.startswith("-")]


@pytest.mark.parametrize("path,command", COMMAND_TREE, ids=[path for path, _command in COMMAND_TREE])
def test_every_help_text_is_translated(path, command, monkeypatch):
    assert isinstance(command, TranslatedHelp), (
        f"`flask {path}` is a plain {type(command).__name__}: create it with CliGroup / cls=CliCommand "
        "(cxgov.cli_help) so its --help is translated"
    )
    english = help_in("en", command, path, monkeypatch)
    assert english["help"], f"`flask {path}` has no help text"
    for lang in LANGUAGES:
        shown = help_in(lang, command, path, monkeypatch)
        assert shown["help"] != english["help"], f"{lang}: `flask {path}` help is English: {english['help']!r}"
        assert shown["short"] != english["short"], f"{lang}: `flask {path}` short help is English"
        for name, (spec, text) in english["options"].items():  # type: ignore[attr-defined]
            translated_spec, translated = shown["options"][name]  # type: ignore[index]
            # the option's names stay as typed; its metavar may be a translated type name (FILE: FIL)
            assert _flags(translated_spec) == _flags(spec)
            assert text, f"`flask {path}` option {spec} has no help text"
            if (path, name) not in SAME_AS_ENGLISH:
                assert translated != text, f"{lang}: `flask {path}` option {spec} help is English: {text!r}"


@pytest.mark.parametrize("path,command", COMMAND_TREE, ids=[path for path, _command in COMMAND_TREE])
def test_no_short_help_is_cut_inside_parentheses(path, command, monkeypatch):
    # click ends the short help at the first ". " it meets, so an "e.g. 2026-Q3" in the first
    # sentence listed `flask report` as "pdf  Write ORG's gap report for PERIOD (e.g."
    for lang in ("en", *LANGUAGES):
        monkeypatch.setenv("CXGOV_LANG", lang)
        short = command.get_short_help_str(limit=200)  # wide enough that only a sentence end cuts
        assert short.count("(") == short.count(")"), f"{lang}: `flask {path}` short help is cut: {short!r}"


def test_help_is_translated_without_an_app_context(monkeypatch):
    """Click builds help outside any request, and `flask --help` lists groups before a context exists."""
    report = next(command for path, command in COMMAND_TREE if path == "report")
    monkeypatch.setenv("CXGOV_LANG", "sv")
    assert report.get_short_help_str(limit=80) == "Gaprapporter som PDF eller Word, för en organisation eller alla."
    monkeypatch.setenv("CXGOV_LANG", "da")
    assert report.help == "Gabrapporter som PDF eller Word, for én organisation eller dem alle."


def test_report_pdf_help_in_swedish(runner):
    result = runner.invoke(args=["report", "pdf", "--help"], env={"CXGOV_LANG": "sv"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Användning: cxgov report pdf [FLAGGOR] ORG_SLUG PERIOD")  # the runner names it cxgov
    assert "Skriv ORG:s gaprapport för PERIOD (ett kvartal: 2026-Q3) till en PDF-fil." in out
    assert "Flaggor:" in out
    assert "Vart PDF-filen ska skrivas.  [obligatorisk]" in out
    assert "Dokumentets språk (standard: organisationens språk)." in out
    assert "Visa det här meddelandet och avsluta." in out
    for english in ("Usage:", "Options:", "Where to write", "required", "Show this message"):
        assert english not in out


def test_the_shell_locale_decides_without_cxgov_lang(runner):
    result = runner.invoke(args=["mail", "send-pending", "--help"], env={"CXGOV_LANG": None, "LC_ALL": None,
                                                                "LC_MESSAGES": None, "LANG": "da_DK.UTF-8"})
    assert result.exit_code == 0, result.output
    assert "Send højst så mange beskeder.  [standard: 500]" in result.output
    assert "Brug:" in result.output and "Tilvalg:" in result.output


def test_english_help_stays_as_written(runner):
    result = runner.invoke(args=["report", "pdf", "--help"], env={"CXGOV_LANG": "en"})
    assert "Usage: cxgov report pdf" in result.output
    assert "Write ORG's gap report for PERIOD (a quarter: 2026-Q3) to a PDF file." in result.output
    assert "Where to write the PDF.  [required]" in result.output
    assert "Show this message and exit." in result.output


def test_flask_help_lists_the_groups_in_norwegian(app):
    """`flask --help` (Flask's own group) shows each cxgov group's short help in the language."""
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), ["--help"], env={"CXGOV_LANG": "nb"})
    assert result.exit_code == 0, result.output
    assert "  report     Gaprapporter som PDF eller Word" in result.output
    assert "Administrer brukerkontoer." in result.output
    assert "Manage user accounts." not in result.output


def test_group_help_lists_subcommands_in_the_language(runner):
    result = runner.invoke(args=["framework", "--help"], env={"CXGOV_LANG": "nb"})
    assert "Kommandoer:" in result.output
    assert "Kontroller én rammeverksfil; skriv ut hvert problem og..." in result.output


SOURCE = '''
import click

group = CliGroup("thing", help="The things.")


@group.command("make")
@click.option("--size", help="How big it is.")
def make_command(size):
    """Make a thing.

    Longer text.
    """


@group.command("keep", help="Keep it.")
def keep_command():
    """Not the help: the decorator names its own."""


def helper():
    """Not a command."""
'''


def test_the_extraction_finds_docstrings_and_help_texts():
    texts = [text for _line, text in cli_help_texts(SOURCE)]
    assert sorted(texts) == sorted(["The things.", "How big it is.", "Make a thing.\n\nLonger text.", "Keep it."])


def _an_option_help() -> str:
    """Return the help text of an existing command's option (its catalogue entries exist)."""
    for _path, command in COMMAND_TREE:
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                return param.help
    raise AssertionError("no cxgov option has a help text")


def test_argument_help_is_translated_too(monkeypatch):
    """No cxgov argument documents itself yet; one that does gets the same treatment."""
    text = _an_option_help()
    command = CliCommand("show", params=[click.Argument(["period"], help=text)])
    monkeypatch.setenv("CXGOV_LANG", "sv")
    translated = cli_gettext(text)
    assert translated != text
    context = click.Context(command, info_name="show", terminal_width=400, max_content_width=400)
    page = command.get_help(context)
    assert f"Positionsargument:\n  PERIOD  {translated}\n" in page


def test_help_pages_survive_an_argument_without_help(monkeypatch):
    """requirements.txt pins click 8.5+; on an older click (no Argument.help) a command with an
    argument still gets its help page instead of an AttributeError."""
    command = CliCommand("show", help="Show.", params=[click.Argument(["period"]),
                                                       click.Option(["--size"], help=_an_option_help())])
    argument, option = command.params
    del argument.help  # as on click < 8.5
    monkeypatch.setenv("CXGOV_LANG", "sv")
    page = command.get_help(click.Context(command, info_name="show"))
    assert "--size" in page
    assert "Positionsargument" not in page


def test_requirements_pin_the_click_the_help_pages_use():
    lines = Path(__file__).parents[2].joinpath("requirements.txt").read_text().splitlines()
    pins = [Requirement(line) for line in lines if line.lower().startswith("click")]
    assert len(pins) == 1
    assert Version(version("click")) in pins[0].specifier
    assert Version("8.4.99") not in pins[0].specifier  # Argument.help arrived in 8.5
