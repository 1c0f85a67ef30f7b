"""Compile the translation catalogues (``translations/<lang>/LC_MESSAGES/messages.po`` -> ``.mo``).

The compiled ``.mo`` files are build output and not committed: ``make run`` and ``make test``
compile the stale ones first (``python -m cxgov.catalogues``), and the test suite does the same
when it starts (tests/conftest.py), so a fresh checkout shows every language without a step of
its own. Compiling the three catalogues takes a fraction of a second.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The catalogues' folder, beside the cxgov package.
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


@dataclass(frozen=True)
class CompileProblem:
    """One entry that gettext would refuse or mistranslate (a placeholder mismatch, a bad plural)."""

    catalogue: Path
    msgid: str
    error: str

    def __str__(self) -> str:
        return f"{self.catalogue}: {self.msgid!r}: {self.error}"


def catalogue_paths(root: Path = TRANSLATIONS) -> list[Path]:
    """Return every language's ``messages.po``, sorted by language."""
    return sorted(root.glob("*/LC_MESSAGES/messages.po"))


def catalogue_read(path: Path) -> Catalog:
    """Read one ``.po`` file; its language comes from the folder name."""
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parents[1].name)


def catalogue_problems(path: Path, catalog: Catalog | None = None) -> list[CompileProblem]:
    """Return what ``pybabel compile`` would warn about in ``path`` (Babel's own checkers)."""
    catalog = catalog or catalogue_read(path)
    return [
        CompileProblem(path, str(message.id), str(error)) for message, errors in catalog.check() for error in errors
    ]


def catalogue_compile(path: Path) -> Path:
    """Compile one ``.po`` to the ``.mo`` beside it, atomically (parallel test workers may race)."""
    catalog = catalogue_read(path)
    target = path.with_suffix(".mo")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(fd, "wb") as handle:
            # Fuzzy entries are left out, as pybabel compile does without --use-fuzzy.
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def catalogues_compile(root: Path = TRANSLATIONS, *, stale_only: bool = True) -> list[Path]:
    """Compile every catalogue whose ``.mo`` is missing or older than its ``.po``; return those compiled."""
    compiled = []
    for po in catalogue_paths(root):
        mo = po.with_suffix(".mo")
        if stale_only and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        compiled.append(catalogue_compile(po))
    return compiled


def main() -> int:
    """Compile the stale catalogues; print what was compiled and any entry gettext would trip on."""
    for path in catalogues_compile(stale_only="--all" not in sys.argv[1:]):
        print(f"compiled {path.relative_to(TRANSLATIONS.parent)}")
        for problem in catalogue_problems(path.with_suffix(".po")):
            print(f"warning: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
