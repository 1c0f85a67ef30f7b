"""Portfolio fixtures: client organisations with cycles, respondents, actions and a register."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from cxgov.actions.models import Action
from cxgov.cycles.models import Cycle, Respondent
from cxgov.extensions import db
from cxgov.register import services


def closed_cycle(org, period: str, index: float, change: float | None = None, dimensions=None,
                 framework_key="cx-governance", version="1.0", stage_key="defined",
                 profile_key: str | None = None) -> Cycle:
    """A closed cycle with stored results (the portfolio and benchmark read only those)."""
    results = {"index": index, "stage_key": stage_key, "change": change, "framework_key": framework_key,
               "framework_version": version,
               "dimensions": [{"key": k, "index": v} for k, v in (dimensions or {}).items()]}
    cycle = Cycle(org_id=org.id, period=period, framework_key=framework_key, framework_version=version,
                  framework_snapshot={}, framework_hash="h", status="closed", results=results,
                  profile_key=profile_key, closed_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    db.session.add(cycle)
    db.session.flush()
    return cycle


def client_with_activity(org, users, *, today: date, n: int) -> None:
    """Give ``org`` a closed and an open cycle, respondents, actions and a small register."""
    closed_cycle(org, "2026-Q2", 40.0 + n, change=float(n % 5) - 2)
    open_cycle = Cycle(org_id=org.id, period="2026-Q3", framework_key="cx-governance", framework_version="1.0",
                       framework_snapshot={}, framework_hash="h", status="open", due_date=today + timedelta(days=n % 10))
    db.session.add(open_cycle)
    db.session.flush()
    for i, user in enumerate(users):
        db.session.add(Respondent(org_id=org.id, cycle_id=open_cycle.id, user_id=user.id, group="leadership",
                                  submitted_at=datetime(2026, 9, 1, tzinfo=timezone.utc) if i < 2 else None))
    person = services.person_create(org=org, name=f"Owner {n}", by=None)
    channel = services.channel_create(org=org, name="Phone", kind="phone", manager=person, by=None)
    journey = services.journey_create(org=org, name="Move in", owner=person, by=None)
    services.touchpoint_create(org=org, journey=journey, channel=channel, name="Sign up", by=None)
    db.session.add(Action(org_id=org.id, title="Late", status="planned", due_date=today - timedelta(days=3)))
    db.session.add(Action(org_id=org.id, title="Fine", status="in_progress", due_date=today + timedelta(days=30)))
    db.session.commit()
