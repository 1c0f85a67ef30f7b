"""The organisation's start page: where it stands and what to do next, from every feature.

Composes the features' own selectors (cycles, register health, actions) into one plain
record for the template, in a fixed handful of queries whatever the organisation's size; the
register is read through the reports' memo, so only a changed register is read and checked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import func, select

from .actions.selectors import ActionSummary, actions_summary
from .auth.models import User
from .charts import DEFAULT_ACCENT, Series, trend_chart
from .cycles.models import Cycle, Respondent
from .cycles.services import closed_results, cycle_framework, cycle_list
from .extensions import db
from .i18n import current_language
from .orgs.models import Organisation
from .onboarding.checklist import (
    ClosedCycleSummary,
    NextAction,
    OpenCycleSummary,
    Step,
    checklist_steps,
    quarter_of,
    sponsor_next_action,
)
from .orgs.models import Membership, Role
from .register.health import practice_map
from .reports.selectors import register_read


@dataclass(frozen=True)
class FailingCheck:
    key: str
    title: str
    count: int


@dataclass(frozen=True)
class Overview:
    """Everything the overview page shows, as plain values."""

    latest_cycle_id: int | None = None
    latest_period: str | None = None
    latest_index: float | None = None
    latest_stage: str | None = None
    index_change: float | None = None
    open_cycle_id: int | None = None
    open_period: str | None = None
    open_invited: int = 0
    open_submitted: int = 0
    #: the current user is invited to the open cycle and has not submitted yet
    my_answers_due: bool = False
    health_score: int | None = None
    failing_checks: list[FailingCheck] = field(default_factory=list)
    actions: ActionSummary = field(default_factory=ActionSummary)
    trend: Markup | None = None
    #: getting-started steps, shown until every step is done or a first cycle has closed
    checklist: list[Step] = field(default_factory=list)
    #: the next thing to do in the cycle's life (managers see it), with its due date
    next_action: NextAction | None = None
    current_period: str = ""
    #: a cycle exists for the current quarter (then "start this quarter's assessment" is not offered)
    current_quarter_has_cycle: bool = False


def overview_for(org: Organisation, user: User, *, lang: str | None = None, accent: str | None = None) -> Overview:
    """Return the overview of ``org`` as seen by ``user``."""
    rows = cycle_list(org)
    latest = next((r for r in rows if r.status == "closed"), None)
    open_row = next((r for r in rows if r.status == "open"), None)

    stage_name = None
    index_change = None
    trend = None
    history = closed_results(org)
    if latest is not None:
        cycle = db.session.get_one(Cycle, latest.id)
        result = dict(history).get(latest.period)
        if result is not None and result.index is not None:
            stage_name = cycle_framework(cycle).stage_for(result.index).name.get(lang)
            index_change = result.change
    if len(history) >= 2:
        periods = [period for period, _ in history]
        trend = trend_chart(
            periods,
            [Series(gettext("Maturity index"), [r.index for _, r in history])],
            width=560,
            height=200,
            accent=accent or DEFAULT_ACCENT,
        )

    my_answers_due = False
    if open_row is not None:
        submitted_at = db.session.execute(
            select(Respondent.submitted_at).where(Respondent.cycle_id == open_row.id, Respondent.user_id == user.id)
        ).first()
        my_answers_due = submitted_at is not None and submitted_at[0] is None

    today = date.today()
    # The report's register memo: the rows are read and checked again only when the register's
    # stamp moved, so an unchanged 10,000-touchpoint register costs one aggregate query here.
    register = register_read(org, today=today, practices=practice_map(), lang=lang or current_language())
    snapshot, health = register.snapshot, register.health
    failing = [FailingCheck(r.key, r.title, r.count) for r in health.failing]
    actions = actions_summary(org.id)
    current_period = quarter_of(today)
    has_current = any(r.period == current_period for r in rows)
    checklist: list[Step] = []
    if latest is None:
        answering = (
            db.session.scalar(
                select(func.count(Membership.id)).where(Membership.org_id == org.id, Membership.role != Role.CONSULTANT)
            )
            or 0
        )
        checklist = checklist_steps(
            snapshot, answering_members=answering, cycle_statuses=[r.status for r in rows], today=today
        )
        if all(step.done for step in checklist):
            checklist = []
    open_summary: OpenCycleSummary | None = None
    if open_row is not None:
        open_cycle = db.session.get_one(Cycle, open_row.id)
        open_summary = {
            "id": open_row.id,
            "period": open_row.period,
            "invited": open_row.invited,
            "submitted": open_row.submitted,
            "due_date": open_cycle.due_date,
        }
    latest_summary: ClosedCycleSummary | None = None
    if latest is not None:
        latest_cycle = db.session.get_one(Cycle, latest.id)
        latest_summary = {
            "id": latest.id,
            "period": latest.period,
            "closed_on": latest_cycle.closed_at.date() if latest_cycle.closed_at else None,
        }
    next_action = sponsor_next_action(
        today=today,
        open_cycle=open_summary,
        latest_closed=latest_summary,
        current_quarter_has_cycle=has_current,
        overdue_actions=actions.overdue,
    )
    return Overview(
        latest_cycle_id=latest.id if latest else None,
        latest_period=latest.period if latest else None,
        latest_index=latest.index if latest else None,
        latest_stage=stage_name,
        index_change=index_change,
        open_cycle_id=open_row.id if open_row else None,
        open_period=open_row.period if open_row else None,
        open_invited=open_row.invited if open_row else 0,
        open_submitted=open_row.submitted if open_row else 0,
        my_answers_due=my_answers_due,
        health_score=health.score,
        failing_checks=failing,
        actions=actions,
        trend=trend,
        checklist=checklist,
        next_action=next_action,
        current_period=current_period,
        current_quarter_has_cycle=has_current,
    )
