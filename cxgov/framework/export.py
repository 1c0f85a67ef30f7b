"""Export a framework as a table: one row per practice, for spreadsheets and review.

The rows are built once as a plain :class:`~cxgov.sheets.Sheet`; :mod:`cxgov.sheets` writes it
(text never becomes a formula). Framework text, headers and the page header are in the
export's language.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..i18n import rendering_in
from ..sheets import Cell, Sheet, xlsx_bytes
from .model import Framework, Text

#: Column widths (characters): the short columns; every other column holds prose.
_NARROW_WIDTHS: dict[int, int] = {0: 22, 1: 6, 2: 30, 3: 60}
_TAIL_WIDTHS = (8, 9, 24, 10)  # weight, default target, register checks, sources
_PROSE_WIDTH = 40


def framework_to_rows(framework: Framework, lang: str | None = None) -> tuple[list[str], list[list[Cell]]]:
    """Return ``(headers, rows)`` with one row per practice, in framework order.

    Headers are in the language being rendered (see :func:`framework_sheet`), texts in ``lang``.
    """
    level_names = [name.get(lang) for name in framework.level_names]
    headers = [
        _("Dimension"),
        _("Id"),
        _("Title"),
        _("Good looks like"),
        *(_("Level %(n)s: %(name)s", n=n, name=name) for n, name in enumerate(level_names, start=1)),
        *(_("Next step %(n)s→%(next)s", n=n, next=n + 1) for n in range(1, 5)),
        _("Evidence prompts"),
        _("Weight"),
        _("Default target"),
        _("Register checks"),
        _("Sources"),
    ]
    rows: list[list[Cell]] = []
    for dimension in framework.dimensions:
        dimension_label = f"{dimension.code}. {dimension.title.get(lang)}"
        for practice in dimension.practices:
            rows.append(
                [
                    dimension_label,
                    practice.id,
                    practice.title.get(lang),
                    practice.good_looks_like.get(lang),
                    *(_texts(practice.levels, lang, 5)),
                    *(_texts(practice.next_steps, lang, 4)),
                    "\n".join(f"• {p.get(lang)}" for p in practice.evidence_prompts),
                    practice.weight,
                    practice.default_target,
                    ", ".join(practice.register_checks),
                    ", ".join(practice.sources),
                ]
            )
    return headers, rows


def _texts(items: tuple[Text, ...], lang: str | None, count: int) -> list[str]:
    """Return exactly ``count`` strings, padding with "" so columns never shift."""
    values = [t.get(lang) for t in items[:count]]
    return values + [""] * (count - len(values))


def framework_sheet(framework: Framework, lang: str | None = None) -> Sheet:
    """Return the framework as one sheet (named after its key), everything in ``lang``."""
    with rendering_in(lang) as shown:
        headers, rows = framework_to_rows(framework, shown)
    widths = [_NARROW_WIDTHS.get(i, _PROSE_WIDTH) for i in range(len(headers) - len(_TAIL_WIDTHS))]
    return Sheet(framework.key, headers, rows, widths=[*widths, *_TAIL_WIDTHS], wrap=True)


def framework_xlsx(framework: Framework, lang: str | None = None) -> bytes:
    """Return the framework as XLSX bytes, one row per practice."""
    with rendering_in(lang) as shown:
        title = f"{framework.title.get(shown)} {framework.version}"
    return xlsx_bytes([framework_sheet(framework, lang)], title=title, page_header=title)
