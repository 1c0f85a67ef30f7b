"""Framework format 1.1: crosswalk, dependencies, efforts, profiles and the version map."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cxgov.framework.loader import (
    LoadResult,
    load_framework_text,
    load_frameworks,
    version_map_problems,
)
from cxgov.framework.model import Framework
from tests.framework.v11 import SHIPPED_10, data_10, data_11, text_11


def load(data: dict[str, Any]) -> LoadResult:
    return load_framework_text(text_11(data), "cx-governance-1.1.yaml")


def problems(data: dict[str, Any]) -> list[str]:
    result = load(data)
    assert result.framework is None, "expected the file to be refused"
    return [str(p) for p in result.problems]


def practice(data: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for d in data["dimensions"] for p in d["practices"] if p["id"] == pid)


def test_a_1_1_file_loads_with_every_new_field() -> None:
    result = load(data_11())
    assert result.problems == []
    fw = result.framework
    assert fw is not None and fw.version == "1.1"
    a1 = fw.practice("A1")
    assert a1.references_to("iso-23592") == ("6.1",) and a1.references_to("cxpa") == ()
    assert a1.depends_on == ("B3",) and a1.effort(4) == "large" and a1.effort(5) is None
    assert [m.key for m in fw.reference_models] == ["iso-23592", "xmi"]
    assert fw.reference_model("iso-23592").element_title("5.1") == "Vision and strategy"
    essentials = fw.profile("essentials")
    assert essentials is not None and essentials.is_optional("D6")
    assert fw.target_for(a1, "essentials") == 3 and fw.target_for(a1, "full") == 4
    assert fw.target_for(a1, None) == a1.default_target and fw.profile("nope") is None
    vmap = fw.version_map
    assert vmap is not None and vmap.from_version == "1.0" and vmap.retired == ("F5",)
    assert vmap.mapping("B10").from_ids == ("B10", "B11") and vmap.mapping("B10").change == "merged"


def test_a_1_1_snapshot_round_trips_with_the_same_hash() -> None:
    fw = load(data_11()).framework
    assert fw is not None
    again = Framework.from_snapshot(fw.to_snapshot())
    assert again == fw and again.content_hash == fw.content_hash


def test_old_1_0_files_load_and_keep_their_hash() -> None:
    """The new fields are optional and absent from a 1.0 snapshot, so old hashes never move."""
    fw = load_framework_text(SHIPPED_10.read_text(encoding="utf-8"), "cx-governance.yaml").framework
    assert fw is not None and fw.profiles == () and fw.version_map is None
    snapshot = fw.to_snapshot()
    assert "profiles" not in snapshot and "references" not in snapshot["dimensions"][0]["practices"][0]


def test_unknown_reference_model_and_element_are_named() -> None:
    data = data_11()
    practice(data, "A1")["references"] = {"iso-9001": ["1"], "iso-23592": ["9.9"]}
    found = problems(data)
    assert any("dimensions[0].practices[0].references.iso-9001" in p and "unknown reference "
               "model 'iso-9001'" in p and "iso-23592, xmi" in p for p in found), found
    assert any("references.iso-23592[0]" in p and "'9.9' is not an element of iso-23592" in p
               for p in found), found
    assert all(p.startswith("cx-governance-1.1.yaml") for p in found)


def test_references_without_reference_models_say_where_to_declare_them() -> None:
    data = data_11()
    del data["reference_models"]
    assert any("declare it under reference_models" in p for p in problems(data))


def test_an_unquoted_element_id_is_refused_with_a_hint() -> None:
    data = data_11()
    data["reference_models"]["iso-23592"]["elements"][5.3] = "Numbers"
    assert any("quote it" in p for p in problems(data))


def test_dependency_cycle_is_refused_naming_the_cycle() -> None:
    data = data_11()
    practice(data, "B1")["depends_on"] = ["A1"]  # A1 -> B3 -> B1 -> A1
    found = [p for p in problems(data) if "circle" in p]
    assert len(found) == 1, found
    assert "A1 → B3 → B1 → A1" in found[0] and "depends_on" in found[0]


def test_dependency_on_unknown_or_self_is_refused() -> None:
    data = data_11()
    practice(data, "A2")["depends_on"] = ["A2", "Z9"]
    found = problems(data)
    assert any("depends_on[0]" in p and "cannot depend on itself" in p for p in found)
    assert any("depends_on[1]" in p and "'Z9' is not a practice" in p for p in found)


def test_next_step_effort_needs_one_valid_value_per_step() -> None:
    data = data_11()
    practice(data, "A1")["next_step_effort"] = ["small", "huge"]
    found = problems(data)
    assert any("next_step_effort:" in p and "one entry per next step (4), found 2" in p
               for p in found), found
    assert any("next_step_effort[1]" in p and "small, medium, large" in p and "'huge'" in p
               for p in found), found


def test_profile_must_cover_every_practice_with_valid_levels() -> None:
    data = data_11()
    targets = data["profiles"][0]["targets"]
    del targets["A2"]
    targets["A3"] = 7
    targets["Q1"] = 3
    data["profiles"][1]["key"] = "essentials"
    data["profiles"][0]["optional"].append("Z1")
    found = problems(data)
    assert any("profiles[0].targets:" in p and "no target for A2" in p for p in found), found
    assert any("profiles[0].targets.A3" in p and "from 1 to 5" in p for p in found), found
    assert any("profiles[0].targets.Q1" in p and "not a practice" in p for p in found), found
    assert any("profiles[0].optional[2]" in p for p in found), found
    assert any("profiles[1].key" in p and "used twice" in p for p in found), found


def test_version_map_checks_changes_and_coverage_of_this_file() -> None:
    data = data_11()
    entries = data["version_map"]["practices"]
    entries["D6"] = {"from": ["D5"], "change": "new"}
    entries["A2"] = {"from": ["A3"], "change": "kept"}
    entries["A3"]["change"] = "moved"
    del entries["A4"]
    entries["Z9"] = {"from": [], "change": "new"}
    found = problems(data)
    assert any("version_map.practices.D6.from" in p and "no previous ids" in p for p in found)
    assert any("version_map.practices.A2.change" in p and "renamed, not kept" in p for p in found)
    assert any("version_map.practices.A3.change" in p and "'moved'" in p for p in found)
    assert any("version_map.practices:" in p and "no entry for A4" in p for p in found), found
    assert any("version_map.practices.Z9" in p and "not a practice of this version" in p
               for p in found)
    assert any("only a split may have several successors" in p for p in found), found


def test_every_previous_practice_must_be_accounted_for() -> None:
    data = data_11()
    data["version_map"]["retired"] = []  # F5 now has no successor and is not retired
    fw = load(data).framework
    assert fw is not None  # this file alone cannot know; the library check does
    previous = load_framework_text(SHIPPED_10.read_text(encoding="utf-8"), "x").framework
    found = [str(p) for p in version_map_problems(fw, previous, "cx-governance-1.1.yaml")]
    assert found == ["cx-governance-1.1.yaml: version_map: cx-governance 1.0 practices F5 are "
                     "not accounted for: name each under a practice's from, or under retired"]


def test_a_directory_refuses_a_version_with_an_incomplete_map(tmp_path: Path) -> None:
    (tmp_path / "cx-governance.yaml").write_text(SHIPPED_10.read_text(encoding="utf-8"))
    data = data_11()
    data["version_map"]["retired"] = []
    (tmp_path / "cx-governance-1.1.yaml").write_text(text_11(data))
    catalog = load_frameworks(tmp_path)
    assert catalog.get("cx-governance").version == "1.0"
    assert [str(p) for p in catalog.problems] and "F5" in catalog.problems[0].message
    (tmp_path / "cx-governance-1.1.yaml").write_text(text_11())
    catalog = load_frameworks(tmp_path)
    assert catalog.invalid == [] and catalog.get("cx-governance").version == "1.1"
    assert catalog.get("cx-governance", "1.0") is not None


def test_a_map_from_a_version_that_is_not_there_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cx-governance-1.1.yaml").write_text(text_11())
    catalog = load_frameworks(tmp_path)
    assert catalog.valid == {}
    assert "version 1.0 of 'cx-governance' is not in the library" in catalog.problems[0].message


@pytest.mark.parametrize("field", ["reference_models", "profiles", "version_map"])
def test_each_new_top_level_field_is_optional(field: str) -> None:
    data = data_11()
    del data[field]
    if field == "reference_models":
        for dim in data["dimensions"]:
            for p in dim["practices"]:
                p.pop("references", None)
    assert load(data).problems == []


def test_1_0_data_is_unchanged_by_the_fixture() -> None:
    assert "profiles" not in data_10() and copy.deepcopy(data_10()) == data_10()


def test_version_change_lines_name_every_kind_of_change_once() -> None:
    from cxgov.framework.changes import practice_change_label, version_change_lines

    fw = load(data_11()).framework
    english = lambda text, **kw: text % kw  # noqa: E731 (the report passes its own gettext)
    lines = version_change_lines(fw, gettext=english)
    assert lines == [
        "New in 1.1, with no earlier score: D6.",
        "Renamed in 1.1, with their history carried over: A11 \u2192 A12.",
        "Merged in 1.1, their earlier score being the weighted mean of the practices merged: "
        "B10 + B11 \u2192 B10.",
        "Split in 1.1, each part carrying the earlier score: C9 \u2192 C9, C9 \u2192 C10.",
        "Retired in 1.1: F5.",
    ]
    titled = version_change_lines(fw, gettext=english, title=lambda pid: f"<{pid}>")
    assert titled[0] == "New in 1.1, with no earlier score: D6 <D6>."
    assert practice_change_label(fw, "D6", gettext=english) == "New in 1.1: no earlier score."
    assert practice_change_label(fw, "A1", gettext=english) is None
    without_map = load_framework_text(SHIPPED_10.read_text(encoding="utf-8"), "cx-governance.yaml").framework
    assert version_change_lines(without_map, gettext=english) == []
