"""The getting-started checklist and the sponsor's next action, as pure functions over plain data.

The checklist follows the order in which things depend on each other (touchpoints need
journeys and channels; owners need people; a cycle needs respondents), and each step ticks
itself from the data: nobody marks a step done by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Sequence, TypedDict

from ..messages import N_
from ..register.health import RegisterSnapshot


@dataclass(frozen=True)
class Step:
    key: str
    title: str  #: English (marked with N_); the page translates it
    hint: str  #: English (marked with N_); what to do, one sentence
    done: bool
    endpoint: str  #: where the step is done
    args: dict[str, Any] = field(default_factory=dict)


#: (key, title, hint, endpoint, args) in dependency order
STEPS: tuple[tuple[str, str, str, str, dict[str, Any]], ...] = (
    (
        "settings",
        N_("Settings and service promise"),
        N_("Write the service promise every employee keeps (and check name, industry and language)."),
        "org.settings",
        {},
    ),
    (
        "journeys",
        N_("Customer journeys"),
        N_("Add the journeys customers go through, e.g. Move in, First bill."),
        "register.journey_new",
        {},
    ),
    (
        "channels",
        N_("Channels"),
        N_("Add the channels customers use, including a complaints channel."),
        "register.channel_new",
        {},
    ),
    (
        "people",
        N_("People"),
        N_("Add the people who own journeys, channels and touchpoints."),
        "register.person_new",
        {},
    ),
    (
        "roles",
        N_("CX roles, including the CX sponsor"),
        N_("Record who holds the CX roles in the organisation; exactly one CX sponsor."),
        "register.role_new",
        {"role": "cx_sponsor"},
    ),
    (
        "touchpoints",
        N_("Touchpoints with owners"),
        N_("Add the moments where customers meet you, each with an owner."),
        "register.touchpoint_new",
        {},
    ),
    ("respondents", N_("Respondents"), N_("Invite the members who will answer the assessment."), "org.members", {}),
    (
        "cycle",
        N_("Open the first assessment"),
        N_("Start this quarter's assessment and invite the respondents."),
        "cycles.new",
        {},
    ),
)


def checklist_steps(
    snapshot: RegisterSnapshot, *, answering_members: int, cycle_statuses: Sequence[str], today: date
) -> list[Step]:
    """Return the getting-started steps with ``done`` read from the data."""
    touchpoints = snapshot.active_touchpoints()
    done = {
        "settings": bool(snapshot.service_promise.strip()),
        "journeys": any(j.active for j in snapshot.journeys),
        "channels": any(c.active for c in snapshot.channels),
        "people": any(p.active for p in snapshot.people),
        "roles": bool(snapshot.active_role_holders("cx_sponsor", today)),
        "touchpoints": bool(touchpoints) and all(t.owner_id is not None for t in touchpoints),
        "respondents": answering_members > 0,
        "cycle": any(status in ("open", "closed") for status in cycle_statuses),
    }
    return [Step(key, title, hint, done[key], endpoint, args) for key, title, hint, endpoint, args in STEPS]


def next_step(steps: Sequence[Step]) -> Step | None:
    """Return the first step not done yet, or None when every step is done."""
    return next((s for s in steps if not s.done), None)


# --- the sponsor's quarter ----------------------------------------------------------------


def quarter_of(day: date) -> str:
    """Return the quarter ``day`` falls in, as ``YYYY-Qn``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_end(period: str) -> date:
    """Return the last day of quarter ``period``."""
    year, quarter = int(period[:4]), int(period[-1])
    first_of_next = date(year + (quarter == 4), 1 if quarter == 4 else quarter * 3 + 1, 1)
    return first_of_next - timedelta(days=1)


@dataclass(frozen=True)
class NextAction:
    key: str  #: "invite", "remind", "close", "review_report", "follow_up", "start"
    count: int = 0
    due: date | None = None
    cycle_id: int | None = None
    period: str | None = None


class OpenCycleSummary(TypedDict):
    """The open cycle, as the next-action rule reads it."""

    id: int
    period: str
    invited: int
    submitted: int
    due_date: date | None


class ClosedCycleSummary(TypedDict):
    """The latest closed cycle, as the next-action rule reads it."""

    id: int
    period: str
    closed_on: date | None


def sponsor_next_action(
    *,
    today: date,
    open_cycle: OpenCycleSummary | None,
    latest_closed: ClosedCycleSummary | None,
    current_quarter_has_cycle: bool,
    overdue_actions: int,
) -> NextAction | None:
    """Return the next thing to do in the cycle's life, with its due date (None: nothing due)."""
    if open_cycle is not None:
        due = open_cycle.get("due_date")
        if not open_cycle["invited"]:
            return NextAction("invite", due=due, cycle_id=open_cycle["id"], period=open_cycle["period"])
        missing = open_cycle["invited"] - open_cycle["submitted"]
        if missing and not (due is not None and due < today):
            return NextAction("remind", count=missing, due=due, cycle_id=open_cycle["id"], period=open_cycle["period"])
        return NextAction("close", due=due or today, cycle_id=open_cycle["id"], period=open_cycle["period"])
    if latest_closed is not None and latest_closed["period"] == quarter_of(today):
        closed_on = latest_closed.get("closed_on") or today
        if (today - closed_on).days <= 14:
            return NextAction(
                "review_report",
                due=closed_on + timedelta(days=14),
                cycle_id=latest_closed["id"],
                period=latest_closed["period"],
            )
    if overdue_actions:
        return NextAction("follow_up", count=overdue_actions, due=today)
    if not current_quarter_has_cycle:
        period = quarter_of(today)
        return NextAction("start", due=quarter_end(period), period=period)
    return None
