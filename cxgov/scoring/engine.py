"""Score one quarterly CX maturity self-assessment cycle from plain data.

The engine is pure: it takes a :class:`~cxgov.framework.model.Framework`, the answers of a
cycle and a few facts (targets, failing register checks, the previous closed cycle) and
returns a :class:`CycleResult` of plain numbers. No Flask, no database, no rounding: the
presentation layer rounds. docs/assessments.md, "Methodology", states every formula used here.

A closed cycle stores ``CycleResult.to_dict()`` as JSON and rebuilds it with
:meth:`CycleResult.from_dict`, so the numbers of an old report never change even when the
engine does.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Collection, Iterable, Mapping, Sequence

from cxgov.framework.model import LEVEL_NUMBERS, Framework, Practice


ANSWER_KINDS = ("level", "na", "dont_know")
DEFAULT_UPPER_GROUPS = ("leadership", "management")
DEFAULT_FRONTLINE_GROUPS = ("front_line",)
#: multiplier on a practice's priority when the register objectively confirms the gap
REGISTER_FAILING_FACTOR = 1.5


# -- inputs --------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """One respondent's answer to one practice in a cycle."""

    respondent_id: int
    group: str  #: respondent group key, e.g. "leadership", "management", "front_line"
    practice_id: str
    level: int | None  #: 1..5, or None when the answer is N/A or don't know
    kind: str = "level"  #: "level" | "na" | "dont_know"


# -- outputs -------------------------------------------------------------------------
@dataclass(frozen=True)
class PracticeResult:
    """The consolidated result of one practice in one cycle."""

    practice_id: str
    dimension_key: str
    weight: float
    level: float | None  #: consolidated level (median or mean); None without level answers
    n_answers: int  #: answers that gave a level
    n_na: int
    n_dont_know: int
    distribution: dict[int, int]  #: level 1..5 -> number of answers at that level
    spread: float | None  #: population std-dev of the levels; None with fewer than 2
    disagreement: bool
    low_sample: bool
    target: int
    gap: float | None  #: max(0, target - level); None without a level
    register_failing: bool
    failing_checks: tuple[str, ...]  #: the practice's register checks that currently fail
    priority: float
    group_levels: dict[str, float | None]  #: group -> consolidated level of that group
    group_counts: dict[str, int]  #: group -> level answers of that group
    upper_level: float | None  #: consolidated level of the pooled upper groups
    frontline_level: float | None  #: consolidated level of the pooled front-line groups
    perception_gap: float | None  #: upper_level - frontline_level
    perception_flag: bool
    previous_level: float | None
    change: float | None  #: level - previous_level
    #: the cycle's profile lets respondents skip this practice: never a priority gap
    optional: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-serialisable data; JSON object keys must be strings."""
        data = _fields(self)
        data["distribution"] = {str(k): v for k, v in self.distribution.items()}
        data["failing_checks"] = list(self.failing_checks)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PracticeResult":
        """Rebuild from :meth:`to_dict` output, before or after a JSON round trip."""
        values = dict(data)
        values["distribution"] = {int(k): int(v) for k, v in data["distribution"].items()}
        values["failing_checks"] = tuple(data["failing_checks"])
        values["group_levels"] = dict(data["group_levels"])
        values["group_counts"] = dict(data["group_counts"])
        return cls(**values)


@dataclass(frozen=True)
class DimensionResult:
    """The weighted result of one dimension in one cycle."""

    key: str
    score: float | None  #: weighted mean of practice levels, 1..5
    index: float | None  #: score mapped to 0..100
    target: float | None  #: weighted mean target of the practices that have a level
    gap: float | None  #: max(0, target - score)
    upper_score: float | None
    frontline_score: float | None
    perception_gap: float | None  #: upper_score - frontline_score
    perception_flag: bool
    n_practices: int  #: practices in the dimension
    n_scored: int  #: practices in the dimension that have a level
    previous_index: float | None
    change: float | None  #: index - previous_index, in index points

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-serialisable data."""
        return _fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DimensionResult":
        """Rebuild from :meth:`to_dict` output."""
        return cls(**dict(data))


@dataclass(frozen=True)
class CycleResult:
    """Everything the app shows about one scored cycle."""

    framework_key: str
    framework_version: str
    aggregation: str
    index: float | None  #: overall 0..100 index; None when nobody gave a level
    stage_key: str | None
    practices: tuple[PracticeResult, ...]  #: framework order
    dimensions: tuple[DimensionResult, ...]  #: framework order
    respondents_by_group: dict[str, int]  #: group -> distinct respondents
    n_respondents: int
    previous_index: float | None
    change: float | None  #: index - previous_index, in index points
    _by_id: dict[str, PracticeResult] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, DimensionResult] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the lookup tables are set once through object.__setattr__.
        object.__setattr__(self, "_by_id", {p.practice_id: p for p in self.practices})
        object.__setattr__(self, "_by_key", {d.key: d for d in self.dimensions})

    # -- lookups -----------------------------------------------------------------
    def practice(self, practice_id: str) -> PracticeResult:
        """Return the result of ``practice_id`` (KeyError if unknown)."""
        return self._by_id[practice_id]

    def dimension(self, key: str) -> DimensionResult:
        """Return the result of dimension ``key`` (KeyError if unknown)."""
        return self._by_key[key]

    def top_gaps(self, n: int | None = None) -> list[PracticeResult]:
        """Return practices below target, by priority, then gap, then id."""
        gaps = [p for p in self.practices if p.gap is not None and p.gap > 0 and not p.optional]
        gaps.sort(key=lambda p: (-p.priority, -(p.gap or 0.0), p.practice_id))
        return gaps[:n]

    def strongest(self, n: int | None = None) -> list[PracticeResult]:
        """Return scored practices by level, then weight, then id."""
        scored = [p for p in self.practices if p.level is not None]
        scored.sort(key=lambda p: (-(p.level or 0.0), -p.weight, p.practice_id))
        return scored[:n]

    def biggest_movers(self, n: int | None = None) -> list[PracticeResult]:
        """Return practices that moved since the previous cycle, by size of the move."""
        moved = [p for p in self.practices if p.change]
        moved.sort(key=lambda p: (-abs(p.change or 0.0), p.practice_id))
        return moved[:n]

    def perception_flags(self) -> list[PracticeResult]:
        """Return flagged leadership/front-line perception gaps, widest first."""
        flagged = [p for p in self.practices if p.perception_flag]
        flagged.sort(key=lambda p: (-abs(p.perception_gap or 0.0), p.practice_id))
        return flagged

    def disagreements(self) -> list[PracticeResult]:
        """Return practices whose respondents disagree, widest spread first."""
        flagged = [p for p in self.practices if p.disagreement]
        flagged.sort(key=lambda p: (-(p.spread or 0.0), p.practice_id))
        return flagged

    # -- storage -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return JSON-serialisable data that :meth:`from_dict` rebuilds exactly."""
        data = {k: v for k, v in _fields(self).items() if not k.startswith("_")}
        data["practices"] = [p.to_dict() for p in self.practices]
        data["dimensions"] = [d.to_dict() for d in self.dimensions]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CycleResult":
        """Rebuild a result stored with :meth:`to_dict` (possibly via JSON)."""
        values = {k: v for k, v in data.items() if not k.startswith("_")}
        values["practices"] = tuple(PracticeResult.from_dict(p) for p in data["practices"])
        values["dimensions"] = tuple(DimensionResult.from_dict(d) for d in data["dimensions"])
        values["respondents_by_group"] = dict(data["respondents_by_group"])
        return cls(**values)


def _fields(obj: Any) -> dict[str, Any]:
    """Return a shallow dict of a dataclass's init fields, copying mutable containers."""
    out: dict[str, Any] = {}
    for name in obj.__dataclass_fields__:
        if not obj.__dataclass_fields__[name].init:
            continue
        value = getattr(obj, name)
        out[name] = dict(value) if isinstance(value, dict) else value
    return out


# -- arithmetic ----------------------------------------------------------------------
def index_from_level(level: float) -> float:
    """Map a consolidated level on the 1..5 scale to the 0..100 index."""
    return (level - 1.0) / 4.0 * 100.0


def level_from_index(index: float) -> float:
    """Map a 0..100 index back to the 1..5 level scale (the inverse of :func:`index_from_level`)."""
    return index / 100.0 * 4.0 + 1.0


def consolidate(levels: Sequence[int], aggregation: str) -> float | None:
    """Return the median or mean of respondents' levels; None when there are none."""
    if not levels:
        return None
    if aggregation == "median":
        return float(statistics.median(levels))
    if aggregation == "mean":
        return math.fsum(levels) / len(levels)
    raise ValueError(f"unknown aggregation {aggregation!r}; expected 'median' or 'mean'")


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Return sum(w*x)/sum(w) over (value, weight) pairs; None when the weights sum to 0."""
    pairs = list(pairs)
    total = math.fsum(w for _, w in pairs)
    if total <= 0:
        return None
    # fsum keeps the result independent of the order answers arrived in.
    return math.fsum(x * w for x, w in pairs) / total


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


# -- the engine ----------------------------------------------------------------------
@dataclass
class _Tally:
    """Mutable per-practice accumulator used only while scoring."""

    levels: list[int] = field(default_factory=list)
    by_group: dict[str, list[int]] = field(default_factory=dict)
    n_na: int = 0
    n_dont_know: int = 0


def _validate(answer: Answer) -> None:
    if answer.kind not in ANSWER_KINDS:
        raise ValueError(f"answer kind {answer.kind!r} is not one of {ANSWER_KINDS}")
    if answer.kind == "level" and answer.level not in LEVEL_NUMBERS:
        raise ValueError(
            f"practice {answer.practice_id}, respondent {answer.respondent_id}: level {answer.level!r} is not 1..5"
        )


def score_cycle(
    *,
    framework: Framework,
    answers: Iterable[Answer],
    targets: Mapping[str, int] | None = None,
    optional: Collection[str] = (),
    failing_checks: Collection[str] = (),
    previous: CycleResult | None = None,
    upper_groups: Collection[str] = DEFAULT_UPPER_GROUPS,
    frontline_groups: Collection[str] = DEFAULT_FRONTLINE_GROUPS,
) -> CycleResult:
    """Score one cycle's answers against ``framework``; see docs/assessments.md, "Methodology"."""
    options = framework.scoring
    aggregation = options.aggregation
    if aggregation not in ("median", "mean"):
        raise ValueError(f"unknown aggregation {aggregation!r}; expected 'median' or 'mean'")
    practices = framework.practices
    known = {p.id for p in practices}
    targets = targets or {}
    failing = frozenset(failing_checks)
    skippable = frozenset(optional)
    upper = frozenset(upper_groups)
    frontline = frozenset(frontline_groups)

    # A respondent who re-submits a practice corrects their earlier answer, so the last one
    # in input order wins. Answers to practices outside the framework are ignored: a cycle
    # is scored against the framework snapshot it was opened with.
    latest: dict[tuple[int, str], Answer] = {}
    for answer in answers:
        _validate(answer)
        if answer.practice_id in known:
            latest[(answer.respondent_id, answer.practice_id)] = answer

    tallies: dict[str, _Tally] = {p.id: _Tally() for p in practices}
    respondents: dict[str, set[int]] = {}
    everyone: set[int] = set()
    for answer in latest.values():
        tally = tallies[answer.practice_id]
        respondents.setdefault(answer.group, set()).add(answer.respondent_id)
        everyone.add(answer.respondent_id)
        group_levels = tally.by_group.setdefault(answer.group, [])
        if answer.kind == "na":
            tally.n_na += 1
        elif answer.kind == "dont_know":
            tally.n_dont_know += 1
        else:
            assert answer.level is not None  # guaranteed by _validate
            tally.levels.append(answer.level)
            group_levels.append(answer.level)

    prev_practices = previous._by_id if previous is not None else {}
    prev_dimensions = previous._by_key if previous is not None else {}

    practice_results = tuple(
        _score_practice(
            practice=p,
            tally=tallies[p.id],
            target=int(targets.get(p.id, p.default_target)),
            failing=failing,
            upper=upper,
            frontline=frontline,
            framework=framework,
            previous=prev_practices.get(p.id),
            optional=p.id in skippable,
        )
        for p in practices
    )
    by_dimension: dict[str, list[PracticeResult]] = {d.key: [] for d in framework.dimensions}
    for result in practice_results:
        by_dimension[result.dimension_key].append(result)

    dimension_results = tuple(
        _score_dimension(
            key=d.key,
            results=by_dimension[d.key],
            threshold=options.perception_gap,
            previous=prev_dimensions.get(d.key),
        )
        for d in framework.dimensions
    )

    # The overall index weighs every practice directly, not the dimension averages, so a
    # dimension with many practices counts for as much as its practices' weights say.
    overall = weighted_mean((r.level, r.weight) for r in practice_results if r.level is not None)
    index = index_from_level(overall) if overall is not None else None
    stage_key = framework.stage_for(index).key if index is not None and framework.stages else None
    previous_index = previous.index if previous is not None else None

    return CycleResult(
        framework_key=framework.key,
        framework_version=framework.version,
        aggregation=aggregation,
        index=index,
        stage_key=stage_key,
        practices=practice_results,
        dimensions=dimension_results,
        respondents_by_group={g: len(ids) for g, ids in sorted(respondents.items())},
        n_respondents=len(everyone),
        previous_index=previous_index,
        change=_diff(index, previous_index),
    )


def _score_practice(
    *,
    practice: Practice,
    tally: _Tally,
    target: int,
    failing: frozenset[str],
    upper: frozenset[str],
    frontline: frozenset[str],
    framework: Framework,
    previous: PracticeResult | None,
    optional: bool = False,
) -> PracticeResult:
    """Consolidate one practice's tally into its result."""
    if target not in LEVEL_NUMBERS:
        raise ValueError(f"practice {practice.id}: target {target!r} is not 1..5")
    options = framework.scoring
    aggregation = options.aggregation
    levels = tally.levels
    level = consolidate(levels, aggregation)
    n = len(levels)
    spread = statistics.pstdev(levels) if n >= 2 else None
    gap = max(0.0, target - level) if level is not None else None
    failing_checks = tuple(c for c in practice.register_checks if c in failing)
    register_failing = bool(failing_checks)
    priority = 0.0
    if gap and not optional:
        # Failing register checks are objective evidence that the gap is real, so they
        # rank the practice above an equally wide, self-reported-only gap.
        factor = REGISTER_FAILING_FACTOR if register_failing else 1.0
        priority = gap * practice.weight * factor

    groups = sorted(tally.by_group)
    upper_level = consolidate([x for g in groups if g in upper for x in tally.by_group[g]], aggregation)
    frontline_level = consolidate([x for g in groups if g in frontline for x in tally.by_group[g]], aggregation)
    perception_gap = _diff(upper_level, frontline_level)
    previous_level = previous.level if previous is not None else None

    return PracticeResult(
        practice_id=practice.id,
        dimension_key=practice.dimension_key,
        weight=practice.weight,
        level=level,
        n_answers=n,
        n_na=tally.n_na,
        n_dont_know=tally.n_dont_know,
        distribution={k: levels.count(k) for k in LEVEL_NUMBERS},
        spread=spread,
        disagreement=spread is not None and spread >= options.disagreement_spread,
        low_sample=n < options.low_sample,
        target=target,
        gap=gap,
        register_failing=register_failing,
        failing_checks=failing_checks,
        priority=priority,
        group_levels={g: consolidate(tally.by_group[g], aggregation) for g in groups},
        group_counts={g: len(tally.by_group[g]) for g in groups},
        upper_level=upper_level,
        frontline_level=frontline_level,
        perception_gap=perception_gap,
        perception_flag=perception_gap is not None and abs(perception_gap) >= options.perception_gap,
        previous_level=previous_level,
        change=_diff(level, previous_level),
        optional=optional,
    )


def _score_dimension(
    *,
    key: str,
    results: Sequence[PracticeResult],
    threshold: float,
    previous: DimensionResult | None,
) -> DimensionResult:
    """Combine a dimension's practice results into its weighted result."""
    scored = [(r, level) for r in results if (level := r.level) is not None]
    score = weighted_mean((level, r.weight) for r, level in scored)
    index = index_from_level(score) if score is not None else None
    target = weighted_mean((float(r.target), r.weight) for r, _ in scored)
    gap = max(0.0, target - score) if target is not None and score is not None else None
    # Compare like with like: only practices both sides rated enter either side's score.
    both = [
        (upper, frontline, r.weight)
        for r, _ in scored
        if (upper := r.upper_level) is not None and (frontline := r.frontline_level) is not None
    ]
    upper_score = weighted_mean((upper, weight) for upper, _, weight in both)
    frontline_score = weighted_mean((frontline, weight) for _, frontline, weight in both)
    perception_gap = _diff(upper_score, frontline_score)
    previous_index = previous.index if previous is not None else None
    return DimensionResult(
        key=key,
        score=score,
        index=index,
        target=target,
        gap=gap,
        upper_score=upper_score,
        frontline_score=frontline_score,
        perception_gap=perception_gap,
        perception_flag=perception_gap is not None and abs(perception_gap) >= threshold,
        n_practices=len(results),
        n_scored=len(scored),
        previous_index=previous_index,
        change=_diff(index, previous_index),
    )


# -- trends ---------------------------------------------------------------
def history_table(results: Sequence[tuple[str, CycleResult]]) -> list[dict[str, Any]]:
    """Return one row per period: period, index, stage_key, framework version and each
    dimension's index."""
    keys: list[str] = []
    for _, result in results:
        for d in result.dimensions:
            if d.key not in keys:
                keys.append(d.key)
    rows = []
    for period, result in results:
        # A dimension added or dropped between framework versions shows as None, not 0.
        dims = {k: (result._by_key[k].index if k in result._by_key else None) for k in keys}
        rows.append(
            {
                "period": period,
                "index": result.index,
                "stage_key": result.stage_key,
                "version": result.framework_version,
                "dimensions": dims,
            }
        )
    return rows
