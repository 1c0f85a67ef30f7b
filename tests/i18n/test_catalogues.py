"""Every language's catalogue is complete, compiles cleanly and matches the code's strings.

A string added to the code without a translation fails here: the test extracts the strings
afresh (as ``scripts/messages`` does, into a temporary file) and compares them with
translations/messages.pot and with every ``messages.po``.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from cxgov.catalogues import TRANSLATIONS, catalogue_paths, catalogue_problems, catalogue_read
from cxgov.i18n import SUPPORTED_LANGUAGES

REPO = TRANSLATIONS.parent
#: The interface languages that need a catalogue (English is the source language).
LANGUAGES = sorted(lang for lang in SUPPORTED_LANGUAGES if lang != "en")
#: %(name)s, %(num)d, %%, and {name} placeholders (click's own messages also write {name!r}).
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|\{\w*(?:![rsa])?\}")
PRESENT = {path.parents[1].name: path for path in catalogue_paths()}


def placeholders(text: str) -> list[str]:
    """Return the placeholders of ``text``, sorted (their order may change with word order)."""
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def entry_key(message) -> tuple:
    """Return what identifies an entry: the msgid (with its plural) and context."""
    return (message.id if isinstance(message.id, tuple) else (message.id,), message.context)


@pytest.fixture(scope="module")
def fresh_extraction(tmp_path_factory) -> Catalog:
    """Extract the code's strings now, with the arguments scripts/messages uses."""
    script = (REPO / "scripts" / "messages").read_text()
    keywords = re.findall(r"-k ([\w:,]+)", script)  # with a spec, e.g. _ln:1,2 (a plural)
    assert keywords, "scripts/messages names no extraction keywords"
    ignore = [arg for d in re.findall(r"--ignore-dirs '([^']*)'", script) for arg in ("--ignore-dirs", d)]
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    # pybabel's own command line, run in this process (which has imported what the extractors
    # import already) on the repository by its path: the same catalogue as from its root.
    command = ["pybabel", "-q", "extract", "-F", str(REPO / "babel.cfg"),
               *[arg for k in keywords for arg in ("-k", k)], *ignore, "--no-location", "--sort-output",
               "--omit-header", "-o", str(out), str(REPO)]
    # pybabel's command line sets up the "babel" logger (level, a handler on this test's captured
    # stderr): put it back as it was, so no later test logs into a closed capture.
    logger = logging.getLogger("babel")
    level, handlers = logger.level, list(logger.handlers)
    try:
        CommandLineInterface().run(command)
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers
    with out.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[tuple]:
    return {entry_key(m) for m in catalog if m.id}


def test_the_committed_template_matches_a_fresh_extraction(fresh_extraction):
    """translations/messages.pot holds exactly the code's strings (run scripts/messages after a change)."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        committed = read_po(handle)
    missing = sorted(map(str, _ids(fresh_extraction) - _ids(committed)))
    stale = sorted(map(str, _ids(committed) - _ids(fresh_extraction)))
    assert not missing and not stale, (
        f"messages.pot is out of date: run `VENV=.venv bash scripts/messages`.\n"
        f"in the code, not in messages.pot: {missing[:20]}\nin messages.pot, not in the code: {stale[:20]}")


def test_every_interface_language_has_a_catalogue():
    """Each language a user can choose has a catalogue; none is skipped silently."""
    assert LANGUAGES, "SUPPORTED_LANGUAGES names no language besides English"
    absent = [lang for lang in LANGUAGES if lang not in PRESENT]
    assert not absent, f"no translations/<lang>/LC_MESSAGES/messages.po for {absent}"


@pytest.fixture(params=LANGUAGES)
def catalogue(request) -> tuple[str, Path, Catalog]:
    lang = request.param
    if lang not in PRESENT:
        pytest.skip(f"no catalogue for {lang} yet (test_every_interface_language_has_a_catalogue fails)")
    return lang, PRESENT[lang], catalogue_read(PRESENT[lang])


def test_catalogue_has_every_string_of_the_code_and_no_other(catalogue, fresh_extraction):
    lang, path, catalog = catalogue
    missing = sorted(map(str, _ids(fresh_extraction) - _ids(catalog)))
    extra = sorted(map(str, _ids(catalog) - _ids(fresh_extraction)))
    assert not missing and not extra, (
        f"{lang}: run `VENV=.venv bash scripts/messages` and translate the new entries.\n"
        f"not in the catalogue: {missing[:20]}\nno longer in the code: {extra[:20]}")


def test_no_entry_is_empty_or_fuzzy(catalogue):
    lang, path, catalog = catalogue
    empty, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(form and form.strip() for form in forms):
            empty.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not empty, f"{lang}: {len(empty)} untranslated entries, e.g. {empty[:10]}"
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy entries (check them, then drop the flag), e.g. {fuzzy[:10]}"


def test_placeholders_are_those_of_the_source(catalogue):
    """Every %(name)s, %(num)d, %% and {name} of the msgid is in the translation, and no other."""
    lang, path, catalog = catalogue
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            sources = [message.id[0]] + [message.id[1]] * (len(message.string) - 1)
            pairs = zip(sources, message.string)
        else:
            pairs = [(message.id, message.string)]
        for source, translation in pairs:
            if translation and placeholders(source) != placeholders(translation):
                wrong.append(f"{source!r} -> {translation!r}")
    assert not wrong, f"{lang}: placeholders differ from the source:\n" + "\n".join(wrong[:20])


def test_python_format_flags_follow_the_source(catalogue, fresh_extraction):
    """A string formatted with %(name)s is flagged python-format in the catalogue as in the template."""
    lang, path, catalog = catalogue
    template = {entry_key(m): m for m in fresh_extraction if m.id}
    wrong = [m.id for m in catalog if m.id and entry_key(m) in template
             and ("python-format" in m.flags) != ("python-format" in template[entry_key(m)].flags)]
    assert not wrong, f"{lang}: python-format flag differs from the template: {wrong[:10]}"


def test_plural_entries_follow_the_languages_plural_rule(catalogue):
    lang, path, catalog = catalogue
    rule = get_plural(Locale.parse(lang))
    assert catalog.num_plurals == rule.num_plurals, f"{lang}: Plural-Forms header says {catalog.plural_forms}"
    assert catalog.plural_expr.replace(" ", "") == rule.plural_expr.replace(" ", ""), catalog.plural_forms
    short = [m.id for m in catalog if isinstance(m.id, tuple) and len(m.string) != rule.num_plurals]
    assert not short, f"{lang}: plural entries without {rule.num_plurals} forms: {short[:10]}"


def test_catalogue_compiles_without_warnings(catalogue):
    lang, path, catalog = catalogue
    problems = catalogue_problems(path, catalog)
    assert not problems, "\n".join(map(str, problems[:20]))
