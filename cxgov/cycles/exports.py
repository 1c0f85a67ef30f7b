"""Export a cycle as tables: answers in long form, practice scores and gaps, dimensions.

The tables are built once as ``{sheet: (headers, rows)}``; the XLSX and CSV writers only
decide the format, so the UI download and ``flask cycle export`` write the same workbook.
Text that a spreadsheet would run as a formula (starting with = + - @ tab or CR) is always
written as text: a string cell in XLSX, and a leading apostrophe in CSV.
"""

from __future__ import annotations

import csv
import io
from typing import IO, Any

import xlsxwriter

from ..i18n import report_language
from ..framework.export import FORMULA_PREFIXES
from ..numbers import round_half_up
from ..orgs.models import Organisation
from . import services
from .models import Cycle

Table = tuple[list[str], list[list[Any]]]
SHEETS = ("Answers", "Practices", "Dimensions")


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round_half_up(value, digits)


def cycle_tables(*, cycle: Cycle, org: Organisation, include_names: bool, lang: str | None = None) -> dict[str, Table]:
    """Return the cycle's three sheets; respondent names only when ``include_names``.

    Framework text is in ``lang`` (default: the organisation's language).
    """
    framework = services.cycle_framework(cycle)
    lang = report_language(lang, org.language)
    dim_title = {d.key: d.title.get(lang) for d in framework.dimensions}
    rows = services.cycle_answers(cycle)
    result = services.cycle_score(cycle=cycle, org=org, answers=rows)
    names = services.respondent_names(cycle) if include_names else {}
    order = {p.id: i for i, p in enumerate(framework.practices)}
    answer_headers = [
        "Period",
        "Practice id",
        "Practice",
        "Dimension",
        "Respondent group",
        *(["Respondent", "E-mail"] if include_names else []),
        "Answer",
        "Level",
        "Note",
    ]
    answer_rows = []
    for a, group, _user_id in sorted(rows, key=lambda r: (order.get(r[0].practice_id, 999), r[1], r[0].respondent_id)):
        try:
            p = framework.practice(a.practice_id)
        except KeyError:
            continue
        kind = {"level": "level", "na": "not applicable", "dont_know": "don't know"}[a.kind]
        answer_rows.append(
            [
                cycle.period,
                a.practice_id,
                p.title.get(lang),
                dim_title[p.dimension_key],
                org.group_label(group),
                *(list(names.get(a.respondent_id, ("", ""))) if include_names else []),
                kind,
                a.level,
                a.note,
            ]
        )
    groups = [g["key"] for g in services.org_groups(org)]
    practice_headers = [
        "Period",
        "Practice id",
        "Practice",
        "Dimension",
        "Weight",
        "Level",
        "Answers",
        "N/A",
        "Don't know",
        "Spread",
        "Disagreement",
        "Low sample",
        "Target",
        "Gap",
        "Priority",
        "Register checks failing",
        *(f"Level: {org.group_label(g)}" for g in groups),
        "Perception gap",
        "Perception flag",
        "Previous level",
        "Change",
    ]
    practice_rows = []
    for pr in result.practices:
        p = framework.practice(pr.practice_id)
        practice_rows.append(
            [
                cycle.period,
                pr.practice_id,
                p.title.get(lang),
                dim_title[pr.dimension_key],
                pr.weight,
                _r(pr.level),
                pr.n_answers,
                pr.n_na,
                pr.n_dont_know,
                _r(pr.spread),
                "yes" if pr.disagreement else "",
                "yes" if pr.low_sample else "",
                pr.target,
                _r(pr.gap),
                _r(pr.priority),
                ", ".join(pr.failing_checks),
                *(_r(pr.group_levels.get(g)) for g in groups),
                _r(pr.perception_gap),
                "yes" if pr.perception_flag else "",
                _r(pr.previous_level),
                _r(pr.change),
            ]
        )
    dimension_headers = [
        "Period",
        "Dimension",
        "Score (1-5)",
        "Index (0-100)",
        "Target",
        "Gap",
        "Leadership/management",
        "Front line",
        "Perception gap",
        "Perception flag",
        "Practices scored",
        "Previous index",
        "Change",
    ]
    dimension_rows = [
        [
            cycle.period,
            dim_title[d.key],
            _r(d.score),
            _r(d.index, 1),
            _r(d.target),
            _r(d.gap),
            _r(d.upper_score),
            _r(d.frontline_score),
            _r(d.perception_gap),
            "yes" if d.perception_flag else "",
            f"{d.n_scored}/{d.n_practices}",
            _r(d.previous_index, 1),
            _r(d.change, 1),
        ]
        for d in result.dimensions
    ]
    dimension_rows.append(
        [
            cycle.period,
            "Maturity index",
            None,
            _r(result.index, 1),
            None,
            None,
            None,
            None,
            None,
            "",
            "",
            _r(result.previous_index, 1),
            _r(result.change, 1),
        ]
    )
    return {
        "Answers": (answer_headers, answer_rows),
        "Practices": (practice_headers, practice_rows),
        "Dimensions": (dimension_headers, dimension_rows),
    }


def _neutral(value: Any) -> Any:
    """Return a CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def to_csv(headers: list[str], rows: list[list[Any]]) -> str:
    """Return one table as CSV text, formula-like text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_neutral(v) for v in row])
    return out.getvalue()


def write_xlsx(tables: dict[str, Table], target: str | IO[bytes]) -> None:
    """Write the tables as one workbook, one sheet each; every text cell is a string cell."""
    workbook = xlsxwriter.Workbook(
        target, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    try:
        head = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True, "valign": "top"}
        )
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        for name, (headers, rows) in tables.items():
            sheet = workbook.add_worksheet(name)
            for col, header in enumerate(headers):
                sheet.write_string(0, col, header, head)
                sheet.set_column(col, col, 48 if header in ("Note", "Practice") else 14)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, bool):
                        sheet.write_boolean(r, c, value)
                    elif isinstance(value, (int, float)):
                        sheet.write_number(r, c, value)
                    else:
                        sheet.write_string(r, c, str(value), wrap)
            sheet.freeze_panes(1, 0)
            if rows:
                sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    finally:
        workbook.close()
