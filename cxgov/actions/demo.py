"""Demo action history: the demo's quarterly gaps turned into actions, replayed in time order.

After each closed demo quarter the sponsor turns the top gaps into actions (through
:func:`action_create_from_gap`, so title, description, priority and owner come from the
framework and the register). Their fates are drawn from ``random.Random(7)``: most older
actions are done (a few late), some are dropped with a reason, and the latest quarter's are
in progress, due soon or overdue. Every event (start, note, done, drop, carry into the next
cycle) is replayed through the services in date order, so the carry-forward links and the
change history read as they would have happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import partial
from datetime import UTC, date, datetime, timedelta
from typing import Callable

from sqlalchemy import select

from ..auth.models import User
from ..cycles.models import Cycle
from ..demo import DEMO_SPONSOR, DemoContext, demo_step
from ..extensions import db
from ..register.models import Person
from ..scoring.engine import CycleResult
from . import services
from .models import Action

#: Gaps turned into actions per closed quarter (oldest to newest).
ACTIONS_PER_QUARTER = (2, 3, 3, 3, 3, 3, 3, 4)

#: What became of older quarters' actions, cycled through so every outcome shows up.
OLDER_FATES = ("done", "done", "late", "done", "dropped", "done", "late", "done", "done", "done", "dropped")

START_NOTES = (
    "Kick-off held with the people involved; scope and first deliverable agreed.",
    "Owner confirmed; a first draft is being written with two team leaders.",
    "Workshop booked with customer service and the stores for next month.",
    "Started with the data we already have; gaps listed for the insight manager.",
)
PROGRESS_NOTES = (
    "First version shared with the customer board; comments due in two weeks.",
    "Pilot running in customer service; front-line feedback collected weekly.",
    "Half of the teams trained; the rest are planned before the quarter ends.",
    "Draft approved by the management team; rolling out to all channels.",
    "Waiting for IT to add the field to the CRM; workaround in a shared sheet.",
)
DONE_NOTES = (
    "Done: in use by every team; evidence filed for the next assessment.",
    "Done: approved and published on the intranet; managers briefed.",
    "Done: routine running for a full month; first results in the CX report.",
)
DROP_REASONS = (
    "Superseded by the CRM programme: the step is now part of its roadmap for next year.",
    "Budget moved to the billing fix after the complaint spike; revisit next year.",
    "Merged into the outer-loop forum's action on the same theme.",
)


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    #: What happens then (a service call; what it returns is not used).
    run: Callable[[], object] = field(compare=False)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@demo_step
def demo_actions(ctx: DemoContext) -> None:
    """Create a realistic action history across the demo's quarters."""
    cycles = list(db.session.scalars(select(Cycle).where(Cycle.org_id == ctx.org.id).order_by(Cycle.period)))
    closed = [
        (c, results, closed_at)
        for c in cycles
        if c.status == "closed" and (results := c.results) is not None and (closed_at := c.closed_at) is not None
    ]
    if not closed:
        return  # no assessments in the demo: nothing to follow up
    rng = random.Random(7)
    today = date.today()
    now = datetime.now(UTC)
    sponsor = ctx.members.get(DEMO_SPONSOR) or ctx.consultant
    people = list(
        db.session.scalars(
            select(Person).where(Person.org_id == ctx.org.id, Person.active.is_(True)).order_by(Person.id)
        )
    )
    events: list[_Event] = []
    seq = iter(range(1_000_000))

    def at(when: datetime, run: Callable[[], object]) -> None:
        events.append(_Event(min(when, now - timedelta(minutes=5)), next(seq), run))

    planned: set[str] = set()
    for number, (cycle, results, closed_at) in enumerate(closed):
        result = CycleResult.from_dict(results)
        latest = number == len(closed) - 1
        made = closed_at + timedelta(days=3, hours=-6)
        chosen = [p for p in result.top_gaps() if p.practice_id not in planned][
            : ACTIONS_PER_QUARTER[min(number, len(ACTIONS_PER_QUARTER) - 1)]
        ]
        for k, gap in enumerate(chosen):
            planned.add(gap.practice_id)
            days = (42, 56, 70, 84)[k % 4] if latest else rng.choice((42, 56, 70, 84))
            due = (made + timedelta(days=days)).date()
            fate = _fate(rng, latest, number, k, due, today)
            _schedule(at, ctx, cycle, gap.practice_id, made, due, fate, rng, sponsor, people, today)
        # Practices that were acted on may come back after two quarters if still below target.
        if number % 2 == 1:
            planned.clear()
    for cycle in cycles[1:]:
        opened_at = cycle.opened_at
        if opened_at is not None:
            at(opened_at, partial(services.actions_carry_forward, cycle=cycle, now=opened_at))
    for event in sorted(events):
        event.run()
        db.session.flush()


def _fate(rng: random.Random, latest: bool, number: int, k: int, due: date, today: date) -> str:
    """Return what happens to an action: done, late, dropped, progress, overdue or planned."""
    del due, today  # the fate is fixed; whether it is overdue follows from the real date
    if latest:
        # The newest quarter's actions: one done, the rest in progress or not started; the
        # first is due six weeks after the close, so in the demo's present it is overdue.
        return ("progress", "done", "planned", "progress")[k % 4]
    if number == 6 and k == 0:
        return "overdue"  # one from the quarter before is still open and late
    return OLDER_FATES[(number * 3 + k) % len(OLDER_FATES)]


def _schedule(
    at: Callable[[datetime, Callable[[], object]], None],
    ctx: DemoContext,
    cycle: Cycle,
    practice_id: str,
    made: datetime,
    due: date,
    fate: str,
    rng: random.Random,
    sponsor: User,
    people: list[Person],
    today: date,
) -> None:
    """Queue the events of one action's life: creation, start, notes and its end."""
    holder: dict[str, Action] = {}
    org = ctx.org

    def create() -> None:
        action = services.action_create_from_gap(org=org, cycle=cycle, practice_id=practice_id, by=sponsor, now=made)
        owner = action.owner or (people[action.id % len(people)] if people else None)
        services.action_update(
            org=org,
            action=action,
            by=sponsor,
            version_id=None,
            due_date=due,
            owner=owner,
            now=made + timedelta(minutes=4),
        )
        holder["a"] = action

    at(made, create)
    if fate == "planned":
        return
    start = made + timedelta(days=rng.randint(6, 14))
    at(
        start,
        lambda: services.action_update(
            org=org, action=holder["a"], by=sponsor, version_id=None, status="in_progress", now=start
        ),
    )
    first = rng.choice(START_NOTES)
    at(
        start + timedelta(hours=1),
        lambda: services.action_note_add(
            org=org, action=holder["a"], by=sponsor, text=first, at=start + timedelta(hours=1)
        ),
    )
    middle = start + timedelta(days=rng.randint(18, 30))
    if fate in ("done", "late", "progress", "overdue"):
        progress = rng.choice(PROGRESS_NOTES)
        at(middle, lambda: services.action_note_add(org=org, action=holder["a"], by=sponsor, text=progress, at=middle))
    if fate in ("done", "late"):
        end_day = (
            due - timedelta(days=rng.randint(1, 12)) if fate == "done" else due + timedelta(days=rng.randint(8, 30))
        )
        end_day = min(end_day, today - timedelta(days=1))
        end = max(_noon(end_day), middle + timedelta(days=1))
        closing = rng.choice(DONE_NOTES)
        at(end, lambda: services.action_note_add(org=org, action=holder["a"], by=sponsor, text=closing, at=end))
        at(
            end + timedelta(minutes=5),
            lambda: services.action_update(
                org=org, action=holder["a"], by=sponsor, version_id=None, status="done", now=end + timedelta(minutes=5)
            ),
        )
    elif fate == "dropped":
        reason = rng.choice(DROP_REASONS)
        when = middle + timedelta(days=3)
        at(
            when,
            lambda: services.action_update(
                org=org, action=holder["a"], by=sponsor, version_id=None, status="dropped", drop_reason=reason, now=when
            ),
        )
