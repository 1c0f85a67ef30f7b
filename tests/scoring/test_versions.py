"""Scores and trends across a framework version change, read through the version map.

Hand-computed example. Version 1 has A1, A2, B1, B2 (weight 3), C1, D1; version 2 maps:
  A1 kept, A3 renamed from A2, B1 merged from B1+B2, C1 and C2 split from C1, E1 new, D1 retired.
Version 1 levels (one respondent each): A1 2, A2 3, B1 1, B2 4, C1 2 (mean of 2 and 3 = 2.5
with two respondents), D1 5.
Carried onto version 2:  A1 2 · A3 3 · B1 (1*1 + 4*3) / (1 + 3) = 3.25 · C1 2.5 · C2 2.5 · E1 none.
Version 2 levels: A1 3, A3 3, B1 3.5, C1 2, C2 3, E1 2, so the movers are
  A1 +1, A3 0 (not a mover), B1 +0.25, C1 -0.5, C2 +0.5, E1 no earlier score.
"""
from __future__ import annotations

from dataclasses import replace

from cxgov.framework.changes import practice_change_label
from cxgov.framework.model import PracticeMapping, VersionMap
from cxgov.scoring import score_cycle
from cxgov.scoring.versions import map_result, result_onto, successor_ids, version_chain
from tests.scoring.test_engine import a, make_framework

V1 = replace(make_framework({"alpha": ["A1", "A2"], "beta": ["B1", ("B2", {"weight": 3.0})],
                             "gamma": ["C1"], "delta": ["D1"]}, aggregation="mean"),
             key="test", version="1")
MAP = VersionMap(from_version="1", practices=(
    PracticeMapping("A1", ("A1",), "kept"),
    PracticeMapping("A3", ("A2",), "renamed"),
    PracticeMapping("B1", ("B1", "B2"), "merged"),
    PracticeMapping("C1", ("C1",), "split"),
    PracticeMapping("C2", ("C1",), "split"),
    PracticeMapping("E1", (), "new"),
), retired=("D1",))
V2 = replace(make_framework({"alpha": ["A1", "A3"], "beta": ["B1"], "gamma": ["C1", "C2"],
                             "epsilon": ["E1"]}, aggregation="mean"),
             key="test", version="2", version_map=MAP)

V1_ANSWERS = [a(1, "A1", 2), a(1, "A2", 3), a(1, "B1", 1), a(1, "B2", 4), a(1, "C1", 2),
              a(2, "C1", 3), a(1, "D1", 5)]
V2_ANSWERS = [a(1, "A1", 3), a(1, "A3", 3), a(1, "B1", 3), a(2, "B1", 4), a(1, "C1", 2),
              a(1, "C2", 3), a(1, "E1", 2)]


def test_map_result_by_hand() -> None:
    old = score_cycle(framework=V1, answers=V1_ANSWERS)
    mapped = map_result(old, MAP, {p.id: p.dimension_key for p in V2.practices})
    levels = {p.practice_id: p.level for p in mapped.practices}
    assert levels == {"A1": 2.0, "A3": 3.0, "B1": 3.25, "C1": 2.5, "C2": 2.5}  # E1 is new: no result


def test_a_merge_of_unscored_practices_has_no_earlier_level() -> None:
    only_b2 = score_cycle(framework=V1, answers=[a(1, "B2", 4)])
    assert map_result(only_b2, MAP).practice("B1").level == 4.0  # only the scored one counts
    neither = score_cycle(framework=V1, answers=[a(1, "A1", 2)])
    assert map_result(neither, MAP).practice("B1").level is None


def test_scores_and_movers_across_the_version_change() -> None:
    old = score_cycle(framework=V1, answers=V1_ANSWERS)
    carried = result_onto(old, V2, {"1": V1, "2": V2})
    assert carried is not None
    assert {p.practice_id: p.level for p in carried.practices} == {
        "A1": 2.0, "A3": 3.0, "B1": 3.25, "C1": 2.5, "C2": 2.5}
    new = score_cycle(framework=V2, answers=V2_ANSWERS, previous=carried)
    changes = {p.practice_id: p.change for p in new.practices}
    assert changes == {"A1": 1.0, "A3": 0.0, "B1": 0.25, "C1": -0.5, "C2": 0.5, "E1": None}
    assert new.practice("E1").previous_level is None
    assert [p.practice_id for p in new.biggest_movers()] == ["A1", "C1", "C2", "B1"]
    # the index compares as stored: version 1 mean level 2.9 -> index, version 2 likewise
    assert new.previous_index == old.index and new.change == new.index - old.index


def test_a_renamed_practice_keeps_its_history() -> None:
    history = [score_cycle(framework=V1, answers=[a(1, "A2", level)]) for level in (1, 2, 4)]
    trend = [result_onto(r, V2, {"1": V1, "2": V2}).practice("A3").level for r in history]
    assert trend == [1.0, 2.0, 4.0]


def test_a_result_on_the_same_version_is_unchanged_and_another_key_is_not_mapped() -> None:
    result = score_cycle(framework=V2, answers=V2_ANSWERS)
    assert result_onto(result, V2, {"2": V2}) == result
    other = replace(result, framework_key="other")
    assert result_onto(other, V2, {"2": V2}) is None


def test_version_chain_walks_several_maps_and_stops_without_one() -> None:
    v3_map = VersionMap(from_version="2", practices=tuple(
        PracticeMapping(p.id, (p.id,), "kept") for p in V2.practices))
    v3 = replace(V2, version="3", version_map=v3_map)
    versions = {"1": V1, "2": V2, "3": v3}
    assert version_chain(v3, "1", versions) == [MAP, v3_map]
    assert version_chain(v3, "3", versions) == []
    assert version_chain(V1, "2", versions) is None  # no map leads backwards
    old = score_cycle(framework=V1, answers=V1_ANSWERS)
    assert result_onto(old, v3, versions).practice("B1").level == 3.25
    assert successor_ids("A2", [MAP, v3_map]) == ("A3",)
    assert successor_ids("C1", [MAP]) == ("C1", "C2")
    assert successor_ids("D1", [MAP]) == ()


def test_map_result_moves_a_practice_into_its_new_dimension() -> None:
    old = score_cycle(framework=V1, answers=V1_ANSWERS)
    mapped = map_result(old, MAP, {"A3": "epsilon"})
    assert mapped.practice("A3").dimension_key == "epsilon"
    assert old.practice("A2").practice_id == "A2"  # the stored result is never rewritten


def test_practice_change_names_what_the_reader_must_know() -> None:
    english = lambda text, **kw: text % kw  # noqa: E731 (the report passes its own gettext)
    assert practice_change_label(V2, "A1", gettext=english) is None
    assert practice_change_label(V2, "E1", gettext=english) == "New in 2: no earlier score."
    assert practice_change_label(V2, "B1", gettext=english) == (
        "Merged in 2 from B1, B2; earlier scores are their weighted mean.")
    assert practice_change_label(V1, "A1", gettext=english) is None
