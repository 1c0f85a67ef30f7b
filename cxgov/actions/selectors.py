"""Reads of the action plan: the filtered plan, the follow-up of a cycle, badges and counts.

``action_followup`` is what the report's "action plan follow-up" section and the cycle
dashboard use: plain dataclasses, two queries, no ORM objects leaking into templates or PDFs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import defer, selectinload

from ..cycles.models import PERIOD_RE, Cycle
from ..cycles.services import cycle_framework, cycle_score, framework_versions
from ..extensions import db
from ..framework.catalog import framework_catalog
from ..framework.model import Framework
from ..numbers import fmt_level
from ..orgs.models import Organisation
from ..register.models import Person, Touchpoint
from ..scoring.engine import CycleResult
from ..scoring.versions import successor_ids, version_chain
from .models import ACTION_STATUSES, OPEN_STATUSES, Action, ActionCycleLink, status_label

if TYPE_CHECKING:
    from ..history.models import ChangeLog

#: Sort orders of the action plan page.
SORTS: tuple[str, ...] = ("due", "priority", "practice", "updated")
#: Follow-up categories, in the order the report shows them.
FOLLOWUP_CATEGORIES: tuple[str, ...] = ("overdue", "due", "open", "done")


def period_bounds(period: str) -> tuple[date, date]:
    """Return the first and last day of a ``YYYY-Qn`` quarter."""
    match = PERIOD_RE.match(period or "")
    if not match:
        raise ValueError(f"not a period: {period!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


# -- the follow-up of one cycle ------------------------------------------------------------
@dataclass(frozen=True)
class ActionFollowUp:
    """One action in a cycle's follow-up: what was planned since last quarter and what happened."""

    action_id: int
    practice_id: str | None
    touchpoint_id: int | None
    title: str
    owner_name: str | None
    status: str  #: planned, in_progress or done (as of the cycle)
    due_date: date | None
    done_at: date | None
    overdue: bool  #: open and past its due date (as of the cycle)
    category: str  #: "overdue", "due" (due within the quarter), "open" or "done"
    score_change: float | None  #: the practice's level change since the previous closed cycle
    source_period: str | None  #: the quarter whose gap created the action
    carried: bool  #: carried into this cycle because it was still open when it opened
    #: the practice this action follows in this cycle's framework version: the same id, or
    #: its successor through the version map (A11 renamed A12, B11 merged into B10)
    current_practice_id: str | None = None


def followup_as_of(cycle: Cycle, today: date | None = None) -> date:
    """Return the day a cycle's follow-up describes: today while open, the close day once closed."""
    today = today or date.today()
    if cycle.status == "closed" and cycle.closed_at is not None:
        return min(today, cycle.closed_at.date())
    return today


def action_followup(
    org_id: int, cycle: Cycle, *, result: "CycleResult | None" = None, today: date | None = None
) -> list[ActionFollowUp]:
    """Return the actions to follow up in ``cycle``, overdue first, then by due date.

    An action belongs to the follow-up when it was made from the previous closed cycle's
    gaps, was carried into this cycle, or fell due or was done between the end of the
    previous closed cycle's quarter and the end of this one. Dropped actions are left out.
    Status and the overdue flag are as of :func:`followup_as_of` (a closed cycle keeps what
    was true when it closed). ``score_change`` comes from ``result`` (or the cycle's stored
    result; an open cycle without ``result`` is scored live).

    Two queries: the previous closed cycle, then the actions with their owners' names.
    """
    if cycle.org_id != org_id:
        raise ValueError("the cycle belongs to another organisation")
    as_of = followup_as_of(cycle, today)
    start, end = period_bounds(cycle.period)
    previous = db.session.execute(
        select(Cycle.id, Cycle.period)
        .where(Cycle.org_id == org_id, Cycle.period < cycle.period, Cycle.status == "closed")
        .order_by(Cycle.period.desc())
        .limit(1)
    ).first()
    window_start = period_bounds(previous.period)[1] + timedelta(days=1) if previous else start
    source = Cycle.__table__.alias("source_cycle")
    link = (
        select(ActionCycleLink.id)
        .where(ActionCycleLink.action_id == Action.id, ActionCycleLink.cycle_id == cycle.id)
        .exists()
    )
    criteria = [
        link,
        Action.due_date.between(window_start, end),
        (Action.done_at >= _midnight(window_start)) & (Action.done_at < _midnight(end + timedelta(days=1))),
    ]
    if previous is not None:
        criteria.append(Action.source_cycle_id == previous.id)
    rows = db.session.execute(
        select(
            Action.id,
            Action.practice_id,
            Action.touchpoint_id,
            Action.title,
            Action.status,
            Action.due_date,
            Action.done_at,
            Action.created_at,
            Person.name,
            source.c.period,
            link.label("carried"),
        )
        .outerjoin(Person, Person.id == Action.owner_id)
        .outerjoin(source, source.c.id == Action.source_cycle_id)
        .where(Action.org_id == org_id, Action.status != "dropped", or_(*criteria))
    ).all()
    if result is None:
        result = _cycle_result(cycle)
    changes = {p.practice_id: p.change for p in result.practices} if result is not None else {}
    current_id = _practice_translator(cycle)
    items = []
    for row in rows:
        if row.created_at.date() > as_of:
            continue  # made after the cycle closed: the next cycle follows it up
        done_day = row.done_at.date() if row.done_at is not None else None
        if row.status == "done" and done_day is not None and done_day <= as_of:
            status, category, overdue = "done", "done", False
        else:
            status = row.status if row.status in OPEN_STATUSES else "in_progress"
            overdue = row.due_date is not None and row.due_date < as_of
            category = "overdue" if overdue else ("due" if row.due_date is not None and row.due_date <= end else "open")
            done_day = None
        current_practice_id = current_id(row.practice_id)
        items.append(
            ActionFollowUp(
                action_id=row.id,
                practice_id=row.practice_id,
                touchpoint_id=row.touchpoint_id,
                title=row.title,
                owner_name=row.name,
                status=status,
                due_date=row.due_date,
                done_at=done_day,
                overdue=overdue,
                category=category,
                score_change=changes.get(current_practice_id) if current_practice_id is not None else None,
                source_period=row.period,
                carried=bool(row.carried),
                current_practice_id=current_practice_id,
            )
        )
    order = {c: i for i, c in enumerate(FOLLOWUP_CATEGORIES)}
    items.sort(key=lambda f: (order[f.category], f.due_date or date.max, f.practice_id or "", f.action_id))
    return items


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _cycle_result(cycle: Cycle) -> "CycleResult | None":
    """Return the cycle's stored result, or its live score while it is open."""

    if cycle.results is not None:
        return CycleResult.from_dict(cycle.results)

    org = db.session.get_one(Organisation, cycle.org_id)
    return cycle_score(cycle=cycle, org=org)


def _practice_translator(cycle: Cycle) -> Callable[[str | None], str | None]:
    """Return a function taking an action's practice id to its id in ``cycle``'s framework.

    An action made on an earlier version's practice follows that practice's successor
    (the first one, for a split); a retired practice keeps its old id and has no score.
    """

    framework = cycle_framework(cycle)
    known = {p.id for p in framework.practices}
    if framework.version_map is None:
        return lambda practice_id: practice_id
    chains: list = []
    loaded: list[bool] = []

    def translate(practice_id: str | None) -> str | None:
        if practice_id is None or practice_id in known:
            return practice_id
        if not loaded:  # read the other versions only when an action needs them (one query)
            loaded.append(True)
            versions = framework_versions(framework)
            chains.extend(
                c for c in (version_chain(framework, v, versions) for v in versions if v != framework.version) if c
            )
        for chain in chains:
            successors = successor_ids(practice_id, chain)
            if successors:
                return successors[0]
        return practice_id

    return translate


def followup_by_practice(items: Iterable[ActionFollowUp]) -> dict[str, list[ActionFollowUp]]:
    """Group follow-up items by the practice they follow in this cycle (touchpoint-only: "")."""
    grouped: dict[str, list[ActionFollowUp]] = {}
    for item in items:
        grouped.setdefault(item.current_practice_id or item.practice_id or "", []).append(item)
    return grouped


# -- the action plan page --------------------------------------------------------------------
@dataclass(frozen=True)
class ActionFilters:
    """The action plan page's filters (all optional) and sort order."""

    status: str | None = None  #: one of ACTION_STATUSES, or "open"
    owner_id: int | None = None
    dimension: str | None = None  #: dimension code, the letter practice ids start with
    practice_id: str | None = None
    overdue: bool = False
    sort: str = "due"


def _filtered(query: Select, org_id: int, filters: ActionFilters, today: date) -> Select:
    query = query.where(Action.org_id == org_id)
    if filters.status == "open":
        query = query.where(Action.status.in_(OPEN_STATUSES))
    elif filters.status in ACTION_STATUSES:
        query = query.where(Action.status == filters.status)
    if filters.owner_id:
        query = query.where(Action.owner_id == filters.owner_id)
    if filters.practice_id:
        query = query.where(Action.practice_id == filters.practice_id)
    elif filters.dimension:
        query = query.where(Action.practice_id.like(f"{filters.dimension}%"))
    if filters.overdue:
        query = query.where(Action.status.in_(OPEN_STATUSES), Action.due_date < today)
    return query


def actions_list(org_id: int, filters: ActionFilters, today: date | None = None) -> list[Action]:
    """Return the organisation's actions matching ``filters``, in the chosen order, owners loaded."""

    today = today or date.today()

    query = _filtered(select(Action), org_id, filters, today).options(
        selectinload(Action.owner),
        selectinload(Action.touchpoint).selectinload(Touchpoint.journey),
        selectinload(Action.touchpoint).selectinload(Touchpoint.channel),
    )
    if filters.sort == "priority":
        query = query.order_by(Action.priority.desc(), Action.due_date.is_(None), Action.due_date, Action.id)
    elif filters.sort == "practice":
        query = query.order_by(Action.practice_id, Action.due_date.is_(None), Action.due_date, Action.id)
    elif filters.sort == "updated":
        query = query.order_by(Action.updated_at.desc(), Action.id.desc())
    else:
        # Open work first, soonest due first; then done and dropped, most recently closed first.
        actions = list(db.session.scalars(query))
        open_ = sorted(
            (a for a in actions if a.is_open),
            key=lambda a: (a.due_date is None, a.due_date or date.max, -a.priority, a.id),
        )
        closed = sorted(
            (a for a in actions if not a.is_open), key=lambda a: ((a.done_at or a.updated_at), a.id), reverse=True
        )
        return open_ + closed
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ActionSummary:
    """How many actions are in each status, and how many open ones are overdue."""

    planned: int = 0
    in_progress: int = 0
    done: int = 0
    dropped: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.planned + self.in_progress + self.done + self.dropped


def actions_summary(org_id: int, today: date | None = None) -> ActionSummary:
    """Return the counts per status and the overdue count of the whole plan in one query."""
    today = today or date.today()
    rows = db.session.execute(
        select(Action.status, (Action.due_date < today).label("late"), func.count())
        .where(Action.org_id == org_id)
        .group_by(Action.status, "late")
    ).all()
    counts: Counter[str] = Counter()
    for status, late, n in rows:
        counts[status] += n
        if late and status in OPEN_STATUSES:
            counts["overdue"] += n
    return ActionSummary(**{k: counts.get(k, 0) for k in (*ACTION_STATUSES, "overdue")})


def overdue_count_for_user(org_id: int, user_id: int, today: date | None = None) -> int:
    """Return how many open actions past due are owned by the register person of ``user_id``."""
    today = today or date.today()
    return (
        db.session.scalar(
            select(func.count(Action.id))
            .join(Person, Person.id == Action.owner_id)
            .where(
                Action.org_id == org_id,
                Person.org_id == org_id,
                Person.user_id == user_id,
                Action.status.in_(OPEN_STATUSES),
                Action.due_date < today,
            )
        )
        or 0
    )


def actions_for_person(org_id: int, person_id: int) -> list[Action]:
    """Return a person's actions: open ones by due date, then done and dropped, newest first."""
    return actions_list(org_id, ActionFilters(owner_id=person_id))


def org_framework(org_id: int) -> Framework | None:
    """Return the framework of the organisation's newest cycle, else the default catalogue one."""

    # The snapshot (and the stored results) are large JSON; the framework is cached by hash,
    # so they are only loaded when this process has not rebuilt that framework yet.
    cycle = db.session.scalar(
        select(Cycle)
        .where(Cycle.org_id == org_id)
        .options(defer(Cycle.framework_snapshot), defer(Cycle.results))
        .order_by(Cycle.period.desc())
        .limit(1)
    )
    if cycle is not None:
        return cycle_framework(cycle)
    try:
        catalog = framework_catalog()
    except Exception:  # noqa: BLE001 - labels are a nicety; the plan works without them
        return None
    return catalog.get("cx-governance") or next(iter(catalog.valid.values()), None)


def practice_titles(framework: Framework | None, lang: str | None = None) -> dict[str, str]:
    """Return practice id -> title for labels (empty without a framework)."""
    if framework is None:
        return {}
    return {p.id: p.title.get(lang) for p in framework.practices}


# -- the change history of one action, readable --------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    """One change history entry with readable field names and values."""

    at: datetime
    who: str | None
    created: bool
    changes: tuple[tuple[str, str, str], ...]  #: (field label, before, after)


def readable_history(org_id: int, entries: Iterable["ChangeLog"]) -> list[HistoryRow]:
    """Return change log entries of actions with labels, owner names, periods and plain dates."""

    entries = list(entries)
    labels = {
        "title": _("Title"),
        "description": _("What to do"),
        "owner_id": _("Owner"),
        "due_date": _("Due date"),
        "status": _("Status"),
        "drop_reason": _("Why dropped"),
        "done_at": _("Done on"),
        "practice_id": _("Practice"),
        "touchpoint_id": _("Touchpoint"),
        "priority": _("Priority"),
        "source_cycle_id": _("From the assessment"),
        "note": _("Note"),
    }
    person_ids: set[int] = set()
    touchpoint_ids: set[int] = set()
    cycle_ids: set[int] = set()
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            target = {"owner_id": person_ids, "touchpoint_id": touchpoint_ids, "source_cycle_id": cycle_ids}.get(name)
            if target is not None:
                target.update(v for v in pair if isinstance(v, int))
    names: dict[str, dict[int, str]] = {"owner_id": {}, "touchpoint_id": {}, "source_cycle_id": {}}
    if person_ids:
        names["owner_id"] = dict(
            db.session.execute(
                select(Person.id, Person.name).where(Person.org_id == org_id, Person.id.in_(person_ids))
            ).all()
        )
    if touchpoint_ids:
        names["touchpoint_id"] = {
            t.id: t.label
            for t in db.session.scalars(
                select(Touchpoint).where(Touchpoint.org_id == org_id, Touchpoint.id.in_(touchpoint_ids))
            )
        }
    if cycle_ids:
        names["source_cycle_id"] = dict(
            db.session.execute(
                select(Cycle.id, Cycle.period).where(Cycle.org_id == org_id, Cycle.id.in_(cycle_ids))
            ).all()
        )

    def show(name: str, value: object) -> str:
        if value in (None, ""):
            return "–"
        if name in names:  # ids are stored as ints; anything else cannot name a row
            return names[name].get(value, f"#{value}") if isinstance(value, int) else f"#{value}"
        if name == "status":
            return status_label(str(value))
        if name == "done_at":
            return str(value)[:10]
        if name == "priority" and isinstance(value, (int, float, str)):
            return fmt_level(float(value))
        return str(value)

    rows = []
    for entry in entries:
        changes = tuple(
            (labels.get(name, name), show(name, pair[0]), show(name, pair[1]))
            for name, pair in (entry.changes or {}).items()
            if entry.action != "create" or name == "note"
        )
        rows.append(
            HistoryRow(
                at=entry.at,
                who=entry.user.name if entry.user else None,
                created=entry.action == "create",
                changes=changes,
            )
        )
    return rows
