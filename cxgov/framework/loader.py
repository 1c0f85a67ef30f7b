"""Load and validate maturity frameworks from ``assessments/*.yaml``.

Consultants edit these files by hand, so the loader never raises on bad input: it collects
every problem it can find, each naming the file, the field path (e.g.
``dimensions[1].practices[3].levels``) and, where known, the line, and only builds a
:class:`~cxgov.framework.model.Framework` when there are none.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxgov.framework.checks import REGISTER_CHECKS
from cxgov.framework.model import (
    Dimension,
    Framework,
    Practice,
    ScoringOptions,
    Stage,
    Text,
)

#: Where the shipped frameworks live: ``<repo>/assessments``.
DEFAULT_FRAMEWORK_DIR: Path = Path(__file__).resolve().parents[2] / "assessments"

#: Register roles a practice's next step may name as its usual owner.
OWNER_HINTS: frozenset[str] = frozenset({
    "sponsor", "insight_manager", "channel_manager", "omnichannel_lead", "journey_owner",
    "ambassador", "customer_board", "cx_team", "hr", "leadership",
})

TOP_LEVEL_REQUIRED = ("key", "version", "title", "description", "level_names", "scoring",
                      "stages", "dimensions")
SCORING_FIELDS = ("aggregation", "na_policy", "disagreement_spread", "low_sample",
                  "perception_gap")
STAGE_REQUIRED = ("key", "name", "min_index")
STAGE_OPTIONAL = ("description",)
DIMENSION_REQUIRED = ("key", "code", "title", "description", "practices")
PRACTICE_REQUIRED = ("id", "title", "good_looks_like", "sources", "levels", "next_steps",
                     "evidence_prompts")
PRACTICE_OPTIONAL = ("merges", "weight", "default_target", "register_checks", "owner_hint")

AGGREGATIONS = ("median", "mean")
NA_POLICIES = ("exclude",)

KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+){0,3}$")
CODE_RE = re.compile(r"^[A-Z]$")
PRACTICE_ID_RE = re.compile(r"^[A-Z][0-9]+$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")

#: Files larger than this are refused unread; a real framework is a few hundred KB.
MAX_FILE_BYTES = 5_000_000
#: Stop collecting after this many problems: past that point more help nobody, and a
#: pathological file (e.g. alias bombs) must not make us build millions of messages.
MAX_PROBLEMS = 200
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a framework file, in plain English."""

    file: str  #: the file (or source label) the problem is in
    path: str  #: field path, e.g. ``dimensions[1].practices[3].levels``; "" for the whole file
    message: str
    line: int | None = None  #: 1-based line in the file, where known

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path or '(file)'}: {self.message}"


@dataclass
class LoadResult:
    """The outcome of loading one file: a framework, or the problems that prevented it."""

    framework: Framework | None
    problems: list[Problem]
    path: str

    @property
    def ok(self) -> bool:
        """Tell whether the file produced a valid framework."""
        return self.framework is not None and not self.problems


@dataclass
class FrameworkCatalog:
    """All frameworks of a directory: the valid ones by key, and the files that failed."""

    valid: dict[str, Framework] = field(default_factory=dict)
    invalid: list[LoadResult] = field(default_factory=list)

    def get(self, key: str) -> Framework | None:
        """Return the valid framework with ``key``, or None."""
        return self.valid.get(key)

    @property
    def problems(self) -> list[Problem]:
        """Every problem of every invalid file, for a single log or CLI listing."""
        return [p for result in self.invalid for p in result.problems]


# -- YAML --------------------------------------------------------------------------------

class _TooManyProblems(Exception):
    """Raised internally once MAX_PROBLEMS is reached, to stop validating early."""


class _TrackingLoader(yaml.SafeLoader):
    """A SafeLoader that records duplicate mapping keys and the line of every container."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []
        self.lines: dict[int, int] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        self.duplicates.append((str(key_node.value), key_node.start_mark.line + 1))
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


# SafeLoader builds containers in two steps (yield an empty one, then fill it); registering
# our own constructors keeps duplicate and line tracking on every mapping and sequence.
def _construct_map(loader: _TrackingLoader, node: yaml.MappingNode) -> Any:
    data: dict[Any, Any] = {}
    loader.lines[id(data)] = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


def _construct_seq(loader: _TrackingLoader, node: yaml.SequenceNode) -> Any:
    data: list[Any] = []
    loader.lines[id(data)] = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))


_TrackingLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_TrackingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# -- validation ---------------------------------------------------------------------------

def _describe(value: Any) -> str:
    """Name a YAML value's type the way a consultant editing the file would."""
    if value is None:
        return "nothing (empty)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    # Numbers carry their value: "from 1 to 5, not a whole number (9)" says what to fix.
    if isinstance(value, int):
        return f"a whole number ({value})"[:60]
    if isinstance(value, float):
        return f"a number ({value:g})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _is_number(value: Any) -> bool:
    """Tell whether ``value`` is a finite int/float (YAML true/false do not count)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Validator:
    """Walk parsed YAML, collecting problems; build nothing until everything is checked."""

    def __init__(self, source: str, lines: dict[int, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, near: Any = None) -> None:
        """Record one problem; ``near`` is the closest container, used for the line number."""
        line = self.lines.get(id(near)) if isinstance(near, (dict, list)) else None
        self.problems.append(Problem(self.source, path, message, line))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems

    # -- generic helpers -------------------------------------------------------------
    def fields(self, data: dict[Any, Any], path: str, required: tuple[str, ...],
               optional: tuple[str, ...], what: str) -> None:
        """Report missing required and unknown fields of a mapping."""
        for name in required:
            if name not in data:
                self.add(path, f"{what} is missing the required field '{name}'", data)
        allowed = set(required) | set(optional)
        for name in data:
            if name not in allowed:
                hint = f"; allowed fields are: {', '.join(required + optional)}"
                self.add(_join(path, str(name)), f"unknown field '{name}' in {what}{hint}", data)

    def mapping(self, value: Any, path: str, what: str, near: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.add(path, f"{what} must be a mapping of fields, not {_describe(value)}", near)
        return False

    def text(self, value: Any, path: str, near: Any) -> bool:
        """Check a text field: a non-empty string or a {language: string} mapping with 'en'."""
        if isinstance(value, str):
            if not value.strip():
                self.add(path, "text must not be empty", near)
                return False
            if len(value) > MAX_TEXT_CHARS:
                self.add(path, f"text is longer than {MAX_TEXT_CHARS} characters", near)
                return False
            return True
        if isinstance(value, dict):
            ok = True
            if not value:
                self.add(path, "text mapping is empty; give at least an 'en' entry", value)
                return False
            for lang, item in value.items():
                if not isinstance(lang, str):
                    # YAML 1.1 reads a bare `no:` (Norwegian) as false, `on:` as true.
                    self.add(path, f"language code {lang!r} must be text; quote it, e.g. "
                                   f"'no': ...", value)
                    ok = False
                    continue
                if not LANG_RE.match(lang):
                    self.add(_join(path, lang), f"'{lang}' is not a language code like "
                                                f"'en' or 'sv'", value)
                    ok = False
                if not isinstance(item, str) or not item.strip():
                    self.add(_join(path, lang), f"the '{lang}' text must be non-empty text, "
                                                f"not {_describe(item)}", value)
                    ok = False
                elif len(item) > MAX_TEXT_CHARS:
                    self.add(_join(path, lang), f"text is longer than {MAX_TEXT_CHARS} "
                                                f"characters", value)
                    ok = False
            if "en" not in value:
                self.add(path, "text mapping must include English ('en')", value)
                ok = False
            return ok
        self.add(path, f"must be text or a mapping of language to text, not "
                       f"{_describe(value)}", near)
        return False

    def text_list(self, value: Any, path: str, near: Any, *, exactly: int | None = None,
                  at_least: int = 0, what: str) -> bool:
        """Check a list of text fields, with an exact or minimum length."""
        if not isinstance(value, list):
            self.add(path, f"{what} must be a list, not {_describe(value)}", near)
            return False
        ok = True
        if exactly is not None and len(value) != exactly:
            self.add(path, f"{what} must have exactly {exactly} entries (found {len(value)})",
                     value)
            ok = False
        if len(value) < at_least:
            self.add(path, f"{what} must have at least {at_least} "
                           f"entr{'y' if at_least == 1 else 'ies'} (found {len(value)})", value)
            ok = False
        if len(value) > 50:
            self.add(path, f"{what} has {len(value)} entries; that is far too many", value)
            return False
        for i, item in enumerate(value):
            ok = self.text(item, f"{path}[{i}]", value) and ok
        return ok

    def string_list(self, value: Any, path: str, near: Any, *, what: str,
                    non_empty: bool, hint: str = "") -> list[str] | None:
        """Check a list of strings; return it when valid."""
        if not isinstance(value, list):
            self.add(path, f"{what} must be a list, not {_describe(value)}", near)
            return None
        if non_empty and not value:
            self.add(path, f"{what} must not be empty", value)
            return None
        if len(value) > 100:
            self.add(path, f"{what} has {len(value)} entries; that is far too many", value)
            return None
        good = True
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.add(f"{path}[{i}]", f"each entry of {what} must be non-empty text, not "
                                         f"{_describe(item)}{hint}", value)
                good = False
        return value if good else None

    # -- sections --------------------------------------------------------------------
    def root(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.add("", f"the file must be a mapping of fields (key, version, title, ...), "
                         f"not {_describe(data)}")
            return
        self.fields(data, "", TOP_LEVEL_REQUIRED, (), "the framework")
        if "key" in data:
            key = data["key"]
            if not isinstance(key, str) or not KEY_RE.match(key):
                self.add("key", f"key must be lower-case letters, digits, '-' or '_', starting "
                                f"with a letter (e.g. 'cx-governance'), not {key!r}"[:300], data)
        if "version" in data:
            version = data["version"]
            if not isinstance(version, str):
                self.add("version", f"version must be quoted text like \"1.0\", not "
                                    f"{_describe(version)}", data)
            elif not VERSION_RE.match(version):
                self.add("version", f"version must look like \"1.0\" or \"2.1.3\", not "
                                    f"{version!r}"[:300], data)
        for name in ("title", "description"):
            if name in data:
                self.text(data[name], name, data)
        if "level_names" in data:
            self.text_list(data["level_names"], "level_names", data, exactly=5,
                           what="level_names")
        if "scoring" in data:
            self.scoring(data["scoring"], data)
        if "stages" in data:
            self.stages(data["stages"], data)
        if "dimensions" in data:
            self.dimensions(data["dimensions"], data)

    def scoring(self, value: Any, near: Any) -> None:
        if not self.mapping(value, "scoring", "scoring", near):
            return
        self.fields(value, "scoring", (), SCORING_FIELDS, "scoring")
        if "aggregation" in value and value["aggregation"] not in AGGREGATIONS:
            self.add("scoring.aggregation", f"aggregation must be one of "
                                            f"{', '.join(AGGREGATIONS)}", value)
        if "na_policy" in value and value["na_policy"] not in NA_POLICIES:
            self.add("scoring.na_policy", f"na_policy must be one of "
                                          f"{', '.join(NA_POLICIES)}", value)
        for name, upper in (("disagreement_spread", 4.0), ("perception_gap", 4.0)):
            if name in value:
                number = value[name]
                if not _is_number(number) or not 0 < number <= upper:
                    self.add(f"scoring.{name}", f"{name} must be a number above 0 and at most "
                                                f"{upper:g} (levels run 1-5), not "
                                                f"{_describe(number)}", value)
        if "low_sample" in value:
            number = value["low_sample"]
            if not _is_int(number) or not 1 <= number <= 10_000:
                self.add("scoring.low_sample", f"low_sample must be a whole number of at "
                                               f"least 1, not {_describe(number)}", value)

    def stages(self, value: Any, near: Any) -> None:
        if not isinstance(value, list):
            self.add("stages", f"stages must be a list, not {_describe(value)}", near)
            return
        if not value:
            self.add("stages", "there must be at least one stage", value)
            return
        keys: set[str] = set()
        previous: float | None = None
        for i, stage in enumerate(value):
            path = f"stages[{i}]"
            if not self.mapping(stage, path, "a stage", value):
                previous = None
                continue
            self.fields(stage, path, STAGE_REQUIRED, STAGE_OPTIONAL, "a stage")
            key = stage.get("key")
            if "key" in stage:
                if not isinstance(key, str) or not KEY_RE.match(key):
                    self.add(f"{path}.key", "stage key must be lower-case letters, digits, "
                                            "'-' or '_', starting with a letter", stage)
                elif key in keys:
                    self.add(f"{path}.key", f"stage key '{key}' is used twice", stage)
                else:
                    keys.add(key)
            if "name" in stage:
                self.text(stage["name"], f"{path}.name", stage)
            if stage.get("description") is not None:
                self.text(stage["description"], f"{path}.description", stage)
            if "min_index" not in stage:
                previous = None
                continue
            threshold = stage["min_index"]
            if not _is_number(threshold) or not 0 <= threshold <= 100:
                self.add(f"{path}.min_index", f"min_index must be a number from 0 to 100, not "
                                              f"{_describe(threshold)}", stage)
                previous = None
                continue
            if i == 0 and threshold != 0:
                self.add(f"{path}.min_index", f"the first stage must start at min_index 0 "
                                              f"(found {threshold:g})", stage)
            if previous is not None and threshold <= previous:
                self.add(f"{path}.min_index", f"stages must be in strictly ascending order of "
                                              f"min_index ({threshold:g} does not come after "
                                              f"{previous:g})", stage)
            previous = threshold

    def dimensions(self, value: Any, near: Any) -> None:
        if not isinstance(value, list):
            self.add("dimensions", f"dimensions must be a list, not {_describe(value)}", near)
            return
        if not value:
            self.add("dimensions", "there must be at least one dimension", value)
            return
        keys: set[str] = set()
        codes: set[str] = set()
        practice_ids: dict[str, str] = {}
        merged: dict[str, str] = {}
        for i, dim in enumerate(value):
            path = f"dimensions[{i}]"
            if not self.mapping(dim, path, "a dimension", value):
                continue
            self.fields(dim, path, DIMENSION_REQUIRED, (), "a dimension")
            key = dim.get("key")
            if "key" in dim:
                if not isinstance(key, str) or not KEY_RE.match(key):
                    self.add(f"{path}.key", "dimension key must be lower-case letters, digits, "
                                            "'-' or '_', starting with a letter", dim)
                elif key in keys:
                    self.add(f"{path}.key", f"dimension key '{key}' is used twice", dim)
                else:
                    keys.add(key)
            code = dim.get("code")
            code_ok = False
            if "code" in dim:
                if not isinstance(code, str) or not CODE_RE.match(code):
                    self.add(f"{path}.code", f"dimension code must be one capital letter "
                                             f"(e.g. 'A'), not {_describe(code)}", dim)
                elif code in codes:
                    self.add(f"{path}.code", f"dimension code '{code}' is used twice", dim)
                else:
                    codes.add(code)
                    code_ok = True
            for name in ("title", "description"):
                if name in dim:
                    self.text(dim[name], f"{path}.{name}", dim)
            if "practices" not in dim:
                continue
            practices = dim["practices"]
            if not isinstance(practices, list):
                self.add(f"{path}.practices", f"practices must be a list, not "
                                              f"{_describe(practices)}", dim)
                continue
            if not practices:
                self.add(f"{path}.practices", "a dimension needs at least one practice", dim)
                continue
            for j, practice in enumerate(practices):
                self.practice(practice, f"{path}.practices[{j}]", practices,
                              code if code_ok else None, practice_ids, merged)
        for merged_id, where in merged.items():
            if merged_id in practice_ids:
                self.add(where, f"'{merged_id}' is listed in merges but is also a practice id; "
                                f"a merged id must not be a practice of its own")

    def practice(self, data: Any, path: str, near: Any, code: str | None,
                 practice_ids: dict[str, str], merged: dict[str, str]) -> None:
        if not self.mapping(data, path, "a practice", near):
            return
        self.fields(data, path, PRACTICE_REQUIRED, PRACTICE_OPTIONAL, "a practice")
        pid = data.get("id")
        if "id" in data:
            if not isinstance(pid, str) or not PRACTICE_ID_RE.match(pid):
                self.add(f"{path}.id", f"practice id must be a capital letter and a number "
                                       f"(e.g. 'B3'), not {_describe(pid)}", data)
            else:
                if code is not None and not pid.startswith(code):
                    self.add(f"{path}.id", f"practice id '{pid}' must start with its dimension's "
                                           f"code '{code}'", data)
                if pid in practice_ids:
                    self.add(f"{path}.id", f"practice id '{pid}' is used twice (first at "
                                           f"{practice_ids[pid]})", data)
                else:
                    practice_ids[pid] = path
        for name in ("title", "good_looks_like"):
            if name in data:
                self.text(data[name], f"{path}.{name}", data)
        if "levels" in data:
            self.text_list(data["levels"], f"{path}.levels", data, exactly=5,
                           what="levels (one descriptor per level 1-5)")
        if "next_steps" in data:
            self.text_list(data["next_steps"], f"{path}.next_steps", data, exactly=4,
                           what="next_steps (1→2, 2→3, 3→4, 4→5)")
        if "evidence_prompts" in data:
            self.text_list(data["evidence_prompts"], f"{path}.evidence_prompts", data,
                           at_least=1, what="evidence_prompts")
        if "sources" in data:
            self.string_list(data["sources"], f"{path}.sources", data, what="sources",
                             non_empty=True,
                             hint=" (quote article ids: '000', since YAML reads 000 as 0)")
        if "merges" in data:
            merges = self.string_list(data["merges"], f"{path}.merges", data, what="merges",
                                      non_empty=False)
            for k, item in enumerate(merges or ()):
                if not PRACTICE_ID_RE.match(item):
                    self.add(f"{path}.merges[{k}]", f"merged id must look like 'C8', not "
                                                    f"{item!r}"[:300], data)
                elif item in merged:
                    self.add(f"{path}.merges[{k}]", f"'{item}' is already merged at "
                                                    f"{merged[item]}", data)
                else:
                    merged[item] = f"{path}.merges[{k}]"
        if "weight" in data:
            weight = data["weight"]
            if not _is_number(weight) or not 0 < weight <= 100:
                self.add(f"{path}.weight", f"weight must be a number above 0 (at most 100), not "
                                           f"{_describe(weight)}", data)
        if "default_target" in data:
            target = data["default_target"]
            if not _is_int(target) or not 1 <= target <= 5:
                self.add(f"{path}.default_target", f"default_target must be a whole number "
                                                   f"from 1 to 5, not {_describe(target)}", data)
        if "register_checks" in data:
            checks = self.string_list(data["register_checks"], f"{path}.register_checks", data,
                                      what="register_checks", non_empty=False)
            for k, check in enumerate(checks or ()):
                if check not in REGISTER_CHECKS:
                    self.add(f"{path}.register_checks[{k}]",
                             f"unknown register check {check!r}; known checks are: "
                             f"{', '.join(sorted(REGISTER_CHECKS))}"[:600], data)
        hint = data.get("owner_hint")
        if hint is not None and (not isinstance(hint, str) or hint not in OWNER_HINTS):
            self.add(f"{path}.owner_hint", f"owner_hint must be one of "
                                           f"{', '.join(sorted(OWNER_HINTS))}, not "
                                           f"{_describe(hint) if not isinstance(hint, str) else repr(hint)}"[:400],
                     data)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# -- building ----------------------------------------------------------------------------

def _build(data: dict[str, Any]) -> Framework:
    """Turn validated YAML into a hashed Framework; defaults fill the optional fields."""
    scoring_data = {**asdict(ScoringOptions()), **data["scoring"]}
    snapshot = {
        "key": data["key"],
        "version": data["version"],
        "title": data["title"],
        "description": data["description"],
        "level_names": data["level_names"],
        "scoring": {
            "aggregation": scoring_data["aggregation"],
            "na_policy": scoring_data["na_policy"],
            "disagreement_spread": float(scoring_data["disagreement_spread"]),
            "low_sample": int(scoring_data["low_sample"]),
            "perception_gap": float(scoring_data["perception_gap"]),
        },
        "stages": [
            {
                "key": s["key"],
                "name": s["name"],
                "min_index": float(s["min_index"]),
                **({"description": s["description"]}
                   if s.get("description") is not None else {}),
            }
            for s in data["stages"]
        ],
        "dimensions": [
            {
                "key": d["key"],
                "code": d["code"],
                "title": d["title"],
                "description": d["description"],
                "practices": [
                    {
                        "id": p["id"],
                        "title": p["title"],
                        "good_looks_like": p["good_looks_like"],
                        "sources": list(p["sources"]),
                        "merges": list(p.get("merges") or ()),
                        "levels": p["levels"],
                        "next_steps": p["next_steps"],
                        "evidence_prompts": p["evidence_prompts"],
                        "weight": float(p.get("weight", 1.0)),
                        "default_target": int(p.get("default_target", 3)),
                        "register_checks": list(p.get("register_checks") or ()),
                        "owner_hint": p.get("owner_hint"),
                    }
                    for p in d["practices"]
                ],
            }
            for d in data["dimensions"]
        ],
    }
    # Going through the snapshot form means a loaded framework and a restored snapshot are
    # built by the same code, so their content hashes agree by construction.
    return Framework.from_snapshot(snapshot)


# -- public API ----------------------------------------------------------------------------

def load_framework_text(text: str, source: str = "<text>") -> LoadResult:
    """Parse and validate framework YAML; return the framework or every problem found."""
    try:
        return _load_text(text, source)
    except Exception as exc:  # the contract is "never raise"; report instead
        return LoadResult(None, [Problem(source, "", f"could not be read: {type(exc).__name__}: "
                                                     f"{exc}"[:500])], source)


def _load_text(text: str, source: str) -> LoadResult:
    if not isinstance(text, str):
        return LoadResult(None, [Problem(source, "", "framework text must be a string")], source)
    loader = _TrackingLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        message = f"is not valid YAML (line {line}{column}): {detail}" if line else \
            f"is not valid YAML: {detail}"
        return LoadResult(None, [Problem(source, "", message, line)], source)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        return LoadResult(None, [Problem(source, "", f"is not valid YAML: {exc}"[:500])], source)
    finally:
        loader.dispose()

    validator = _Validator(source, loader.lines)
    for name, line in loader.duplicates:
        validator.problems.append(Problem(source, "", f"the key '{name}' appears twice in the "
                                                      f"same mapping (line {line}); YAML would "
                                                      f"silently keep only the last one", line))
    try:
        validator.root(data)
    except _TooManyProblems:
        validator.problems.append(Problem(source, "", f"stopped after {MAX_PROBLEMS} problems; "
                                                      f"fix these first"))
    if validator.problems:
        return LoadResult(None, validator.problems, source)
    return LoadResult(_build(data), [], source)


def load_framework_file(path: str | Path) -> LoadResult:
    """Read one framework file; unreadable files come back as problems, not exceptions."""
    label = str(path)
    try:
        file = Path(path)
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return LoadResult(None, [Problem(label, "", f"file is {size} bytes; the limit is "
                                                        f"{MAX_FILE_BYTES}")], label)
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return LoadResult(None, [Problem(label, "", f"file is not UTF-8 text ({exc.reason} at "
                                                    f"byte {exc.start})")], label)
    except OSError as exc:
        return LoadResult(None, [Problem(label, "", f"file could not be read: "
                                                    f"{exc.strerror or exc}")], label)
    return load_framework_text(text, label)


def load_frameworks(directory: str | Path = DEFAULT_FRAMEWORK_DIR) -> FrameworkCatalog:
    """Load every ``*.yaml``/``*.yml`` in ``directory``; a key used twice is a problem."""
    catalog = FrameworkCatalog()
    folder = Path(directory)
    try:
        files = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() in (".yaml", ".yml"))
    except OSError as exc:
        label = str(folder)
        catalog.invalid.append(LoadResult(None, [Problem(label, "", f"directory could not be "
                                                                    f"read: {exc.strerror or exc}")],
                                          label))
        return catalog
    first_file: dict[str, str] = {}
    for file in files:
        result = load_framework_file(file)
        framework = result.framework
        if framework is not None and framework.key in catalog.valid:
            result = LoadResult(None, [Problem(result.path, "key", f"framework key "
                                               f"'{framework.key}' is already used by "
                                               f"{first_file[framework.key]}")], result.path)
        if result.framework is None:
            catalog.invalid.append(result)
        else:
            catalog.valid[result.framework.key] = result.framework
            first_file[result.framework.key] = result.path
    return catalog
