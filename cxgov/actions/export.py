"""Export the action plan as XLSX or CSV, built once as ``(headers, rows)``; writers only format.

Every text is written as text: a title like ``=HYPERLINK(...)`` or ``-5 % churn`` must never
become a live formula in the client's spreadsheet. XLSX cells are written with
``write_string``; CSV cells that start with a formula character get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import IO, Any

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cycles.models import Cycle
from ..extensions import db
from ..numbers import round_half_up
from ..framework.export import FORMULA_PREFIXES
from ..register.models import Touchpoint
from .models import Action, status_label
from .selectors import org_framework, practice_titles

HEADERS: list[str] = [
    "Id",
    "Practice",
    "Practice title",
    "Touchpoint",
    "Title",
    "Description",
    "Owner",
    "Owner e-mail",
    "Status",
    "Due date",
    "Overdue",
    "Done on",
    "Priority",
    "Drop reason",
    "From cycle",
    "Created",
    "Updated",
    "Latest note",
]
_WIDTHS: dict[str, int] = {
    "Id": 6,
    "Practice": 9,
    "Practice title": 30,
    "Touchpoint": 28,
    "Title": 40,
    "Description": 60,
    "Owner": 22,
    "Owner e-mail": 28,
    "Status": 12,
    "Due date": 11,
    "Overdue": 9,
    "Done on": 11,
    "Priority": 9,
    "Drop reason": 30,
    "From cycle": 10,
    "Created": 11,
    "Updated": 11,
    "Latest note": 50,
}


def action_plan_rows(
    org_id: int, today: date | None = None, lang: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Return ``(headers, rows)`` of the organisation's whole action plan, soonest due first."""
    today = today or date.today()
    actions = db.session.scalars(
        select(Action)
        .where(Action.org_id == org_id)
        .options(
            selectinload(Action.owner),
            selectinload(Action.notes),
            selectinload(Action.touchpoint).selectinload(Touchpoint.journey),
            selectinload(Action.touchpoint).selectinload(Touchpoint.channel),
        )
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id)
    ).all()
    periods = dict(db.session.execute(select(Cycle.id, Cycle.period).where(Cycle.org_id == org_id)).all())
    titles = practice_titles(org_framework(org_id), lang)
    rows: list[list[Any]] = []
    for a in actions:
        latest = a.notes[0] if a.notes else None
        rows.append(
            [
                a.id,
                a.practice_id or "",
                titles.get(a.practice_id or "", ""),
                a.touchpoint.label if a.touchpoint else "",
                a.title,
                a.description,
                a.owner.name if a.owner else "",
                (a.owner.email or "") if a.owner else "",
                status_label(a.status),
                a.due_date.isoformat() if a.due_date else "",
                "yes" if a.is_overdue(today) else "",
                a.done_at.date().isoformat() if a.done_at else "",
                round_half_up(a.priority, 2),
                a.drop_reason,
                periods.get(a.source_cycle_id, "") if a.source_cycle_id else "",
                a.created_at.date().isoformat(),
                a.updated_at.date().isoformat(),
                f"{latest.at.date().isoformat()}: {latest.text}" if latest else "",
            ]
        )
    return HEADERS, rows


def neutralise(value: str) -> str:
    """Return ``value`` safe for a CSV cell: a formula-like start gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def write_csv(headers: list[str], rows: list[list[Any]], out: IO[str]) -> None:
    """Write the rows as CSV text; numbers stay numbers, every text is neutralised."""
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [v if isinstance(v, (int, float)) and not isinstance(v, bool) else neutralise(str(v)) for v in row]
        )


def write_xlsx(headers: list[str], rows: list[list[Any]], target: str | IO[bytes], title: str) -> None:
    """Write the rows to one XLSX sheet; texts are string cells, never formulas."""
    workbook = xlsxwriter.Workbook(
        target, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    try:
        sheet = workbook.add_worksheet("Action plan")
        head = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "border": 1, "valign": "top", "text_wrap": True}
        )
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, head)
            sheet.set_column(col, col, _WIDTHS.get(header, 20), wrap)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, col, value, wrap)
                else:
                    sheet.write_string(r, col, str(value), wrap)
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(headers) - 1)
        sheet.set_header("&L" + title.replace("&", "&&")[:200])
    finally:
        workbook.close()


def action_plan_xlsx(org_id: int, org_name: str, lang: str | None = None) -> bytes:
    """Return the action plan as XLSX bytes."""
    headers, rows = action_plan_rows(org_id, lang=lang)
    buffer = io.BytesIO()
    write_xlsx(headers, rows, buffer, f"{org_name}: action plan")
    return buffer.getvalue()


def action_plan_csv(org_id: int, lang: str | None = None) -> str:
    """Return the action plan as CSV text."""
    headers, rows = action_plan_rows(org_id, lang=lang)
    out = io.StringIO()
    write_csv(headers, rows, out)
    return out.getvalue()
