"""Export a framework as a table: one row per practice, for spreadsheets and review.

The rows are built once as plain ``(headers, rows)``; writers only decide the format, so a
CSV or another spreadsheet writer can reuse :func:`framework_to_rows` unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import xlsxwriter

from cxgov.framework.model import Framework, Text

#: Characters that make a spreadsheet treat a cell as a formula (or, for tab/CR, that some
#: tools strip before re-reading it as one); such cells are always written as strings.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Column width (characters) per header; text columns are wide and wrapped.
_WIDTHS: dict[str, int] = {
    "Dimension": 22,
    "Id": 6,
    "Title": 30,
    "Good looks like": 60,
    "Weight": 8,
    "Default target": 9,
    "Register checks": 24,
    "Sources": 10,
}
_DEFAULT_WIDTH = 40


def framework_to_rows(framework: Framework, lang: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Return ``(headers, rows)`` with one row per practice, in framework order."""
    level_names = [name.get(lang) for name in framework.level_names]
    headers = [
        "Dimension",
        "Id",
        "Title",
        "Good looks like",
        *(f"Level {n}: {name}" for n, name in enumerate(level_names, start=1)),
        *(f"Next step {n}→{n + 1}" for n in range(1, 5)),
        "Evidence prompts",
        "Weight",
        "Default target",
        "Register checks",
        "Sources",
    ]
    rows: list[list[Any]] = []
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


def write_framework_xlsx(framework: Framework, path_or_buffer: str | Path | IO[bytes], lang: str | None = None) -> None:
    """Write the framework to an .xlsx file or binary buffer, one row per practice."""
    headers, rows = framework_to_rows(framework, lang)
    write_rows_xlsx(
        headers,
        rows,
        path_or_buffer,
        sheet=framework.key,
        header_text=f"{framework.title.get(lang)} {framework.version}",
    )


def write_rows_xlsx(
    headers: list[str], rows: list[list[Any]], path_or_buffer: str | Path | IO[bytes], *, sheet: str, header_text: str
) -> None:
    """Write ``(headers, rows)`` as one worksheet; text is always stored as text."""
    target = str(path_or_buffer) if isinstance(path_or_buffer, Path) else path_or_buffer
    # Never let xlsxwriter guess: framework text is data, not formulas, numbers or links.
    workbook = xlsxwriter.Workbook(
        target,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        worksheet = workbook.add_worksheet(_sheet_name(sheet))
        header_format = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4", "border": 1}
        )
        text_format = workbook.add_format({"text_wrap": True, "valign": "top"})
        for col, header in enumerate(headers):
            worksheet.write_string(0, col, header, header_format)
            worksheet.set_column(col, col, _WIDTHS.get(header, _DEFAULT_WIDTH), text_format)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    worksheet.write_number(r, col, value, text_format)
                else:
                    # write_string stores the text verbatim as a string cell, so "=..." and
                    # friends can never become a live formula in the client's Excel.
                    worksheet.write_string(r, col, str(value), text_format)
        worksheet.freeze_panes(1, 0)
        if rows:
            worksheet.autofilter(0, 0, len(rows), len(headers) - 1)
        worksheet.set_header(f"&L{_header_safe(header_text)}")
    finally:
        workbook.close()


def is_formula_like(value: str) -> bool:
    """Tell whether a spreadsheet would treat ``value`` as a formula if written naively."""
    return value.startswith(FORMULA_PREFIXES)


def _sheet_name(key: str) -> str:
    """Return a valid worksheet name (max 31 chars, none of []:*?/\\)."""
    cleaned = "".join(c for c in key if c not in "[]:*?/\\")[:31]
    return cleaned or "Framework"


def _header_safe(text: str) -> str:
    """Escape '&', the control character of Excel page headers."""
    return text.replace("&", "&&")[:200]
