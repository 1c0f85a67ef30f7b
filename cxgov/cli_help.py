"""``flask ... --help`` in the command line's language, and the extraction of the help texts.

Click keeps a command's help (its docstring or ``help=``) and an option's ``help=`` as the
English text it was given when the module was imported, long before anyone asks for help, and
with no request and often no app context. So the English text stays the msgid, and
:class:`CliCommand` and :class:`CliGroup` translate it when the help is shown, through the
compiled catalogue of :func:`cxgov.i18n.cli_language` (``CXGOV_LANG``, else the shell's locale).
Click's own words around them ("Usage:", "Options", "[required]") come from cxgov's catalogue
too, so a Swedish help page has no English left but the option names and codes.

pybabel does not extract docstrings or bare ``help="..."`` texts; :func:`extract` (named in
babel.cfg) adds them to what Babel's Python extractor finds.

Click's own messages ("Error: Missing argument 'ORG'.", "No such option", "Try 'flask report
pdf --help' for help.") are built inside click through the standard library's module-level
``gettext`` (domain "messages"), which picks its language from the shell's locale variables only.
:func:`click_messages_install` points click's modules at :func:`click_gettext` instead, which
reads cxgov's catalogue in the command line's language; :func:`extract_with_click` (babel.cfg)
extracts click's msgids from click's installed source into it, in the context "command line".
The names of click's types (``TEXT``, ``INTEGER``, ``FILE`` in a help page, "not a valid integer"
in an error) are click's own words too: :func:`click_messages_install` makes each type read its
name through the catalogue.

Commands other packages made (Flask's ``run``, ``shell``, ``routes`` and the ``flask`` group
itself, Flask-Migrate's ``db``, flask-smorest's ``openapi``) are :data:`BUILTIN_COMMANDS`:
:func:`help_translate` gives each the help pages of cxgov's own, and :func:`builtin_help_texts`
extracts their English from the installed packages into the catalogue. Flask answers
``flask run --help`` (and the head of ``flask --help``) before it imports any app, so those
speak the language only in a process where cxgov is loaded (see docs/i18n.md).
"""

from __future__ import annotations

import ast
import gettext
import importlib
import importlib.util
import inspect
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import click
from babel.messages.extract import extract_python
from babel.support import NullTranslations
from flask import current_app
from flask.cli import AppGroup
from flask.cli import cli as flask_cli
from flask_migrate.cli import db as migrate_cli
from flask_smorest.spec import openapi_cli

from .i18n import cli_language
from .messages import N_, compiled_catalogue

#: What click's usage line says after a group's name, where the subcommand goes.
SUBCOMMAND_METAVAR = "COMMAND [ARGS]..."

#: The help of every command's --help option, click's own words (a marker: it is looked up as
#: the option's help text like any other).
HELP_OPTION = N_("Show this message and exit.")


def cli_gettext(text: str, **variables: Any) -> str:
    """Return ``text`` in the command line's language; works without an app, request or click context."""
    translated = _catalogue().gettext(text)
    return translated % variables if variables else translated


def cli_pgettext(context: str, text: str, **variables: Any) -> str:
    """Return ``text`` of ``context`` in the command line's language (``-k cli_pgettext:1c,2``).

    Click's own words on a help page have the context "command line": "Options" is also a column
    of the web pages, with another meaning.
    """
    translated = str(_catalogue().pgettext(context, text))
    return translated % variables if variables else translated


#: The context of the command line's own words (click's, and the help page's headings).
CLI_CONTEXT = "command line"

#: Click's modules that say something through the standard library's module-level gettext
#: (``from gettext import gettext as _``). click._winconsole is Windows only and says nothing an
#: operator reads. tests/i18n/test_click_messages.py fails when click gains another.
CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.shell_completion",
    "click.termui",
    "click.types",
    "click.utils",
    "click._termui_impl",
)

#: Click's messages to programmers (a command declared wrongly raises them as TypeError or
#: ValueError, never shown to an operator): not extracted, not translated.
CLICK_PROGRAMMER_MESSAGES = frozenset(
    {
        "Name '{name}' defined twice",
        "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
        "Did you mean to pass '--{name}'?",
        "Arguments take exactly one parameter declaration, got {length}: {decls}.",
        "Boolean option {decl!r} cannot use the same flag for true/false.",
        "Could not determine name for option with declarations {decls!r}",
        "Invalid start character for option ({option})",
        "Value must be an iterable.",
        "Unknown standard stream '{name}'",
        "Unknown color {colour!r}",
        "Choice({choices})",
    }
)


def click_gettext(message: str) -> str:
    """Return one of click's own messages in the command line's language (click calls it as ``_``)."""
    return str(_catalogue().pgettext(CLI_CONTEXT, message))


def click_ngettext(singular: str, plural: str, num: int) -> str:
    """Return one of click's own counted messages in the command line's language."""
    return str(_catalogue().npgettext(CLI_CONTEXT, singular, plural, num))


def click_messages_install() -> None:
    """Make click's own messages speak the command line's language (see the module docstring).

    Click's modules bound the standard library's ``gettext.gettext`` and ``gettext.ngettext`` at
    import; those names are replaced in each module, and only where they are still those
    functions, so a second call changes nothing.
    """
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if getattr(module, "_", None) is gettext.gettext:
            module._ = click_gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = click_ngettext  # type: ignore[attr-defined]
    click_types_install()


class TypeName:
    """A click type's ``name`` read in the command line's language: the metavar (``INTEGER``,
    ``FILE``) and the word in messages ("'x' is not a valid integer.", "File 'x' does not exist.").

    A data descriptor on the type's class; ``click.Path`` names each instance in ``__init__``
    (through click's ``_``, at import: English), so an instance's own name is its source.
    """

    def __init__(self, source: str | None) -> None:
        self.source = source

    def __get__(self, instance: object, owner: type | None = None) -> str | None:
        source = vars(instance).get("name", self.source) if instance is not None else self.source
        return click_gettext(source) if source else source

    def __set__(self, instance: object, value: str) -> None:
        vars(instance)["name"] = value


def _param_types() -> Iterator[type[click.ParamType]]:
    """Yield every subclass of click's ParamType imported so far (click's, Flask's, cxgov's)."""
    seen: set[type[click.ParamType]] = set()
    waiting: list[type[click.ParamType]] = [click.ParamType]
    while waiting:
        cls = waiting.pop()
        sub: type[click.ParamType]
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                waiting.append(sub)
                yield sub


def type_name_source(cls: type) -> str | None:
    """Return the English name a click type class gives itself (``"integer"``), or None."""
    own = vars(cls).get("name")
    if isinstance(own, TypeName):
        return own.source
    return own if isinstance(own, str) else None


def click_types_install() -> None:
    """Make every click type imported so far say its name in the command line's language (:class:`TypeName`).

    Called again it changes nothing; a type class defined later keeps its English name
    (tests/i18n/test_cli_builtin_help.py fails when a command's type is one).
    """
    for cls in _param_types():
        source = vars(cls).get("name")
        if isinstance(source, str):
            cls.name = TypeName(source)  # type: ignore[assignment]
    if not isinstance(vars(click.Path).get("name"), TypeName):
        click.Path.name = TypeName(None)  # type: ignore[assignment]


#: The gettext functions click calls (Babel's keyword specs: ngettext's msgids are arguments 1 and 2).
CLICK_KEYWORDS: dict[str, Any] = {"_": None, "ngettext": (1, 2)}


def click_messages() -> Iterator[tuple[int, str, tuple[str, ...], list[str]]]:
    """Yield click's own messages for the operator from click's installed source, as Babel's extractors do.

    Each one is a ``pgettext`` (or ``npgettext``) entry of the context "command line", so a
    word click uses ("Options", "file") never shares a translation with the web pages' word.
    """
    for name in CLICK_MODULES:
        origin = importlib.util.find_spec(name).origin  # type: ignore[union-attr]
        with Path(str(origin)).open("rb") as source:
            for line, function, message, _comments in extract_python(source, CLICK_KEYWORDS, [], {}):
                found: Any = message  # a msgid, or (singular, plural, None) for ngettext
                texts: tuple[str, ...] = tuple(found) if isinstance(found, (list, tuple)) else (found,)
                if texts[0] in CLICK_PROGRAMMER_MESSAGES:
                    continue
                comments = [f"click's own words ({name})"]
                if function == "ngettext":
                    yield line, "npgettext", (CLI_CONTEXT, texts[0], texts[1]), comments
                else:
                    yield line, "pgettext", (CLI_CONTEXT, texts[0]), comments
    # The types' names (click.Path's "file", "directory" and "path" are _() calls, found above).
    for cls in _param_types():
        type_name = type_name_source(cls)
        if type_name:
            yield (
                0,
                "pgettext",
                (CLI_CONTEXT, type_name),
                [f"click's own words (the name of {cls.__module__}.{cls.__name__})"],
            )


def _catalogue() -> NullTranslations:
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en") if current_app else "en"
    return compiled_catalogue(cli_language(default=default))


def option_help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """Return an option's help row (its spellings, its help and extras) in the command line's language.

    Click's ``Option.get_help_record`` with the text and the bracketed extras translated.
    """
    if not isinstance(param, click.Option):
        return param.get_help_record(ctx)
    if param.hidden:
        return None
    text = cli_gettext(param.help) if param.help else ""
    extra = param.get_help_extra(ctx)  # click 8.2+ (requirements.txt pins 8.5+)
    items: list[str] = []
    if "envvars" in extra:
        items.append(cli_pgettext("command line", "env var: %(var)s", var=", ".join(extra["envvars"])))
    if "default" in extra:
        items.append(cli_pgettext("command line", "default: %(default)s", default=extra["default"]))
    if "range" in extra:
        items.append(extra["range"])
    if "required" in extra:
        items.append(cli_pgettext("command line", "required"))
    if items:
        joined = "; ".join(items)
        text = f"{text}  [{joined}]" if text else f"[{joined}]"
    return param.get_help_spec(ctx), text


class TranslatedHelp(click.Command):
    """A command whose help page is in the command line's language (see the module docstring)."""

    # The English texts click was given; ``help`` and ``short_help`` read them translated, so
    # every place click shows them (the page, the parent's list of commands) speaks the language.
    _help_source: str | None = None
    _short_help_source: str | None = None

    @property
    def help(self) -> str | None:
        source = self._help_source
        return cli_gettext(inspect.cleandoc(source)) if source else source

    @help.setter
    def help(self, value: str | None) -> None:
        self._help_source = value

    @property
    def short_help(self) -> str | None:
        source = self._short_help_source
        return cli_gettext(inspect.cleandoc(source)) if source else source

    @short_help.setter
    def short_help(self, value: str | None) -> None:
        self._short_help_source = value

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Return click's --help option, its help the English msgid (translated when shown).

        Click writes that help through its (installed) gettext when it first makes the option and
        keeps the option: one process may speak several languages (tests), so the text is kept
        English and :func:`option_help_record` translates it each time.
        """
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        """Return the usage line's pieces, click's ``[OPTIONS]`` in the command line's language."""
        pieces = super().collect_usage_pieces(ctx)
        if self.options_metavar == "[OPTIONS]" and pieces[:1] == ["[OPTIONS]"]:
            pieces[0] = cli_pgettext("command line", "[OPTIONS]")
        # A group's "COMMAND [ARGS]..." (click's words, not gettext'd by click)
        if isinstance(self, click.Group) and pieces[-1:] == [SUBCOMMAND_METAVAR]:
            pieces[-1] = cli_pgettext("command line", "COMMAND [ARGS]...")
        return pieces

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the usage line with a translated "Usage:"."""
        pieces = self.collect_usage_pieces(ctx)
        usage = cli_pgettext("command line", "Usage:")
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=f"{usage} ")

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the documented positional arguments under a translated heading."""
        arguments = [param for param in self.get_params(ctx) if isinstance(param, click.Argument)]
        # ``Argument.help`` is click 8.5's (requirements.txt pins it); an older click has no
        # argument help, so there is no section rather than an AttributeError.
        texts = [getattr(argument, "help", None) for argument in arguments]
        if any(text is not None for text in texts):
            with formatter.section(cli_pgettext("command line", "Positional arguments")):
                formatter.write_dl(
                    [
                        (argument.make_metavar(ctx), cli_gettext(text) if text else "")
                        for argument, text in zip(arguments, texts, strict=True)
                    ]
                )

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options, their help translated, under a translated heading."""
        rows = [
            row
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument) and (row := option_help_record(param, ctx)) is not None
        ]
        if rows:
            with formatter.section(cli_pgettext("command line", "Options")):
                formatter.write_dl(rows)


class CliCommand(TranslatedHelp):
    """A ``flask`` subcommand whose --help is in the command line's language."""


class TranslatedGroupHelp(TranslatedHelp, click.Group):
    """A group whose help page, with its list of commands, is in the command line's language."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options, then the commands with their short help, under translated headings."""
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the subcommands and their short help under a translated heading."""
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        shown = [(name, command) for name, command in commands if command is not None and not command.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _command in shown)
        with formatter.section(cli_pgettext("command line", "Commands")):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])


class CliGroup(TranslatedGroupHelp, AppGroup):
    """A ``flask`` command group (one per noun) whose --help, and its commands', speak the CLI's language.

    Its commands are :class:`CliCommand` and its subgroups :class:`CliGroup` unless they say
    otherwise; as Flask's ``AppGroup``, commands run inside the app context.
    """

    command_class = CliCommand

    def group(self, *args: Any, **kwargs: Any) -> Any:
        """Add a subgroup, a :class:`CliGroup` by default (AppGroup would make it an AppGroup)."""
        kwargs.setdefault("cls", CliGroup)
        return super().group(*args, **kwargs)


#: The command trees other packages made that cxgov's ``flask`` shows: the ``flask`` group
#: itself with Flask's run, shell and routes, Flask-Migrate's db, flask-smorest's openapi.
#: tests/i18n/test_cli_builtin_help.py walks the real ``flask`` tree and fails on a command
#: from elsewhere that is not listed here.
BUILTIN_COMMANDS: tuple[click.Command, ...] = (flask_cli, migrate_cli, openapi_cli)

#: The package each built-in tree comes from (a translator's comment in the catalogue).
BUILTIN_SOURCES = {flask_cli: "Flask", migrate_cli: "Flask-Migrate", openapi_cli: "flask-smorest"}

#: The translated classes made so far, by the class they translate.
_TRANSLATED_CLASSES: dict[type, type] = {}


def help_translate(command: click.Command) -> None:
    """Make a command another package made show its help in the command line's language, with its subcommands.

    Its instance takes a class of its own that is its class with :class:`TranslatedHelp` (or
    :class:`TranslatedGroupHelp`) before it, so it behaves as before and its help texts, English
    as the package wrote them, are the msgids. Called again, it changes nothing.
    """
    if not isinstance(command, TranslatedHelp):
        cls = type(command)
        translated = _TRANSLATED_CLASSES.get(cls)
        if translated is None:
            base = TranslatedGroupHelp if isinstance(command, click.Group) else TranslatedHelp
            translated = type(f"Translated{cls.__name__}", (base, cls), {"__module__": __name__})
            _TRANSLATED_CLASSES[cls] = translated
        # The texts sit in the instance's __dict__, where the class's help properties never look.
        help_text, short_help = vars(command).pop("help", None), vars(command).pop("short_help", None)
        command.__class__ = translated
        command.help, command.short_help = help_text, short_help
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            help_translate(sub)


def builtin_help_install() -> None:
    """Make the help of :data:`BUILTIN_COMMANDS` speak the command line's language."""
    for command in BUILTIN_COMMANDS:
        help_translate(command)


def command_help_texts(command: click.Command) -> Iterator[tuple[str, str]]:
    """Yield (command path, text) of every help text ``command`` and its subcommands show, as looked up.

    The help and short help are cleaned as click cleans them; an option's help is as written.
    """

    def walk(path: str, node: click.Command) -> Iterator[tuple[str, str]]:
        source_help = node._help_source if isinstance(node, TranslatedHelp) else node.help
        source_short = node._short_help_source if isinstance(node, TranslatedHelp) else node.short_help
        for text in (source_help, source_short):
            if text:
                yield path, inspect.cleandoc(text)
        for param in node.params:
            if isinstance(param, click.Option) and param.help and param.help != HELP_OPTION:
                yield path, param.help
        if isinstance(node, click.Group):
            for name, sub in sorted(node.commands.items()):
                yield from walk(f"{path} {name}", sub)

    yield from walk(command.name or "", command)


def builtin_help_texts() -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield the help texts of :data:`BUILTIN_COMMANDS` from the installed packages, as Babel's extractors do."""
    for command in BUILTIN_COMMANDS:
        package = BUILTIN_SOURCES[command]
        for path, text in command_help_texts(command):
            where = path if path.startswith("flask") else f"flask {path}"
            yield 0, "gettext", text, [f"{package} {version(package)}'s own words ({where})"]


def cli_help_texts(source: str) -> Iterator[tuple[int, str]]:
    """Yield (line, text) of every help text in Python ``source`` that click shows.

    These are string literals given as ``help=`` or ``short_help=`` to any call, and the
    docstrings of functions decorated with ``….command(…)``/``….group(…)`` (or a bare
    ``command``/``group``) that have no ``help=`` of their own, cleaned as click cleans them.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg in ("help", "short_help") and isinstance(value, ast.Constant):
                    if isinstance(value.value, str) and value.value.strip():
                        yield value.lineno, inspect.cleandoc(value.value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_command(node.decorator_list):
            docstring = ast.get_docstring(node, clean=True)
            if docstring:
                yield node.lineno, docstring


def _is_command(decorators: Sequence[ast.expr]) -> bool:
    """Tell whether a function is made a click command whose help is its docstring."""
    for decorator in decorators:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call is not None else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name in ("command", "group"):
            return call is None or not any(keyword.arg == "help" for keyword in call.keywords)
    return False


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Any]:
    """Babel extraction method for cxgov's Python: gettext calls as usual, plus the CLI's help texts.

    Yields Babel's (line, function name, message, comments); a help text has no function name.
    """
    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for line, text in cli_help_texts(source):
        yield line, None, text, []


def extract_with_click(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Any]:
    """Babel extraction method for this module: what :func:`extract` finds, click's own messages and
    the help of the commands other packages made (:data:`BUILTIN_COMMANDS`)."""
    yield from extract(fileobj, keywords, comment_tags, options)
    yield from click_messages()
    yield from builtin_help_texts()
