"""Properties the scoring engine must keep for any framework and any set of answers."""
from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxgov.framework.model import Framework
from cxgov.scoring import Answer, CycleResult, score_cycle

from .test_engine import make_framework

GROUPS = ("leadership", "management", "front_line", "customer_board")
AGGREGATIONS = ("median", "mean")


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    """Draw 1-3 dimensions of 1-4 practices with positive weights and any targets."""
    spec = {}
    for d in range(draw(st.integers(1, 3))):
        spec[f"dim{d}"] = [
            (f"{chr(65 + d)}{i}", {
                "weight": draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])),
                "target": draw(st.integers(1, 5)),
            })
            for i in range(1, draw(st.integers(1, 4)) + 1)
        ]
    return make_framework(spec, aggregation=draw(st.sampled_from(AGGREGATIONS)))


@st.composite
def cycles(draw: st.DrawFn) -> tuple[Framework, list[Answer]]:
    """Draw a framework and answers with unique (respondent, practice) pairs."""
    fw = draw(frameworks())
    ids = [p.id for p in fw.practices]
    n_respondents = draw(st.integers(0, 8))
    answers = []
    for rid in range(1, n_respondents + 1):
        group = draw(st.sampled_from(GROUPS))
        for pid in draw(st.lists(st.sampled_from(ids), unique=True)):
            kind = draw(st.sampled_from(["level", "level", "level", "na", "dont_know"]))
            level = draw(st.integers(1, 5)) if kind == "level" else None
            answers.append(Answer(rid, group, pid, level, kind))
    return fw, answers


@given(cycles())
def test_indices_stay_within_0_and_100(cycle):
    fw, answers = cycle
    result = score_cycle(framework=fw, answers=answers)
    has_level = any(x.kind == "level" for x in answers)
    assert (result.index is not None) == has_level
    indices = [result.index] + [d.index for d in result.dimensions]
    assert all(0.0 <= i <= 100.0 for i in indices if i is not None)
    assert all(1.0 <= p.level <= 5.0 for p in result.practices if p.level is not None)
    assert all(p.priority >= 0.0 for p in result.practices)


@given(cycles(), st.data())
def test_raising_one_answer_never_lowers_its_practice_or_the_index(cycle, data):
    fw, answers = cycle
    rated = [i for i, x in enumerate(answers) if x.kind == "level" and x.level < 5]
    assume(rated)
    i = data.draw(st.sampled_from(rated))
    raised = list(answers)
    raised[i] = replace(answers[i], level=data.draw(st.integers(answers[i].level + 1, 5)))
    before = score_cycle(framework=fw, answers=answers)
    after = score_cycle(framework=fw, answers=raised)
    pid = answers[i].practice_id
    assert after.practice(pid).level >= before.practice(pid).level
    assert after.index >= before.index
    dim = fw.practice(pid).dimension_key
    assert after.dimension(dim).index >= before.dimension(dim).index


@given(cycles(), st.randoms(use_true_random=False))
def test_answer_order_does_not_change_the_result(cycle, rnd):
    fw, answers = cycle
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    assert score_cycle(framework=fw, answers=shuffled) == score_cycle(
        framework=fw, answers=answers
    )


@settings(max_examples=50)
@given(cycles(), cycles())
def test_stored_results_rebuild_exactly(first, second):
    fw, answers = second
    previous = score_cycle(framework=first[0], answers=first[1])
    result = score_cycle(framework=fw, answers=answers, previous=previous,
                         failing_checks={"sponsor"})
    assert CycleResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
