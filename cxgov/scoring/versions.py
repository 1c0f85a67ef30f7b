"""Reading results of an older framework version through the version maps. Pure functions.

A framework version declares how its practices relate to the previous version's
(:class:`~cxgov.framework.model.VersionMap`). Trends, movers, per-practice history and action
follow-up compare cycles run on different versions by carrying the older cycle's practice
results onto the newer ids:

* kept, renamed, changed: the single earlier practice's result carries over;
* merged: the weighted mean (by the earlier practices' weights) of the earlier levels;
* split: each successor gets a copy of the earlier practice's result;
* new: no earlier result at all ("new in 1.1: no earlier score").

Stored results are never rewritten: these functions build new, mapped copies.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from cxgov.framework.model import Framework, VersionMap
from cxgov.scoring.engine import CycleResult, PracticeResult, weighted_mean

#: Changes whose practice is compared with its single predecessor as if unchanged in meaning.
CARRIED = ("kept", "renamed", "changed", "split")


def version_chain(target: Framework, from_version: str, versions: Mapping[str, Framework]) -> list[VersionMap] | None:
    """Return the maps leading from ``from_version`` to ``target``, oldest first.

    ``[]`` when ``target`` is that version; None when no chain of maps connects them (then
    the two versions cannot be compared practice by practice).
    """
    chain: list[VersionMap] = []
    current: Framework | None = target
    seen: set[str] = set()
    while current is not None and current.version != from_version:
        if current.version in seen or current.version_map is None:
            return None
        seen.add(current.version)
        chain.append(current.version_map)
        current = versions.get(current.version_map.from_version)
    if current is None:
        return None
    chain.reverse()
    return chain


def _merge(results: Sequence[PracticeResult], practice_id: str) -> PracticeResult:
    """Combine earlier results of merged practices into one (weighted means, summed counts)."""

    def mean(attr: str) -> float | None:
        pairs = [(getattr(r, attr), r.weight) for r in results if getattr(r, attr) is not None]
        return weighted_mean(pairs) if pairs else None

    first = results[0]
    level = mean("level")
    upper, frontline = mean("upper_level"), mean("frontline_level")
    gap = None if upper is None or frontline is None else upper - frontline
    return replace(
        first,
        practice_id=practice_id,
        level=level,
        upper_level=upper,
        frontline_level=frontline,
        perception_gap=gap,
        perception_flag=any(r.perception_flag for r in results),
        weight=sum(r.weight for r in results),
        n_answers=sum(r.n_answers for r in results),
        n_na=sum(r.n_na for r in results),
        n_dont_know=sum(r.n_dont_know for r in results),
        distribution={k: sum(r.distribution.get(k, 0) for r in results) for k in range(1, 6)},
        gap=None if level is None else max(0.0, first.target - level),
        spread=None,
        disagreement=any(r.disagreement for r in results),
        group_levels={},
        group_counts={},
        previous_level=None,
        change=None,
    )


def map_result(result: CycleResult, vmap: VersionMap, dimension_of: Mapping[str, str] | None = None) -> CycleResult:
    """Return ``result`` (of ``vmap.from_version``) re-keyed onto the newer version's ids.

    ``dimension_of`` gives each newer practice's dimension key, so a practice that moved
    dimension lands in the right one. Dimension results and the index stay as stored.
    """
    by_id = {p.practice_id: p for p in result.practices}
    dimension_of = dimension_of or {}
    practices: list[PracticeResult] = []
    for entry in vmap.practices:
        earlier = [by_id[i] for i in entry.from_ids if i in by_id]
        if entry.change == "new" or not earlier:
            continue
        if entry.change == "merged":
            mapped = _merge(earlier, entry.practice_id)
        else:
            mapped = replace(earlier[0], practice_id=entry.practice_id)
        dimension = dimension_of.get(entry.practice_id)
        if dimension is not None:
            mapped = replace(mapped, dimension_key=dimension)
        practices.append(mapped)
    return replace(result, practices=tuple(practices))


def result_onto(result: CycleResult, target: Framework, versions: Mapping[str, Framework]) -> CycleResult | None:
    """Return ``result`` carried onto ``target``'s ids (itself when already on that version).

    None when no chain of maps leads from the result's version to ``target``'s.
    """
    if result.framework_key != target.key:
        return None
    chain = version_chain(target, result.framework_version, versions)
    if chain is None:
        return None
    dimension_of = {p.id: p.dimension_key for p in target.practices}
    for vmap in chain:
        result = map_result(result, vmap, dimension_of)
    return result


def successor_ids(practice_id: str, chain: Sequence[VersionMap]) -> tuple[str, ...]:
    """Return the ids an earlier practice lives on as after ``chain`` (empty when retired)."""
    current: tuple[str, ...] = (practice_id,)
    for vmap in chain:
        current = tuple(entry.practice_id for entry in vmap.practices if any(i in entry.from_ids for i in current))
    return current
