"""Sequence a report's prioritised next steps over the coming quarters (pure, no Flask).

The framework says which practices' next steps must come first (``depends_on``: the
sponsor before the customer board, the board before the insight manager ...). A step is
placed in a quarter strictly after every step it depends on, directly or through practices
that need no step; within those limits the higher priority goes first, and no quarter takes
more than ``per_quarter`` steps. What does not fit in the horizon is listed as "later".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

#: Quarters a roadmap covers.
HORIZON = 3
#: Steps per quarter unless the report says otherwise.
DEFAULT_PER_QUARTER = 3
MAX_PER_QUARTER = 10


def next_periods(period: str, count: int = HORIZON) -> tuple[str, ...]:
    """Return the ``count`` quarters after ``period`` ("2026-Q3" -> 2026-Q4, 2027-Q1, 2027-Q2)."""
    year, quarter = int(period[:4]), int(period[-1])
    out = []
    for _ in range(count):
        quarter += 1
        if quarter > 4:
            year, quarter = year + 1, 1
        out.append(f"{year}-Q{quarter}")
    return tuple(out)


def prerequisites(ids: Sequence[str], depends_on: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    """Return, per step, the other steps it must wait for (through any chain of practices)."""
    wanted = set(ids)
    out: dict[str, set[str]] = {}
    for pid in ids:
        seen: set[str] = set()
        stack = list(depends_on.get(pid, ()))
        while stack:
            dep = stack.pop()
            if dep in seen or dep == pid:
                continue
            seen.add(dep)
            stack.extend(depends_on.get(dep, ()))
        out[pid] = seen & wanted
    return out


@dataclass(frozen=True)
class Sequenced:
    """Practice ids per quarter (in order), and those that wait beyond the horizon."""

    quarters: tuple[tuple[str, ...], ...]
    later: tuple[str, ...]


def roadmap_sequence(
    ids_by_priority: Sequence[str],
    *,
    depends_on: Mapping[str, Sequence[str]],
    per_quarter: int = DEFAULT_PER_QUARTER,
    horizon: int = HORIZON,
) -> Sequenced:
    """Place steps (highest priority first) into ``horizon`` quarters of at most ``per_quarter``.

    A step never lands in the same quarter as, or before, a step it depends on. A cycle in
    ``depends_on`` (the framework validator refuses one) leaves its steps for "later".
    """
    per_quarter = max(1, int(per_quarter))
    ids = list(dict.fromkeys(ids_by_priority))
    prereq = prerequisites(ids, depends_on)
    placed: dict[str, int] = {}
    quarters: list[tuple[str, ...]] = []
    for q in range(horizon):
        chosen: list[str] = []
        for pid in ids:
            if pid in placed or len(chosen) >= per_quarter:
                continue
            if all(placed.get(dep, horizon) < q for dep in prereq[pid]):
                chosen.append(pid)
        for pid in chosen:
            placed[pid] = q
        quarters.append(tuple(chosen))
    return Sequenced(quarters=tuple(quarters), later=tuple(pid for pid in ids if pid not in placed))
