"""The anonymised benchmark: where a client's cycle stands among the consultancy's other clients.

Peers are the other client organisations served by any consultant of this organisation,
that have not opted out of contributing. Each peer contributes its latest closed cycle on
the same framework key, version and profile. Nothing is shown unless at least
``BENCHMARK_MIN_PEERS`` peers contribute (a setting that can only raise the floor of 5), and
only aggregates leave this module: the count, quartiles and median (whole numbers), and
the client's own percentile. No peer's name, slug or figure is ever part of the result.

Statistics (pure functions, tested by hand computation):

* percentile rank of x among peers = 100 * (peers below x + half the peers equal to x) / peers;
* quartiles: ``statistics.quantiles(values, n=4, method="inclusive")`` (linear interpolation,
  the same as numpy's and pandas' default): Q1, median, Q3.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Sequence

from flask import current_app
from sqlalchemy import select

from ..cycles.models import Cycle
from ..cycles.services import cycle_framework
from ..extensions import db
from ..numbers import round_half_up
from ..orgs.models import Membership, Organisation, Role

#: Below this many contributing organisations no benchmark is shown, whatever the setting says.
MIN_PEERS_FLOOR = 5


def min_peers() -> int:
    """Return the configured minimum number of contributors (never below the floor of 5)."""
    configured = current_app.config.get("BENCHMARK_MIN_PEERS", MIN_PEERS_FLOOR)
    try:
        return max(MIN_PEERS_FLOOR, int(configured))
    except (TypeError, ValueError):
        return MIN_PEERS_FLOOR


@dataclass(frozen=True)
class Placement:
    """One figure of the client placed among the peers' (all rounded to whole numbers)."""

    key: str  #: "index" or a dimension key
    title: str
    value: int | None  #: the client's own figure
    percentile: int | None  #: the client's percentile rank among the peers, 0-100
    q1: int
    median: int
    q3: int
    peers: int  #: how many peers have this figure


@dataclass(frozen=True)
class BenchmarkView:
    """What the report, the page and the CLI show; only aggregates."""

    peers: int
    industry: str | None  #: set when the comparison is limited to the client's industry
    framework: str  #: "key version" (and profile) compared on
    index: Placement
    dimensions: tuple[Placement, ...]


# --- pure statistics ----------------------------------------------------------------------


def percentile_rank(value: float, others: Sequence[float]) -> float:
    """Return the percentile rank of ``value`` among ``others`` (ties count half)."""
    if not others:
        raise ValueError("no values to rank among")
    below = sum(1 for v in others if v < value)
    equal = sum(1 for v in others if v == value)
    return 100.0 * (below + 0.5 * equal) / len(others)


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """Return (Q1, median, Q3) of ``values`` by linear interpolation (inclusive method)."""
    if len(values) < 2:
        raise ValueError("at least two values are needed for quartiles")
    q1, median, q3 = statistics.quantiles(sorted(values), n=4, method="inclusive")
    return q1, median, q3


def _whole(value: float) -> int:

    return int(round_half_up(value, 0))


def placement(key: str, title: str, value: float | None, others: Sequence[float]) -> Placement:
    """Place ``value`` among ``others``: percentile and quartiles, as whole numbers."""
    q1, median, q3 = quartiles(others)
    return Placement(
        key=key,
        title=title,
        value=_whole(value) if value is not None else None,
        percentile=_whole(percentile_rank(value, others)) if value is not None else None,
        q1=_whole(q1),
        median=_whole(median),
        q3=_whole(q3),
        peers=len(others),
    )


# --- loading ------------------------------------------------------------------------------


def _peer_org_ids(org_id: int, industry: str | None) -> list[int]:
    """Return the ids of the other contributing clients of this organisation's consultants."""
    consultants = select(Membership.user_id).where(Membership.org_id == org_id, Membership.role == Role.CONSULTANT)
    query = (
        select(Organisation.id)
        .join(Membership, Membership.org_id == Organisation.id)
        .where(
            Membership.user_id.in_(consultants),
            Membership.role == Role.CONSULTANT,
            Organisation.id != org_id,
            Organisation.benchmark_opt_out.is_(False),
        )
        .distinct()
    )
    if industry is not None:
        query = query.where(Organisation.industry == industry)
    return list(db.session.scalars(query))


def _dimension_indexes(results: dict[str, Any] | None) -> dict[str, float]:
    dims = (results or {}).get("dimensions") or []
    return {d["key"]: d["index"] for d in dims if isinstance(d, dict) and d.get("index") is not None}


def peer_results(cycle: Cycle, *, industry: str | None = None) -> list[dict[str, Any]]:
    """Return the stored results of each peer's latest closed cycle on the cycle's framework."""
    peers = _peer_org_ids(cycle.org_id, industry)
    if not peers:
        return []
    rows = db.session.execute(
        select(Cycle.org_id, Cycle.results)
        .where(
            Cycle.org_id.in_(peers),
            Cycle.status == "closed",
            Cycle.framework_key == cycle.framework_key,
            Cycle.framework_version == cycle.framework_version,
            Cycle.profile_key.is_(None) if cycle.profile_key is None else Cycle.profile_key == cycle.profile_key,
        )
        .order_by(Cycle.org_id, Cycle.period.desc())
    ).all()
    latest: dict[int, dict[str, Any]] = {}
    for org_id, results in rows:
        if org_id not in latest and results and results.get("index") is not None:
            latest[org_id] = results
    return list(latest.values())


def benchmark_for_cycle(cycle: Cycle, *, by_industry: bool = False, lang: str | None = None) -> BenchmarkView | None:
    """Return the cycle's benchmark, or None when it is not closed or too few peers contribute."""
    if cycle.status != "closed" or not cycle.results or cycle.results.get("index") is None:
        return None
    org = db.session.get_one(Organisation, cycle.org_id)
    industry = (org.industry or None) if by_industry else None
    if by_industry and industry is None:
        return None
    peers = peer_results(cycle, industry=industry)
    floor = min_peers()
    if len(peers) < floor:
        return None
    own_dims = _dimension_indexes(cycle.results)
    titles = _dimension_titles(cycle, lang)
    dimensions = []
    for key, value in own_dims.items():
        others = [d[key] for d in map(_dimension_indexes, peers) if key in d]
        if len(others) >= floor:
            dimensions.append(placement(key, titles.get(key, key), value, others))
    label = f"{cycle.framework_key} {cycle.framework_version}" + (
        f" · {cycle.profile_key}" if cycle.profile_key else ""
    )
    return BenchmarkView(
        peers=len(peers),
        industry=industry,
        framework=label,
        index=placement("index", "Maturity index", cycle.results["index"], [p["index"] for p in peers]),
        dimensions=tuple(dimensions),
    )


def _dimension_titles(cycle: Cycle, lang: str | None) -> dict[str, str]:
    try:
        return {d.key: d.title.get(lang) for d in cycle_framework(cycle).dimensions}
    except Exception:  # a snapshot that cannot be rebuilt still benchmarks, by key
        return {}
