"""Demo assessments: eight closed quarters (2024-Q4 … 2026-Q3) and an open 2026-Q4.

When the newest framework maps onto an earlier version (1.1 onto 1.0), the first six quarters
run on the earlier version and the last two plus the open one on the newest, so the demo's
trend crosses a version change the way a real client's does.

Answers are generated deterministically (``random.Random(2026)``) from a rising maturity
path with a dip in 2025-Q3, so the history shows a visible trend, and a few practices
(front-line mandates, guidance, feedback loops, top-level commitment) are rated far higher
by leadership than by the front line. Cycles are created, opened and closed through the
real services, so the stored results are exactly what the app would compute; answers are
bulk-inserted to keep the demo fast.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import insert

from ..auth.services import user_create
from ..db import utcnow
from ..demo import DemoContext, demo_step
from ..extensions import db
from ..framework.catalog import framework_catalog
from ..orgs.models import ANSWER, Membership, Role
from . import services
from .models import Answer, Respondent

if TYPE_CHECKING:
    from ..framework.model import Framework

CLOSED_PERIODS = ("2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")
OPEN_PERIOD = "2026-Q4"
#: How many of the closed quarters run on the earlier framework version, when there is one.
EARLIER_VERSION_QUARTERS = 6
#: The profile the demo's newer-version cycles choose (if the framework has it).
DEMO_PROFILE = "full"
#: The organisation-wide mean level each quarter: it rises, with a dip in 2025-Q3.
BASE_LEVEL = {
    "2024-Q4": 1.85,
    "2025-Q1": 2.05,
    "2025-Q2": 2.3,
    "2025-Q3": 1.95,
    "2025-Q4": 2.45,
    "2026-Q1": 2.7,
    "2026-Q2": 2.9,
    "2026-Q3": 3.1,
    "2026-Q4": 3.2,
}
#: Practices where leadership sees far more than the front line experiences.
PERCEPTION_GAP_PRACTICES = {"E1", "E2", "A1", "A2", "B6"}
GROUP_BIAS = {"leadership": 0.25, "management": 0.1, "front_line": -0.15}
GAP_BIAS = {"leadership": 1.0, "management": 0.6, "front_line": -0.8}
#: The report's demo stories: E1 (mandates) is the widest gap of all, and A1 (the inner loop)
#: is wide enough that its contradicting notes are quoted next to it.
STORY_GAP_BIAS = {
    "E1": {"leadership": 1.5, "management": 0.6, "front_line": -1.1},
    "A1": {"leadership": 1.2, "management": 0.6, "front_line": -1.0},
    "A2": {"leadership": 0.8, "management": 0.5, "front_line": -0.8},
}

#: Extra demo respondents so every quarter can have up to twelve.
EXTRA_RESPONDENTS = [
    ("coo@demo.cxgov.example", "Per Holmberg", "leadership"),
    ("agent5@demo.cxgov.example", "Maja Lund", "front_line"),
]

#: Evidence notes per practice id and respondent group, with the stories the report quotes.
NOTES_FILE = Path(__file__).with_name("demo_notes.yaml")


def demo_notes() -> tuple[dict[str, dict[str, list[str]]], dict[str, dict[str, str]]]:
    """Return (practice id -> group -> notes, practice id -> group -> story) from NOTES_FILE."""
    data = yaml.safe_load(NOTES_FILE.read_text(encoding="utf-8"))
    return data["notes"], data.get("stories") or {}


def _level(rng: random.Random, base: float, offset: float, group: str, practice_id: str) -> int:
    if practice_id in STORY_GAP_BIAS:
        bias = STORY_GAP_BIAS[practice_id][group]
    else:
        bias = GAP_BIAS[group] if practice_id in PERCEPTION_GAP_PRACTICES else GROUP_BIAS[group]
    return max(1, min(5, round(base + offset + bias + rng.gauss(0, 0.55))))


def _ensure_extra_respondents(ctx: DemoContext) -> None:
    for email, name, group in EXTRA_RESPONDENTS:
        if email in ctx.members:
            continue
        user = user_create(email=email, name=name)
        user.password_hash = ctx.consultant.password_hash  # the one shared demo password, hashed once
        db.session.add(Membership(user_id=user.id, org_id=ctx.org.id, role=Role.RESPONDENT))
        ctx.members[email] = user
        ctx.groups[email] = group
    db.session.flush()


def _pool(ctx: DemoContext) -> list[tuple[int, str]]:
    """Return (user id, group) of the demo members who may answer, consultant excluded."""
    roles = dict(
        db.session.execute(db.select(Membership.user_id, Membership.role).where(Membership.org_id == ctx.org.id)).all()
    )
    pool = []
    for email, user in sorted(ctx.members.items()):
        if user.id == ctx.consultant.id or roles.get(user.id) not in ANSWER:
            continue
        pool.append((user.id, ctx.groups[email]))
    return pool


def _choose(rng: random.Random, pool: list[tuple[int, str]], n: int) -> list[tuple[int, str]]:
    by_group: dict[str, list[tuple[int, str]]] = {}
    for item in pool:
        by_group.setdefault(item[1], []).append(item)
    # At least one leader and one manager, two from the front line, then anyone.
    chosen = (
        rng.sample(by_group["leadership"], 1)
        + rng.sample(by_group["management"], 1)
        + rng.sample(by_group["front_line"], 2)
    )
    rest = [p for p in pool if p not in chosen]
    chosen += rng.sample(rest, max(0, min(n, len(pool)) - len(chosen)))
    return sorted(chosen)


def _quarter_end(period: str) -> date:
    year, quarter = int(period[:4]), int(period[-1])
    month = quarter * 3
    first_next = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    return first_next - timedelta(days=1)


def _tell_stories(
    rows: list[dict[str, Any]], respondents: list[Respondent], stories: dict[str, dict[str, str]]
) -> None:
    """Make each story the first note of its practice and group, on a rated answer if any.

    The report quotes a group's first note, so notes on earlier answers of that group are
    left out of the quarter (the story is what those respondents would have written).
    """
    group_of = {r.id: r.group for r in respondents}
    for practice_id, by_group in stories.items():
        for group, story in by_group.items():
            mine = [
                row for row in rows if row["practice_id"] == practice_id and group_of[row["respondent_id"]] == group
            ]
            if not mine:
                continue
            # a rated answer if the group gave one, else what the group wrote beside "don't know"
            rated = next((k for k, row in enumerate(mine) if row["kind"] == "level"), 0)
            for row in mine[:rated]:
                row["note"] = ""
            mine[rated]["note"] = story


def _practice_offsets(rng: random.Random, framework: Framework, earlier: Framework | None) -> dict[str, float]:
    """Return each practice's offset from the quarter's base level, for both versions.

    The first version's practices draw from the shared stream exactly as before a newer
    version shipped, so the earlier quarters keep their levels. A newer practice takes the
    offset of what it replaces (the mean for a merge), so its trend runs on smoothly; a new
    practice draws from a stream of its own.
    """
    first = earlier or framework
    offsets = {p.id: rng.uniform(-0.55, 0.55) for p in first.practices}
    if earlier is None or framework.version_map is None:
        return offsets
    fresh = random.Random(11)
    for entry in framework.version_map.practices:
        sources = [offsets[old_id] for old_id in entry.from_ids if old_id in offsets]
        offsets[entry.practice_id] = sum(sources) / len(sources) if sources else fresh.uniform(-0.55, 0.55)
    return offsets


@demo_step
def demo_cycles(ctx: DemoContext) -> None:
    """Create the demo's eight closed quarters and its open one."""

    framework = framework_catalog().get("cx-governance")
    if framework is None:
        return  # the shipped framework is broken; the framework pages explain why
    rng = random.Random(2026)
    note_rng = random.Random(15)  # its own stream, so the notes never shift the levels
    notes, stories = demo_notes()
    _ensure_extra_respondents(ctx)
    pool = _pool(ctx)
    earlier = (
        framework_catalog().get(framework.key, framework.version_map.from_version)
        if framework.version_map is not None
        else None
    )
    offsets = _practice_offsets(rng, framework, earlier)
    sizes = [6, 7, 8, 8, 9, 10, 11, 12, 10]
    sponsor = ctx.members.get("sponsor@demo.cxgov.example")
    for number, period in enumerate(CLOSED_PERIODS + (OPEN_PERIOD,)):
        end = _quarter_end(period)
        version = earlier if earlier is not None and number < EARLIER_VERSION_QUARTERS else framework
        profile = DEMO_PROFILE if version.profile(DEMO_PROFILE) is not None else None
        cycle = services.cycle_create(
            org=ctx.org, period=period, framework=version, due_date=end - timedelta(days=14), profile_key=profile
        )
        if period >= "2026-Q1":
            known = {p.id for p in version.practices}
            services.cycle_targets_set(cycle=cycle, targets={pid: 4 for pid in ("E1", "A1", "D3") if pid in known})
        chosen = _choose(rng, pool, sizes[number])
        keep = {uid for uid, _g in chosen}
        for old in list(cycle.respondents):
            if old.user_id not in keep:
                services.respondent_remove(cycle=cycle, respondent=old)
        respondents = [
            services.respondent_invite(cycle=cycle, org=ctx.org, user_id=uid, group=group) for uid, group in chosen
        ]
        services.cycle_open(cycle=cycle)
        is_open = period == OPEN_PERIOD
        answered_at = datetime(end.year, end.month, end.day, 12, tzinfo=UTC) - timedelta(days=20)
        if is_open:  # the open quarter is happening now: its answers cannot lie in the future
            answered_at = min(answered_at, utcnow() - timedelta(days=6))
        rows = []
        for k, respondent in enumerate(respondents):
            # In the open quarter some are done, some half-way, two have not started.
            share = 1.0 if not is_open else (1.0, 1.0, 1.0, 1.0, 0.6, 0.5, 0.3, 0.15, 0.0, 0.0)[k % 10]
            for p in version.practices[: round(len(version.practices) * share)]:
                roll = rng.random()
                if roll < 0.02:
                    kind, level = "na", None
                elif roll < 0.06:
                    kind, level = "dont_know", None
                else:
                    kind, level = "level", _level(rng, BASE_LEVEL[period], offsets[p.id], respondent.group, p.id)
                note = ""
                if rng.random() < 0.09 or (p.id in PERCEPTION_GAP_PRACTICES and rng.random() < 0.35):
                    # the draw the shared stream always made here, so the levels stay as they were
                    rng.choice(range(2 if p.id in PERCEPTION_GAP_PRACTICES else 5))
                    note = note_rng.choice(notes.get(p.id, {}).get(respondent.group) or [""])
                rows.append(
                    {
                        "org_id": ctx.org.id,
                        "cycle_id": cycle.id,
                        "respondent_id": respondent.id,
                        "practice_id": p.id,
                        "kind": kind,
                        "level": level,
                        "note": note,
                        "updated_at": answered_at,
                        "version_id": 1,
                    }
                )
            if share == 1.0:
                respondent.submitted_at = answered_at + timedelta(days=k % 5)
        if not is_open:
            _tell_stories(rows, respondents, stories)
        if rows:
            db.session.execute(insert(Answer), rows)
        cycle.opened_at = datetime(end.year, end.month, 1, 8, tzinfo=UTC) - timedelta(days=30)
        if not is_open:
            services.cycle_close(cycle=cycle, org=ctx.org, by=sponsor)
            cycle.closed_at = datetime(end.year, end.month, end.day, 16, tzinfo=UTC)
        db.session.flush()
