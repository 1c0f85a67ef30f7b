"""The consultant's text in a report: plain text with light formatting, parsed once into blocks.

The writing rules are the ones people already type in an e-mail: a blank line starts a new
paragraph, a line starting with "- " or "* " is a list item, and **double asterisks** make
words bold. Nothing else is interpreted: no HTML, no links. The parse gives plain data
(:class:`Block` of :class:`Run`), which the page, the PDF and the Word file each render in
their own way, the templates with autoescaping, so no markup typed by a user reaches a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxgov.framework.model import MixedText, SourceText, text_parts

#: The longest text a summary or comment may have (a page or so).
MAX_SUMMARY = 6000
MAX_COMMENT = 1200
MAX_MESSAGE = 300
KEY_MESSAGES = 3

_BULLET = re.compile(r"^\s*[-*\u2022]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: Around English framework text while an automatic draft (a ``MixedText``) is parsed:
#: private-use characters, which nothing typed or translated holds (removed from it first).
_EN_OPEN, _EN_CLOSE = "\ue002", "\ue003"
_EN_MARKS = re.compile(f"[{_EN_OPEN}{_EN_CLOSE}]")


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph (one item) or a bulleted list (one item per bullet); each item is runs."""

    kind: str  #: "p" | "ul"
    items: tuple[tuple[Run, ...], ...]


def runs(text: str) -> tuple[Run, ...]:
    """Split a line into plain and bold runs (an unmatched ** stays as typed)."""
    out: list[Run] = []
    pos = 0
    for match in _BOLD.finditer(text):
        if match.start() > pos:
            out.append(Run(text[pos : match.start()]))
        out.append(Run(match.group(1), bold=True))
        pos = match.end()
    if pos < len(text):
        out.append(Run(text[pos:]))
    return tuple(out)


def parse(text: str) -> tuple[Block, ...]:
    """Return the blocks of ``text``: paragraphs split on blank lines, bullets grouped into lists.

    In an automatic draft that names practices whose titles are shown in English (a
    ``MixedText``), each such title becomes a run of its own whose text is a ``SourceText``.
    """
    if not isinstance(text, MixedText):
        return _parse(text)
    marked = "".join(
        f"{_EN_OPEN}{_EN_MARKS.sub('', part)}{_EN_CLOSE}" if isinstance(part, SourceText) else _EN_MARKS.sub("", part)
        for part in text_parts(text)
    )
    return tuple(Block(b.kind, tuple(_english_runs(item) for item in b.items)) for b in _parse(marked))


def _english_runs(item: tuple[Run, ...]) -> tuple[Run, ...]:
    """Split runs at the English marks: the marked text becomes ``SourceText`` runs, marks dropped."""
    out: list[Run] = []
    english = False
    for run in item:
        for index, piece in enumerate(re.split(f"([{_EN_OPEN}{_EN_CLOSE}])", run.text)):
            if index % 2:
                english = piece == _EN_OPEN
            elif piece:
                out.append(Run(SourceText(piece) if english else piece, run.bold))
    return tuple(out)


def _parse(text: str) -> tuple[Block, ...]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("p", (runs(" ".join(paragraph)),)))
            paragraph.clear()
        if bullets:
            blocks.append(Block("ul", tuple(runs(b) for b in bullets)))
            bullets.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif _BULLET.match(raw):
            if paragraph:
                flush()
            bullets.append(_BULLET.sub("", raw).strip())
        elif bullets and raw[:1].isspace():
            bullets[-1] += " " + line  # an indented line continues the bullet
        else:
            if bullets:
                flush()
            paragraph.append(line)
    flush()
    return tuple(blocks)


def plain(blocks: tuple[Block, ...]) -> str:
    """Return the blocks as plain text (one line per paragraph or bullet), for tests and search."""
    lines = []
    for block in blocks:
        for item in block.items:
            text = "".join(r.text for r in item)
            lines.append(("\u2022 " if block.kind == "ul" else "") + text)
    return "\n".join(lines)
