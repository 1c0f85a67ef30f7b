"""The organisation's start page: where it stands and what to do next, from every feature.

Composes the features' own selectors (cycles, register health, actions) into one plain
record for the template, in a fixed handful of queries whatever the organisation's size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlalchemy import select

from .actions.selectors import ActionSummary, actions_summary
from .auth.models import User
from .charts import Series, trend_chart
from .cycles.models import Cycle, Respondent
from .cycles.services import closed_results, cycle_framework, cycle_list
from .extensions import db
from .orgs.models import Organisation
from .register.health import register_health


@dataclass(frozen=True)
class FailingCheck:
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
        cycle = db.session.get(Cycle, latest.id)
        result = dict(history).get(latest.period)
        if result is not None and result.index is not None:
            stage_name = cycle_framework(cycle).stage_for(result.index).name.get(lang)
            index_change = result.change
    if len(history) >= 2:
        periods = [period for period, _ in history]
        trend = trend_chart(periods, [Series("Maturity index", [r.index for _, r in history])],
                            width=560, height=200, **({"accent": accent} if accent else {}))

    my_answers_due = False
    if open_row is not None:
        submitted_at = db.session.execute(
            select(Respondent.submitted_at).where(Respondent.cycle_id == open_row.id,
                                                  Respondent.user_id == user.id)).first()
        my_answers_due = submitted_at is not None and submitted_at[0] is None

    health = register_health(org, date.today())
    failing = [FailingCheck(r.title, r.count) for r in health.failing]
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
        actions=actions_summary(org.id),
        trend=trend,
    )
