"""A gettext call inside an f-string is not extracted (Babel reads an f-string as one string token on
Python 3.11), so its text never reaches the catalogue and stays English in every language: `flask
framework list` said "valid", `flask backup` "total", the benchmark table "value pct Q1 med Q3"."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
GETTEXT = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "pgettext", "cli_gettext", "cli_pgettext"}


def _calls_in_fstrings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "id", None) in GETTEXT:
                    yield inner


def test_every_gettext_call_inside_an_f_string_has_its_text_in_the_catalogue():
    with open(REPO / "translations/messages.pot", "rb") as handle:
        msgids = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)}
    missing = []
    # every file babel.cfg extracts from: cxgov's code and run.py (make run's start-up lines)
    for path in [*sorted((REPO / "cxgov").rglob("*.py")), REPO / "run.py"]:
        for call in _calls_in_fstrings(ast.parse(path.read_text(encoding="utf-8"))):
            strings = [arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            # pgettext(context, text): the msgid is the second string
            at = 1 if call.func.id.endswith("pgettext") else 0  # type: ignore[attr-defined]
            text = strings[at] if len(strings) > at else None
            if text and text not in msgids:
                missing.append(f"{path.relative_to(REPO)}:{call.lineno}: {text!r}")
    assert not missing, "gettext inside an f-string, never extracted (call it outside): " + "; ".join(missing)
