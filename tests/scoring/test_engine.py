"""Hand-computed examples for the pure scoring engine (no Flask app, no database)."""
from __future__ import annotations

import json
from typing import Any, Iterable

import pytest

from cxgov.framework.model import (
    Dimension,
    Framework,
    Practice,
    ScoringOptions,
    Stage,
    Text,
)
from cxgov.scoring import (
    Answer,
    CycleResult,
    history_table,
    index_from_level,
    score_cycle,
)

STAGES = (("initial", 0.0), ("developing", 25.0), ("established", 50.0), ("advanced", 75.0))


# -- builders ------------------------------------------------------------------------
def make_practice(
    pid: str, dimension_key: str, *, weight: float = 1.0, target: int = 3,
    checks: Iterable[str] = (),
) -> Practice:
    """Build a practice whose texts are placeholders; only scoring fields matter here."""
    t = Text.from_plain
    return Practice(
        id=pid,
        dimension_key=dimension_key,
        title=t(pid),
        good_looks_like=t(f"{pid} done well"),
        sources=(),
        merges=(),
        levels=tuple(t(f"{pid} level {i}") for i in range(1, 6)),
        next_steps=tuple(t(f"{pid} step {i}") for i in range(1, 5)),
        evidence_prompts=(),
        weight=weight,
        default_target=target,
        register_checks=tuple(checks),
    )


def make_framework(
    spec: dict[str, list[str | tuple[str, dict[str, Any]]]] | None = None,
    *,
    stages: Iterable[tuple[str, float]] = STAGES,
    **scoring: Any,
) -> Framework:
    """Build a framework from {dimension key: [practice id | (id, practice kwargs)]}."""
    spec = spec if spec is not None else {"insight": ["A1"]}
    t = Text.from_plain
    dimensions = []
    for key, items in spec.items():
        practices = []
        for item in items:
            pid, kwargs = (item, {}) if isinstance(item, str) else item
            practices.append(make_practice(pid, key, **kwargs))
        dimensions.append(
            Dimension(key=key, code=key[0].upper(), title=t(key), description=t(key),
                      practices=tuple(practices))
        )
    return Framework(
        key="test",
        version="1",
        title=t("Test framework"),
        description=t("Built in tests"),
        level_names=tuple(t(n) for n in ("Initial", "Emerging", "Defined", "Managed", "Leading")),
        dimensions=tuple(dimensions),
        stages=tuple(Stage(key=k, name=t(k), min_index=m) for k, m in stages),
        scoring=ScoringOptions(**scoring),
    )


def a(rid: int, pid: str, level: int | str, group: str = "management") -> Answer:
    """Build an answer; ``level`` may be "na" or "dk" for the two non-answers."""
    if level == "na":
        return Answer(rid, group, pid, None, "na")
    if level == "dk":
        return Answer(rid, group, pid, None, "dont_know")
    assert isinstance(level, int)
    return Answer(rid, group, pid, level)


def answers_for(pid: str, levels: Iterable[int | str], group: str = "management",
                first_id: int = 1) -> list[Answer]:
    """Give one answer per respondent, numbering respondents from ``first_id``."""
    return [a(first_id + i, pid, lv, group) for i, lv in enumerate(levels)]


# -- consolidation -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("aggregation", "levels", "expected"),
    [
        ("median", [1, 2, 5], 2.0),  # odd count: the middle answer
        ("mean", [1, 2, 5], 8 / 3),
        ("median", [2, 3], 2.5),  # even count: midway between the two middle answers
        ("mean", [2, 3], 2.5),
        ("median", [1, 1, 2, 5], 1.5),
        ("mean", [1, 1, 2, 5], 2.25),
        ("median", [4], 4.0),
    ],
)
def test_median_and_mean_consolidate_levels(aggregation, levels, expected):
    fw = make_framework(aggregation=aggregation)
    result = score_cycle(framework=fw, answers=answers_for("A1", levels))
    assert result.practice("A1").level == pytest.approx(expected)
    assert result.index == pytest.approx(index_from_level(expected))


def test_unknown_aggregation_is_rejected():
    fw = make_framework(aggregation="mode")
    with pytest.raises(ValueError, match="aggregation"):
        score_cycle(framework=fw, answers=answers_for("A1", [3]))


def test_na_and_dont_know_are_counted_but_never_scored():
    fw = make_framework()
    result = score_cycle(framework=fw, answers=answers_for("A1", [4, "na", "dk", 2, "dk"]))
    p = result.practice("A1")
    assert p.level == 3.0  # median of [2, 4]; the three non-answers are left out
    assert (p.n_answers, p.n_na, p.n_dont_know) == (2, 1, 2)
    assert p.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    assert result.n_respondents == 5  # they still took part


def test_only_non_answers_leave_the_practice_unscored():
    fw = make_framework({"insight": ["A1", "A2"]})
    answers = answers_for("A1", ["na", "dk"]) + answers_for("A2", [5])
    result = score_cycle(framework=fw, answers=answers)
    assert result.practice("A1").level is None
    assert result.practice("A1").gap is None
    assert result.index == 100.0  # A1 does not drag the index down to 0


def test_last_answer_of_a_respondent_wins():
    fw = make_framework()
    answers = [a(1, "A1", 2), a(2, "A1", 3), a(1, "A1", 4)]
    p = score_cycle(framework=fw, answers=answers).practice("A1")
    assert p.n_answers == 2
    assert p.level == 3.5  # median of [3, 4], respondent 1's 2 was corrected to 4


def test_last_answer_may_withdraw_a_level():
    fw = make_framework()
    p = score_cycle(framework=fw, answers=[a(1, "A1", 2), a(1, "A1", "na")]).practice("A1")
    assert (p.level, p.n_answers, p.n_na) == (None, 0, 1)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(1, "management", "A1", 6),
        Answer(1, "management", "A1", 0),
        Answer(1, "management", "A1", None),
        Answer(1, "management", "A1", None, "maybe"),
    ],
)
def test_invalid_answers_are_rejected(answer):
    with pytest.raises(ValueError):
        score_cycle(framework=make_framework(), answers=[answer])


def test_answers_to_practices_outside_the_framework_are_ignored():
    fw = make_framework()
    result = score_cycle(framework=fw, answers=[a(1, "A1", 3), a(2, "Z9", 1)])
    assert result.index == 50.0
    assert result.n_respondents == 1


# -- weights, dimensions and the index -----------------------------------------------
def weighted_framework() -> Framework:
    return make_framework(
        {
            "insight": [("A1", {"weight": 2.0}), ("A2", {"weight": 1.0})],
            "culture": [("B1", {"weight": 1.0})],
        }
    )


def test_weights_shape_dimension_scores_and_the_index():
    answers = answers_for("A1", [4]) + answers_for("A2", [1]) + answers_for("B1", [5])
    result = score_cycle(framework=weighted_framework(), answers=answers)
    insight = result.dimension("insight")
    assert insight.score == pytest.approx(3.0)  # (2*4 + 1*1) / 3
    assert insight.index == pytest.approx(50.0)
    assert result.dimension("culture").index == pytest.approx(100.0)
    # The index weighs practices directly: (2*4 + 1 + 5) / 4 = 3.5 -> 62.5,
    # not the mean of the two dimension indices (75).
    assert result.index == pytest.approx(62.5)
    assert [d.key for d in result.dimensions] == ["insight", "culture"]
    assert [p.practice_id for p in result.practices] == ["A1", "A2", "B1"]


def test_dimension_target_and_gap_use_only_scored_practices():
    fw = make_framework(
        {"insight": [("A1", {"weight": 3.0, "target": 4}), ("A2", {"target": 5}), "A3"]}
    )
    answers = answers_for("A1", [2]) + answers_for("A2", [3])  # A3 has no answers
    d = score_cycle(framework=fw, answers=answers).dimension("insight")
    assert d.score == pytest.approx(2.25)  # (3*2 + 3) / 4
    assert d.target == pytest.approx(4.25)  # (3*4 + 5) / 4; A3's target is left out
    assert d.gap == pytest.approx(2.0)
    assert (d.n_practices, d.n_scored) == (3, 2)


def test_index_from_level_maps_the_scale_ends():
    assert index_from_level(1) == 0.0
    assert index_from_level(3) == 50.0
    assert index_from_level(5) == 100.0


@pytest.mark.parametrize(
    ("levels", "index", "stage"),
    [
        ([1], 0.0, "initial"),
        ([2, 1, 1, 1], 6.25, "initial"),
        ([2, 2, 2, 1], 18.75, "initial"),
        ([2], 25.0, "developing"),  # a boundary value belongs to the stage it opens
        ([3, 3, 3, 2], 43.75, "developing"),
        ([3], 50.0, "established"),
        ([4, 4, 4, 3], 68.75, "established"),
        ([4], 75.0, "advanced"),
        ([5], 100.0, "advanced"),
    ],
)
def test_stage_thresholds(levels, index, stage):
    fw = make_framework(aggregation="mean")
    result = score_cycle(framework=fw, answers=answers_for("A1", levels))
    assert result.index == pytest.approx(index)
    assert result.stage_key == stage


# -- gaps and priorities -------------------------------------------------------------
def test_gap_and_priority_order_rank_register_evidence_higher():
    fw = make_framework(
        {
            "insight": [
                ("P1", {"target": 4, "checks": ("sponsor", "customer_board")}),
                ("P2", {"target": 3}),
                ("P3", {"target": 5}),
                ("P4", {"target": 3, "checks": ("sponsor",)}),
                ("P5", {"target": 3, "weight": 2.0}),
            ]
        }
    )
    answers = (
        answers_for("P1", [2]) + answers_for("P2", [2]) + answers_for("P3", [2])
        + answers_for("P4", [4]) + answers_for("P5", [2])
    )
    result = score_cycle(
        framework=fw, answers=answers, targets={"P2": 4},
        failing_checks={"customer_board", "sponsor", "service_promise"},
    )
    p1, p2, p3, p4, p5 = (result.practice(f"P{i}") for i in range(1, 6))
    assert (p1.gap, p1.priority, p1.register_failing) == (2.0, 3.0, True)  # 2 * 1 * 1.5
    assert p1.failing_checks == ("sponsor", "customer_board")  # the practice's own order
    assert (p2.target, p2.gap, p2.priority) == (4, 2.0, 2.0)  # target overridden to 4
    assert (p3.gap, p3.priority) == (3.0, 3.0)
    assert (p4.gap, p4.priority, p4.register_failing) == (0.0, 0.0, True)  # above target
    assert (p5.gap, p5.priority) == (1.0, 2.0)  # 1 * weight 2
    # Same gap and weight: the register-confirmed P1 outranks P2. Ties on priority go to
    # the wider gap (P3 before P1, P2 before P5). P4 has no gap and is left out.
    assert [p.practice_id for p in result.top_gaps(10)] == ["P3", "P1", "P2", "P5"]
    assert [p.practice_id for p in result.top_gaps(2)] == ["P3", "P1"]


def test_register_failing_needs_one_of_the_practices_own_checks():
    fw = make_framework({"insight": [("A1", {"target": 4, "checks": ("sponsor",)})]})
    result = score_cycle(framework=fw, answers=answers_for("A1", [3]),
                         failing_checks=["customer_board"])
    p = result.practice("A1")
    assert (p.register_failing, p.failing_checks, p.priority) == (False, (), 1.0)


def test_strongest_orders_by_level_then_weight_then_id():
    fw = make_framework(
        {"insight": ["A1", ("A2", {"weight": 2.0}), "A3", "A4", "A5"]}
    )
    answers = (answers_for("A1", [4]) + answers_for("A2", [4]) + answers_for("A3", [5])
               + answers_for("A4", [4]))
    result = score_cycle(framework=fw, answers=answers)
    assert [p.practice_id for p in result.strongest(10)] == ["A3", "A2", "A1", "A4"]
    assert [p.practice_id for p in result.strongest(1)] == ["A3"]


# -- perception gap ------------------------------------------------------------------
def perception_answers() -> list[Answer]:
    return [
        # P1: upper pool [4, 4, 5] -> 4; front line [2, 2, 3] -> 2; gap +2
        a(1, "P1", 4, "leadership"), a(2, "P1", 5, "leadership"), a(3, "P1", 4, "management"),
        a(4, "P1", 2, "front_line"), a(5, "P1", 2, "front_line"), a(6, "P1", 3, "front_line"),
        a(7, "P1", 1, "customer_board"),  # neither side: counts for the level, not the gap
        # P2: 3 vs 2 -> gap +1, exactly the threshold
        a(1, "P2", 3, "leadership"), a(4, "P2", 2, "front_line"),
        # P3: only the upper side answered
        a(1, "P3", 5, "leadership"), a(4, "P3", "na", "front_line"),
    ]


def test_perception_gap_per_practice():
    fw = make_framework({"insight": ["P1", "P2", "P3"]})
    result = score_cycle(framework=fw, answers=perception_answers())
    p1 = result.practice("P1")
    assert (p1.upper_level, p1.frontline_level, p1.perception_gap) == (4.0, 2.0, 2.0)
    assert p1.perception_flag
    assert p1.group_levels == {"customer_board": 1.0, "front_line": 2.0,
                               "leadership": 4.5, "management": 4.0}
    assert p1.group_counts == {"customer_board": 1, "front_line": 3,
                               "leadership": 2, "management": 1}
    assert p1.level == 3.0  # median of all seven answers
    p2 = result.practice("P2")
    assert (p2.perception_gap, p2.perception_flag) == (1.0, True)  # >= threshold flags
    p3 = result.practice("P3")
    assert (p3.perception_gap, p3.perception_flag) == (None, False)
    assert p3.group_levels == {"front_line": None, "leadership": 5.0}
    assert [p.practice_id for p in result.perception_flags()] == ["P1", "P2"]
    assert result.respondents_by_group == {"customer_board": 1, "front_line": 3,
                                           "leadership": 2, "management": 1}


def test_perception_gap_per_dimension_uses_practices_both_sides_rated():
    fw = make_framework({"insight": [("P1", {"weight": 3.0}), "P2", "P3"]})
    d = score_cycle(framework=fw, answers=perception_answers()).dimension("insight")
    assert d.upper_score == pytest.approx(3.75)  # (3*4 + 3) / 4; P3 has no front line
    assert d.frontline_score == pytest.approx(2.0)  # (3*2 + 2) / 4
    assert d.perception_gap == pytest.approx(1.75)
    assert d.perception_flag


def test_perception_flag_threshold_comes_from_the_framework():
    fw = make_framework({"insight": ["P1", "P2", "P3"]}, perception_gap=2.5)
    result = score_cycle(framework=fw, answers=perception_answers())
    assert result.perception_flags() == []
    assert result.practice("P1").perception_gap == 2.0


def test_perception_groups_are_configurable():
    fw = make_framework({"insight": ["P1"]})
    result = score_cycle(framework=fw, answers=perception_answers(),
                         upper_groups=["leadership"], frontline_groups=["customer_board"])
    assert result.practice("P1").perception_gap == pytest.approx(3.5)  # 4.5 - 1


# -- change since the previous cycle -------------------------------------------------
def test_change_since_previous_cycle():
    fw = make_framework({"insight": ["A1", "A2"], "culture": ["B1"]})
    before = score_cycle(
        framework=fw, answers=answers_for("A1", [2]) + answers_for("A2", [3])
    )
    after = score_cycle(
        framework=fw,
        answers=answers_for("A1", [4]) + answers_for("A2", [2]) + answers_for("B1", [5]),
        previous=before,
    )
    a1, a2, b1 = after.practice("A1"), after.practice("A2"), after.practice("B1")
    assert (a1.previous_level, a1.change) == (2.0, 2.0)
    assert (a2.previous_level, a2.change) == (3.0, -1.0)
    assert (b1.previous_level, b1.change) == (None, None)  # not scored last quarter
    insight = after.dimension("insight")
    assert insight.previous_index == pytest.approx(37.5)  # level 2.5
    assert insight.change == pytest.approx(12.5)  # level 3.0 -> index 50
    assert after.dimension("culture").change is None
    assert after.previous_index == pytest.approx(37.5)
    assert after.index == pytest.approx(index_from_level(11 / 3))
    assert after.change == pytest.approx(index_from_level(11 / 3) - 37.5)
    assert [p.practice_id for p in after.biggest_movers(5)] == ["A1", "A2"]
    assert [p.practice_id for p in after.biggest_movers(1)] == ["A1"]


def test_without_previous_cycle_there_is_no_change():
    result = score_cycle(framework=make_framework(), answers=answers_for("A1", [3]))
    assert (result.previous_index, result.change) == (None, None)
    assert result.biggest_movers(3) == []


# -- sample flags --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("levels", "spread", "disagreement", "low_sample"),
    [
        ([3], None, False, True),  # one answer has no spread
        ([1, 3], 1.0, True, True),  # spread exactly at the threshold flags
        ([2, 3], 0.5, False, True),
        ([2, 3, 4], (2 / 3) ** 0.5, False, False),  # three answers reach low_sample=3
        ([1, 1, 5], (32 / 9) ** 0.5, True, False),
        (["na", "dk", "na"], None, False, True),  # non-answers do not make a sample
    ],
)
def test_low_sample_and_disagreement_flags(levels, spread, disagreement, low_sample):
    fw = make_framework(low_sample=3, disagreement_spread=1.0)
    p = score_cycle(framework=fw, answers=answers_for("A1", levels)).practice("A1")
    assert p.spread == (pytest.approx(spread) if spread is not None else None)
    assert p.disagreement is disagreement
    assert p.low_sample is low_sample


def test_disagreements_list_widest_spread_first():
    fw = make_framework({"insight": ["A1", "A2", "A3"]})
    answers = (answers_for("A1", [1, 3]) + answers_for("A2", [1, 5])
               + answers_for("A3", [3, 3]))
    result = score_cycle(framework=fw, answers=answers)
    assert [p.practice_id for p in result.disagreements()] == ["A2", "A1"]


# -- empty cycles and storage --------------------------------------------------------
def test_empty_cycle_scores_to_none_without_errors():
    fw = weighted_framework()
    result = score_cycle(framework=fw, answers=[])
    assert (result.index, result.stage_key, result.change) == (None, None, None)
    assert result.n_respondents == 0 and result.respondents_by_group == {}
    assert all(p.level is None and p.gap is None and p.priority == 0.0
               for p in result.practices)
    assert all(d.score is None and d.index is None and d.gap is None
               for d in result.dimensions)
    assert (result.top_gaps(5), result.strongest(5), result.disagreements()) == ([], [], [])
    assert CycleResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    # An empty previous cycle gives no change rather than an error.
    again = score_cycle(framework=fw, answers=answers_for("A1", [3]), previous=result)
    assert again.change is None and again.practice("A1").change is None


def rich_result() -> CycleResult:
    fw = make_framework(
        {"insight": [("P1", {"checks": ("sponsor",), "target": 5}), "P2", "P3"],
         "culture": [("B1", {"weight": 2.5})]}
    )
    previous = score_cycle(framework=fw, answers=answers_for("B1", [1, 2]))
    return score_cycle(
        framework=fw,
        answers=perception_answers() + answers_for("B1", [2, 3, "dk"], "front_line", 10),
        failing_checks={"sponsor"},
        previous=previous,
    )


def test_to_dict_from_dict_round_trip_through_json_is_exact():
    result = rich_result()
    stored = json.dumps(result.to_dict())
    rebuilt = CycleResult.from_dict(json.loads(stored))
    assert rebuilt == result
    assert rebuilt.to_dict() == result.to_dict()
    assert rebuilt.practice("P1").distribution == result.practice("P1").distribution
    assert rebuilt.dimension("culture").change == result.dimension("culture").change
    assert [p.practice_id for p in rebuilt.top_gaps(3)] == [
        p.practice_id for p in result.top_gaps(3)
    ]
    # Without JSON in between the rebuild is exact too.
    assert CycleResult.from_dict(result.to_dict()) == result


def test_to_dict_is_plain_json():
    data = rich_result().to_dict()
    assert json.loads(json.dumps(data)) == data  # no tuples, no int keys survive
    assert set(data["practices"][0]["distribution"]) == {"1", "2", "3", "4", "5"}


# -- trends and frames ---------------------------------------------------------------
def test_history_table_lists_index_and_dimensions_per_period():
    fw = weighted_framework()
    q1 = score_cycle(framework=fw, answers=answers_for("A1", [2]))
    q2 = score_cycle(framework=fw, answers=answers_for("A1", [3]) + answers_for("B1", [5]),
                     previous=q1)
    rows = history_table([("2024-Q1", q1), ("2024-Q2", q2)])
    assert rows == [
        {"period": "2024-Q1", "index": 25.0, "stage_key": "developing", "version": "1",
         "dimensions": {"insight": 25.0, "culture": None}},
        {"period": "2024-Q2", "index": pytest.approx(index_from_level(11 / 3)),  # (2*3 + 5) / 3
         "stage_key": "established", "version": "1",
         "dimensions": {"insight": 50.0, "culture": 100.0}},
    ]
    assert history_table([]) == []


