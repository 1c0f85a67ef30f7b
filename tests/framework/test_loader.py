"""The loader reports every problem with file, path and message, and never raises."""
from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgov.framework.loader import (
    DEFAULT_FRAMEWORK_DIR,
    LoadResult,
    Problem,
    _AnchorRefused,
    _PythonEvents,
    _Tracking,
    _TrackingLoader,
    load_framework_file,
    load_framework_text,
    load_frameworks,
)
from cxgov.framework.model import Framework
from tests.fast_yaml import yaml_dump, yaml_load

SHIPPED = DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml"
README = DEFAULT_FRAMEWORK_DIR / "README.md"


@pytest.fixture(scope="module")
def shipped_data() -> dict[str, Any]:
    """Return the shipped framework as parsed YAML, for tests that break it on purpose."""
    return yaml_load(SHIPPED.read_text(encoding="utf-8"))


def load_data(data: Any, source: str = "broken.yaml") -> LoadResult:
    """Dump ``data`` to YAML and load it the way a file would be."""
    return load_framework_text(yaml_dump(data, allow_unicode=True, sort_keys=False), source)


def only_problem(result: LoadResult, path: str) -> Problem:
    """Return the single problem at ``path``, failing with the full list otherwise."""
    assert result.framework is None
    matches = [p for p in result.problems if p.path == path]
    assert len(matches) == 1, [str(p) for p in result.problems]
    return matches[0]


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"## Minimal example.*?```yaml\n(.*?)```", text, re.S)
    assert match, "assessments/README.md has no yaml block under '## Minimal example'"
    return match.group(1)


# -- valid input ----------------------------------------------------------------------------

def test_shipped_framework_validates() -> None:
    result = load_framework_file(SHIPPED)
    assert result.problems == []
    assert result.ok
    assert isinstance(result.framework, Framework)
    assert result.framework.key == "cx-governance"
    assert result.framework.version == "1.0"
    assert len(result.framework.content_hash) == 64


def test_readme_minimal_example_validates() -> None:
    result = load_framework_text(readme_example(), "README.md")
    assert result.problems == []
    framework = result.framework
    assert framework is not None
    practice = framework.practice("B3")
    assert practice.weight == 2.0 and practice.default_target == 4
    assert framework.stages[1].name.get("sv") == "Etablerad"
    assert framework.stage_for(75).key == "established"


def test_optional_practice_fields_take_defaults(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    practice = data["dimensions"][0]["practices"][0]
    for name in ("merges", "weight", "default_target", "register_checks", "owner_hint"):
        practice.pop(name, None)
    result = load_data(data)
    assert result.problems == []
    loaded = result.framework.practice(practice["id"])
    assert (loaded.weight, loaded.default_target, loaded.register_checks, loaded.owner_hint,
            loaded.merges) == (1.0, 3, (), None, ())


def test_snapshot_round_trip_keeps_hash() -> None:
    framework = load_framework_file(SHIPPED).framework
    snapshot = json.loads(json.dumps(framework.to_snapshot()))  # as stored in a JSON column
    restored = Framework.from_snapshot(snapshot)
    assert restored == framework
    assert restored.content_hash == framework.content_hash


def test_editing_a_text_changes_hash(shipped_data: dict[str, Any]) -> None:
    original = load_data(shipped_data).framework
    data = copy.deepcopy(shipped_data)
    data["dimensions"][2]["practices"][1]["levels"][3] += " Reviewed yearly."
    edited = load_data(data).framework
    assert original is not None and edited is not None
    assert edited.content_hash != original.content_hash


def test_yaml_formatting_does_not_change_hash(shipped_data: dict[str, Any]) -> None:
    from_file = load_framework_file(SHIPPED).framework
    redumped = load_data(shipped_data).framework
    assert from_file.content_hash == redumped.content_hash


def test_multilanguage_text_is_kept(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["title"] = {"sv": "CX-styrning", "en": "CX governance"}
    framework = load_data(data).framework
    assert framework.title.get("sv") == "CX-styrning"
    assert framework.title.get("da") == "CX governance"


# -- invalid input: each kind gives a clear message with file and path ------------------------

def test_malformed_yaml_reports_line() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("version: \"1.0\"", "version: [\"1.0\"", 1)
    result = load_framework_text(text, "bad.yaml")
    assert result.framework is None
    [problem] = result.problems
    assert problem.file == "bad.yaml"
    assert "not valid YAML" in problem.message
    assert problem.line is not None and f"line {problem.line}" in problem.message


@pytest.mark.parametrize(("text", "line", "column"), [
    ("[1, 2", 1, 6),  # libyaml's mark is on line 2, after the text
    ("key: x\nlist: [1, 2\n", 2, 12),
    ("key: x\nlist: [1, 2\n\n\n", 4, 1),  # the text's last line is an empty one
    ("a: b: c\n", 1, 5),  # inside the text: libyaml's own mark
])
def test_a_yaml_error_points_into_the_text(text: str, line: int, column: int) -> None:
    [problem] = load_framework_text(text, "bad.yaml").problems
    assert problem.line == line
    assert f"(line {line}, column {column})" in str(problem.message)


def test_missing_level(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    del data["dimensions"][1]["practices"][3]["levels"][4]
    problem = only_problem(load_data(data), "dimensions[1].practices[3].levels")
    assert problem.file == "broken.yaml"
    assert "exactly 5" in problem.message and "found 4" in problem.message
    assert problem.line is not None


def test_wrong_number_of_next_steps(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["dimensions"][0]["practices"][0]["next_steps"].append("One more.")
    problem = only_problem(load_data(data), "dimensions[0].practices[0].next_steps")
    assert "exactly 4" in problem.message


def test_duplicate_practice_id(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["dimensions"][0]["practices"][2]["id"] = "A1"
    problem = only_problem(load_data(data), "dimensions[0].practices[2].id")
    assert "'A1' is used twice" in problem.message
    assert "dimensions[0].practices[0]" in problem.message


def test_practice_id_must_match_dimension_code(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["dimensions"][1]["practices"][0]["id"] = "A99"
    problem = only_problem(load_data(data), "dimensions[1].practices[0].id")
    assert "start with its dimension's code 'B'" in problem.message


def test_unknown_register_check(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["dimensions"][1]["practices"][2]["register_checks"] = ["sponsor", "sponsors"]
    problem = only_problem(load_data(data), "dimensions[1].practices[2].register_checks[1]")
    assert "unknown register check 'sponsors'" in problem.message


def test_unknown_owner_hint(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["dimensions"][0]["practices"][0]["owner_hint"] = "ceo"
    problem = only_problem(load_data(data), "dimensions[0].practices[0].owner_hint")
    assert "owner_hint must be one of" in problem.message


@pytest.mark.parametrize(
    ("thresholds", "path", "fragment"),
    [
        ([0, 40, 20, 60, 80], "stages[2].min_index", "strictly ascending"),
        ([0, 20, 20, 60, 80], "stages[2].min_index", "strictly ascending"),
        ([10, 20, 40, 60, 80], "stages[0].min_index", "must start at min_index 0"),
        ([0, 20, 40, 60, 120], "stages[4].min_index", "from 0 to 100"),
        ([0, 20, "forty", 60, 80], "stages[2].min_index", "from 0 to 100"),
        ([0, 20, True, 60, 80], "stages[2].min_index", "true/false"),
    ],
)
def test_bad_stage_thresholds(shipped_data: dict[str, Any], thresholds: list[Any], path: str,
                              fragment: str) -> None:
    data = copy.deepcopy(shipped_data)
    for stage, threshold in zip(data["stages"], thresholds):
        stage["min_index"] = threshold
    problem = only_problem(load_data(data), path)
    assert fragment in problem.message


def test_no_stages(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["stages"] = []
    assert "at least one stage" in only_problem(load_data(data), "stages").message


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (lambda d: d.update(version=1.0), "version", "quoted text"),
        (lambda d: d.update(key="CX Governance"), "key", "lower-case"),
        (lambda d: d.update(title=""), "title", "must not be empty"),
        (lambda d: d.update(title={"sv": "Styrning"}), "title", "English ('en')"),
        (lambda d: d.update(title={"en": "x", False: "y"}), "title", "quote it"),
        (lambda d: d.update(description=42), "description", "not a whole number"),
        (lambda d: d.update(level_names=["A", "B", "C"]), "level_names", "exactly 5"),
        (lambda d: d.update(dimensions={}), "dimensions", "must be a list"),
        (lambda d: d["scoring"].update(aggregation="mode"), "scoring.aggregation", "median"),
        (lambda d: d["scoring"].update(na_policy="zero"), "scoring.na_policy", "exclude"),
        (lambda d: d["scoring"].update(low_sample=0), "scoring.low_sample", "at least 1"),
        (lambda d: d["scoring"].update(low_sample=2.5), "scoring.low_sample", "whole number"),
        (lambda d: d["scoring"].update(disagreement_spread=True),
         "scoring.disagreement_spread", "true/false"),
        (lambda d: d["scoring"].update(perception_gap=-1), "scoring.perception_gap", "above 0"),
        (lambda d: d["scoring"].update(perception_gap=float("inf")),
         "scoring.perception_gap", "above 0"),
        (lambda d: d["dimensions"][0].update(code="AA"), "dimensions[0].code", "one capital"),
        (lambda d: d["dimensions"][1].update(code="A"), "dimensions[1].code", "used twice"),
        (lambda d: d["dimensions"][1].update(key="insight"), "dimensions[1].key", "used twice"),
        (lambda d: d["dimensions"][0].update(practices=[]), "dimensions[0].practices",
         "at least one practice"),
        (lambda d: d["dimensions"][0]["practices"][0].update(weight=True),
         "dimensions[0].practices[0].weight", "true/false"),
        (lambda d: d["dimensions"][0]["practices"][0].update(weight=0),
         "dimensions[0].practices[0].weight", "above 0"),
        (lambda d: d["dimensions"][0]["practices"][0].update(default_target=6),
         "dimensions[0].practices[0].default_target", "from 1 to 5"),
        (lambda d: d["dimensions"][0]["practices"][0].update(default_target="4"),
         "dimensions[0].practices[0].default_target", "not text"),
        (lambda d: d["dimensions"][0]["practices"][0].update(sources=[]),
         "dimensions[0].practices[0].sources", "must not be empty"),
        (lambda d: d["dimensions"][0]["practices"][0].update(sources="000"),
         "dimensions[0].practices[0].sources", "must be a list"),
        (lambda d: d["dimensions"][0]["practices"][0].update(sources=[0]),
         "dimensions[0].practices[0].sources[0]", "quote article ids"),
        (lambda d: d["dimensions"][0]["practices"][0].update(evidence_prompts=[]),
         "dimensions[0].practices[0].evidence_prompts", "at least 1"),
        (lambda d: d["dimensions"][0]["practices"][0]["levels"].__setitem__(2, None),
         "dimensions[0].practices[0].levels[2]", "not nothing"),
        (lambda d: d["dimensions"][0]["practices"][0].update(merges=["A2"]),
         "dimensions[0].practices[0].merges[0]", "also a practice id"),
        (lambda d: d["dimensions"][0]["practices"][0].update(colour="blue"),
         "dimensions[0].practices[0].colour", "unknown field 'colour'"),
        (lambda d: d.update(author="me"), "author", "unknown field 'author'"),
    ],
)
def test_wrong_values_are_reported(shipped_data: dict[str, Any], mutate: Any, path: str,
                                   fragment: str) -> None:
    data = copy.deepcopy(shipped_data)
    mutate(data)
    problem = only_problem(load_data(data), path)
    assert fragment in problem.message
    assert problem.file == "broken.yaml"


def test_missing_required_fields_are_each_reported(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    del data["scoring"]
    del data["dimensions"][2]["practices"][0]["good_looks_like"]
    result = load_data(data)
    messages = [(p.path, p.message) for p in result.problems]
    assert ("", "the framework is missing the required field 'scoring'") in messages
    assert ("dimensions[2].practices[0]",
            "a practice is missing the required field 'good_looks_like'") in messages


def test_all_problems_are_collected(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["version"] = 2
    data["stages"][1]["min_index"] = -5
    data["dimensions"][3]["practices"][1]["register_checks"] = ["nope"]
    paths = {p.path for p in load_data(data).problems}
    assert {"version", "stages[1].min_index",
            "dimensions[3].practices[1].register_checks[0]"} <= paths


def test_duplicate_key_in_a_mapping() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "key: cx-governance\n", "key: cx-governance\ntitle: Second title\n", 1)
    result = load_framework_text(text, "dup.yaml")
    assert result.framework is None
    [problem] = result.problems
    assert "'title' appears twice" in problem.message
    # the second occurrence (the file's own title, after the inserted one) is the one named
    assert problem.line == text.splitlines().index(
        "title: CX governance and maturity assessment") + 1


class _PurePythonLoader(_Tracking, _PythonEvents):
    """The loader on PyYAML's own parser, as it runs where PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        _PythonEvents.__init__(self, stream)
        _Tracking.__init__(self)


def _read_with(loader_class: type, text: str) -> tuple[Any, list[int], list[tuple[str, int]]]:
    loader = loader_class(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, sorted(loader.lines.values()), loader.duplicates


def test_libyaml_events_read_files_as_pyyaml_s_own_parser_does() -> None:
    """The loader reads with libyaml when PyYAML has it (a sixth of the time): the same values,
    container lines and duplicate keys as on PyYAML's pure-Python parser, and the same refusals."""
    assert not yaml.__with_libyaml__ or issubclass(_TrackingLoader, yaml._yaml.CParser)
    texts = [path.read_text(encoding="utf-8") for path in sorted(DEFAULT_FRAMEWORK_DIR.glob("*.yaml"))]
    duplicated = SHIPPED.read_text(encoding="utf-8").replace("\nkey: ", "\ntitle: again\nkey: ", 1)
    texts.append(duplicated)
    for text in texts:
        assert _read_with(_PurePythonLoader, text) == _read_with(_TrackingLoader, text)
    titles = [number for number, line in enumerate(duplicated.splitlines(), 1) if line.startswith("title:")]
    assert _read_with(_TrackingLoader, duplicated)[2] == [("title", titles[1])]
    for refused in ("a: &x 1", "a: [1, *x]", "a: &x [*x]", "<<: &b {c: 1}"):
        for loader_class in (_PurePythonLoader, _TrackingLoader):
            with pytest.raises(_AnchorRefused):
                _read_with(loader_class, refused)


@pytest.mark.parametrize("text", ["", "just text", "- a\n- b", "42", "null", "~", "[1, 2",
                                  "key: [a, *missing]", "!!python/object:os.system {}",
                                  "a: &x [*x]", "\x00", "{" * 5000 + "}" * 5000])
def test_odd_documents_give_problems_not_exceptions(text: str) -> None:
    result = load_framework_text(text, "odd.yaml")
    assert result.framework is None
    assert result.problems and all(p.file == "odd.yaml" for p in result.problems)


def test_problem_flood_is_capped(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["dimensions"] = [42] * 10_000
    problems = load_data(data).problems
    assert 1 < len(problems) <= 201
    assert "stopped after" in problems[-1].message


def test_problem_str_names_file_line_and_path() -> None:
    problem = Problem("f.yaml", "stages[0].key", "is bad", 7)
    assert str(problem) == "f.yaml:7: stages[0].key: is bad"


# -- files and directories --------------------------------------------------------------------

def test_load_frameworks_splits_valid_and_invalid(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(readme_example(), encoding="utf-8")
    (tmp_path / "copy.yml").write_text(readme_example(), encoding="utf-8")  # same key
    (tmp_path / "bad.yaml").write_text("key: [", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    catalog = load_frameworks(tmp_path)
    assert set(catalog.valid) == {"example"}
    assert catalog.get("example") is not None and catalog.get("missing") is None
    invalid = {Path(r.path).name: r for r in catalog.invalid}
    assert set(invalid) == {"bad.yaml", "binary.yaml", "good.yaml"}  # copy.yml came first
    assert "already used by" in invalid["good.yaml"].problems[0].message
    assert "UTF-8" in invalid["binary.yaml"].problems[0].message
    assert all(p.file.endswith(".yaml") for p in catalog.problems)


def test_default_directory_loads_shipped_framework() -> None:
    catalog = load_frameworks()
    assert catalog.get("cx-governance") is not None
    assert catalog.invalid == []


def test_missing_file_and_directory_are_problems(tmp_path: Path) -> None:
    result = load_framework_file(tmp_path / "nope.yaml")
    assert result.framework is None and "could not be read" in result.problems[0].message
    catalog = load_frameworks(tmp_path / "nowhere")
    assert catalog.valid == {} and "could not be read" in catalog.invalid[0].problems[0].message


# -- property: random damage never raises --------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=20,
)


def _containers(node: Any, found: list[Any]) -> list[Any]:
    """List every dict and list inside ``node``, the places a mutation can hit."""
    if isinstance(node, (dict, list)):
        found.append(node)
        for child in (node.values() if isinstance(node, dict) else node):
            _containers(child, found)
    return found


@st.composite
def mutated_frameworks(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        targets = _containers(data, [])
        if not targets:
            break
        target = draw(st.sampled_from(targets))
        if not target:
            continue
        action = draw(st.sampled_from(["delete", "replace", "truncate"]))
        if isinstance(target, dict):
            name = draw(st.sampled_from(sorted(target, key=str)))
            if action == "delete":
                del target[name]
            else:
                target[name] = draw(json_values)
        elif action == "truncate":
            del target[draw(st.integers(0, len(target) - 1)):]
        else:
            target[draw(st.integers(0, len(target) - 1))] = draw(json_values)
    # now and then the whole document is replaced, e.g. by a list or a bare number
    return draw(json_values) if draw(st.integers(0, 19)) == 0 else data


@functools.cache
def _shipped_once() -> dict[str, Any]:
    """Parse the shipped file once; each example deep-copies it before damaging it."""
    return yaml_load(SHIPPED.read_text(encoding="utf-8"))


# Each example loads and validates the whole 42-practice file (~0.3 s on a busy CI core).
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_damage_never_raises(data: st.DataObject) -> None:
    mutated = data.draw(mutated_frameworks(_shipped_once()))
    try:
        text = yaml_dump(mutated, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return
    result = load_framework_text(text, "fuzz.yaml")
    assert (result.framework is None) == bool(result.problems)
    assert all(isinstance(p, Problem) and p.file == "fuzz.yaml" for p in result.problems)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    result = load_framework_text(text, "fuzz.yaml")
    assert result.framework is None and result.problems
