"""Export the action plan as XLSX or CSV: one :class:`~cxgov.sheets.Sheet`, written by :mod:`cxgov.sheets`.

Every text is written as text there: a title like ``=HYPERLINK(...)`` or ``-5 % churn`` never
becomes a live formula in the client's spreadsheet. Headers and the sheet name are in the
export's language (default: the organisation's).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cycles.models import Cycle
from ..extensions import db
from ..i18n import rendering_in, report_language
from ..messages import N_
from ..numbers import round_half_up
from ..orgs.models import Organisation
from ..register.models import Touchpoint
from ..sheets import Cell, Sheet, csv_bytes, xlsx_bytes
from .models import Action, status_label
from .selectors import org_framework, practice_titles

#: The action plan's columns: header (marked here, translated when written) and width in characters.
COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Id"), 6),
    (N_("Practice"), 9),
    (N_("Practice title"), 30),
    (N_("Touchpoint"), 28),
    (N_("Title"), 40),
    (N_("Description"), 60),
    (N_("Owner"), 22),
    (N_("Owner e-mail"), 28),
    (N_("Status"), 12),
    (N_("Due date"), 11),
    (N_("Overdue"), 9),
    (N_("Done on"), 11),
    (N_("Priority"), 9),
    (N_("Drop reason"), 30),
    (N_("From cycle"), 10),
    (N_("Created"), 11),
    (N_("Updated"), 11),
    (N_("Latest note"), 50),
)


def action_plan_rows(org_id: int, today: date | None = None, lang: str | None = None) -> list[list[Cell]]:
    """Return the rows of the organisation's whole action plan, soonest due first.

    Practice titles are in ``lang``; status words and "yes" in the language being rendered.
    """
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
    rows: list[list[Cell]] = []
    yes = _("yes")
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
                yes if a.is_overdue(today) else "",
                a.done_at.date().isoformat() if a.done_at else "",
                round_half_up(a.priority, 2),
                a.drop_reason or "",
                periods.get(a.source_cycle_id, "") if a.source_cycle_id else "",
                a.created_at.date().isoformat(),
                a.updated_at.date().isoformat(),
                f"{latest.at.date().isoformat()}: {latest.text}" if latest else "",
            ]
        )
    return rows


def action_plan_sheet(*, org: Organisation, lang: str | None = None, today: date | None = None) -> Sheet:
    """Return the action plan as one sheet in ``lang`` (default: the organisation's language)."""
    with rendering_in(report_language(lang, org.language)) as shown:
        return Sheet(
            _("Action plan"),
            [_(header) for header, _width in COLUMNS],
            action_plan_rows(org.id, today, shown),
            widths=[width for _header, width in COLUMNS],
            wrap=True,
        )


def action_plan_xlsx(*, org: Organisation, lang: str | None = None) -> bytes:
    """Return the action plan as XLSX bytes, headers and sheet name in ``lang``."""
    with rendering_in(report_language(lang, org.language)) as shown:
        sheet = action_plan_sheet(org=org, lang=shown)
        page_header = _("%(org)s: action plan", org=org.name)
    return xlsx_bytes([sheet], title=page_header, page_header=page_header)


def action_plan_csv(*, org: Organisation, lang: str | None = None) -> bytes:
    """Return the action plan as CSV bytes (UTF-8 with a BOM), headers in ``lang``."""
    return csv_bytes(action_plan_sheet(org=org, lang=lang))
