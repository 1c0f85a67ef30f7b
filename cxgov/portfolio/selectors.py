"""The portfolio: one plain row per client organisation of a consultant.

Everything is loaded for all clients at once (organisations, cycles, respondents, actions,
report PDFs, and the register through :func:`register_snapshots`), so the page costs the same
handful of queries for 5 clients as for 50.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..actions.models import OPEN_STATUSES, Action
from ..auth.models import User
from ..cycles.models import Cycle, Respondent
from ..extensions import db
from ..framework.catalog import framework_catalog
from ..messages import N_
from ..orgs.models import Membership, Organisation, Role
from ..register.health import register_snapshots, run_health_checks
from ..reports.models import ReportVersion
from ..sheets import Cell

#: An open cycle whose due date is this close (or past) with answers missing needs reminders.
REMIND_WITHIN_DAYS = 7

#: "Needs attention" reasons, in the order the page lists them.
ATTENTION_REASONS: tuple[str, ...] = ("reminders_due", "ready_to_close", "report_not_issued", "overdue_actions")


def attention_label(reason: str) -> str:
    """Return the display label of an attention reason."""
    return {
        "reminders_due": _("Reminders due"),
        "ready_to_close": _("Cycle ready to close"),
        "report_not_issued": _("Report not issued"),
        "overdue_actions": _("Overdue actions"),
    }.get(reason, reason)


@dataclass(frozen=True)
class PortfolioRow:
    """One client organisation as the portfolio shows it."""

    org_id: int
    slug: str
    name: str
    industry: str
    #: the latest closed cycle
    period: str | None = None
    cycle_id: int | None = None
    index: float | None = None
    stage: str | None = None
    change: float | None = None  #: index points since the closed cycle before
    #: the open cycle, if any
    open_cycle_id: int | None = None
    open_period: str | None = None
    invited: int = 0
    answered: int = 0
    due_date: date | None = None
    days_left: int | None = None  #: negative when the due date has passed
    health_score: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    #: the latest closed cycle whose report has been issued
    last_report_period: str | None = None
    last_report_cycle_id: int | None = None
    attention: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention)


def consultant_orgs(user: User) -> list[Organisation]:
    """Return the organisations ``user`` serves as consultant, by name (one query)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.org_id == Organisation.id)
            .where(Membership.user_id == user.id, Membership.role == Role.CONSULTANT)
            .order_by(func.lower(Organisation.name), Organisation.id)
        )
    )


def _stage_names(lang: str | None) -> dict[tuple[str, str], str]:
    """Return (framework key, stage key) -> stage name from the framework catalogue."""

    names: dict[tuple[str, str], str] = {}
    try:
        catalog = framework_catalog()
        for key, versions in catalog.versions.items():
            for framework in versions.values():
                for stage in framework.stages:
                    names.setdefault((key, stage.key), stage.name.get(lang))
    except Exception:  # the catalogue is another feature's; a broken file must not break the portfolio
        return names
    return names


def portfolio_rows(user: User, *, today: date | None = None, lang: str | None = None) -> list[PortfolioRow]:
    """Return one row per client organisation of ``user``, by name, in a constant number of queries."""
    today = today or date.today()
    orgs = consultant_orgs(user)
    if not orgs:
        return []
    ids = [o.id for o in orgs]

    cycles = db.session.execute(
        select(
            Cycle.id,
            Cycle.org_id,
            Cycle.period,
            Cycle.status,
            Cycle.due_date,
            Cycle.framework_key,
            Cycle.results["index"].as_float(),
            Cycle.results["stage_key"].as_string(),
            Cycle.results["change"].as_float(),
        )
        .where(Cycle.org_id.in_(ids))
        .order_by(Cycle.period.desc())
    ).all()
    counts = {
        cid: (invited, answered)
        for cid, invited, answered in db.session.execute(
            select(Respondent.cycle_id, func.count(Respondent.id), func.count(Respondent.submitted_at))
            .join(Cycle, Cycle.id == Respondent.cycle_id)
            .where(Respondent.org_id.in_(ids), Cycle.status == "open")
            .group_by(Respondent.cycle_id)
        )
    }
    actions: dict[int, Counter[str]] = defaultdict(Counter)
    for org_id, status, late, n in db.session.execute(
        select(Action.org_id, Action.status, (Action.due_date < today).label("late"), func.count())
        .where(Action.org_id.in_(ids))
        .group_by(Action.org_id, Action.status, "late")
    ):
        if status in OPEN_STATUSES:
            actions[org_id]["open"] += n
            if late:
                actions[org_id]["overdue"] += n
    reported = _reported_cycles(ids)
    snapshots = register_snapshots(orgs)
    stage_names = _stage_names(lang)

    by_org: dict[int, list[Any]] = defaultdict(list)
    for row in cycles:
        by_org[row[1]].append(row)
    rows = []
    for org in orgs:
        mine = by_org.get(org.id, [])
        closed = [c for c in mine if c[3] == "closed"]
        latest = closed[0] if closed else None
        open_cycle = next((c for c in mine if c[3] == "open"), None)
        report = next((c for c in closed if c[0] in reported), None)
        invited, answered = counts.get(open_cycle[0], (0, 0)) if open_cycle else (0, 0)
        due = open_cycle[4] if open_cycle else None
        days_left = (due - today).days if due else None
        health = run_health_checks(snapshots[org.id], today)
        attention = []
        if open_cycle and invited > answered and days_left is not None and days_left <= REMIND_WITHIN_DAYS:
            attention.append("reminders_due")
        if open_cycle and answered and (answered == invited or (days_left is not None and days_left < 0)):
            attention.append("ready_to_close")
        if latest and (report is None or report[0] != latest[0]):
            attention.append("report_not_issued")
        if actions[org.id]["overdue"]:
            attention.append("overdue_actions")
        rows.append(
            PortfolioRow(
                org_id=org.id,
                slug=org.slug,
                name=org.name,
                industry=org.industry or "",
                period=latest[2] if latest else None,
                cycle_id=latest[0] if latest else None,
                index=latest[6] if latest else None,
                stage=stage_names.get((latest[5], latest[7]), latest[7]) if latest and latest[7] else None,
                change=latest[8] if latest else None,
                open_cycle_id=open_cycle[0] if open_cycle else None,
                open_period=open_cycle[2] if open_cycle else None,
                invited=invited,
                answered=answered,
                due_date=due,
                days_left=days_left,
                health_score=health.score,
                open_actions=actions[org.id]["open"],
                overdue_actions=actions[org.id]["overdue"],
                last_report_period=report[2] if report else None,
                last_report_cycle_id=report[0] if report else None,
                attention=tuple(attention),
            )
        )
    return rows


def _reported_cycles(org_ids: list[int]) -> set[int]:
    """Return the ids of the cycles whose report has been issued (at least version 1)."""
    return set(db.session.scalars(select(ReportVersion.cycle_id).where(ReportVersion.org_id.in_(org_ids)).distinct()))


#: sort key -> function of a row; None values sort last whichever the direction
SORTS: dict[str, Any] = {
    "name": lambda r: r.name.lower(),
    "industry": lambda r: r.industry.lower(),
    "index": lambda r: r.index,
    "change": lambda r: r.change,
    "progress": lambda r: (r.answered / r.invited) if r.invited else None,
    "days_left": lambda r: r.days_left,
    "health": lambda r: r.health_score,
    "overdue": lambda r: r.overdue_actions,
    "report": lambda r: r.last_report_period,
}


def portfolio_view(
    rows: list[PortfolioRow],
    *,
    sort: str = "name",
    desc: bool = False,
    industry: str = "",
    attention_only: bool = False,
) -> list[PortfolioRow]:
    """Return ``rows`` filtered by industry and attention, sorted by ``sort`` (None last)."""
    picked = [r for r in rows if (not industry or r.industry == industry) and (not attention_only or r.attention)]
    key = SORTS.get(sort, SORTS["name"])
    present = [r for r in picked if key(r) is not None]
    missing = [r for r in picked if key(r) is None]
    present.sort(key=lambda r: (key(r), r.name.lower()), reverse=desc)
    return present + sorted(missing, key=lambda r: r.name.lower())


#: The export's columns, in order (marked here, translated when the export is written).
EXPORT_HEADERS = (
    N_("Organisation"),
    N_("Industry"),
    N_("Latest period"),
    N_("Index"),
    N_("Stage"),
    N_("Change"),
    N_("Open cycle"),
    N_("Answered"),
    N_("Invited"),
    N_("Due date"),
    N_("Days left"),
    N_("Register health"),
    N_("Open actions"),
    N_("Overdue actions"),
    N_("Last report"),
    N_("Needs attention"),
)


def portfolio_table(rows: list[PortfolioRow]) -> tuple[list[str], list[list[Cell]]]:
    """Return ``(headers, rows)`` of the portfolio for export, words in the language being rendered."""
    return [_(header) for header in EXPORT_HEADERS], [
        [
            r.name,
            r.industry,
            r.period or "",
            r.index if r.index is not None else "",
            r.stage or "",
            r.change if r.change is not None else "",
            r.open_period or "",
            r.answered,
            r.invited,
            r.due_date.isoformat() if r.due_date else "",
            r.days_left if r.days_left is not None else "",
            r.health_score,
            r.open_actions,
            r.overdue_actions,
            r.last_report_period or "",
            ", ".join(attention_label(a) for a in r.attention),
        ]
        for r in rows
    ]
