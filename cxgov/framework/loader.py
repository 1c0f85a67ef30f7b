"""Load and validate maturity frameworks from ``assessments/*.yaml``.

Consultants edit these files by hand, so the loader never raises on bad input: it collects
every problem it can find, each naming the file, the field path (e.g.
``dimensions[1].practices[3].levels``) and, where known, the line, and only builds a
:class:`~cxgov.framework.model.Framework` when there are none.
"""

from __future__ import annotations

import math
import re
import reprlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxgov.framework.checks import REGISTER_CHECKS
from cxgov.framework.model import (
    CHANGES,
    EFFORTS,
    Framework,
    ScoringOptions,
)

#: Where the shipped frameworks live: ``<repo>/assessments``.
DEFAULT_FRAMEWORK_DIR: Path = Path(__file__).resolve().parents[2] / "assessments"

#: Register roles a practice's next step may name as its usual owner.
OWNER_HINTS: frozenset[str] = frozenset(
    {
        "sponsor",
        "insight_manager",
        "channel_manager",
        "omnichannel_lead",
        "journey_owner",
        "ambassador",
        "customer_board",
        "cx_team",
        "hr",
        "leadership",
    }
)

TOP_LEVEL_REQUIRED = ("key", "version", "title", "description", "level_names", "scoring", "stages", "dimensions")
#: Added in format 1.1; a 1.0 file without them still loads.
TOP_LEVEL_OPTIONAL = ("reference_models", "profiles", "version_map")
SCORING_FIELDS = ("aggregation", "na_policy", "disagreement_spread", "low_sample", "perception_gap")
STAGE_REQUIRED = ("key", "name", "min_index")
STAGE_OPTIONAL = ("description",)
DIMENSION_REQUIRED = ("key", "code", "title", "description", "practices")
PRACTICE_REQUIRED = ("id", "title", "good_looks_like", "sources", "levels", "next_steps", "evidence_prompts")
PRACTICE_OPTIONAL = (
    "merges",
    "weight",
    "default_target",
    "register_checks",
    "owner_hint",
    "references",
    "depends_on",
    "next_step_effort",
)
REFERENCE_MODEL_FIELDS = ("title", "elements")
PROFILE_REQUIRED = ("key", "name", "description", "targets")
PROFILE_OPTIONAL = ("optional",)
VERSION_MAP_REQUIRED = ("from", "practices")
VERSION_MAP_OPTIONAL = ("retired",)
MAPPING_FIELDS = ("from", "change")

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
    #: translations the file carries in its ``translations`` block, once checked by
    #: :func:`cxgov.framework.translations.load_framework_text_translated`
    overlays: list[Any] = field(default_factory=list)
    #: the ``translations`` block as written (not framework content; None when absent)
    translations_block: Any = None

    @property
    def ok(self) -> bool:
        """Tell whether the file produced a valid framework."""
        return self.framework is not None and not self.problems


@dataclass
class FrameworkCatalog:
    """All frameworks of a directory: the valid ones by key and version, and the failures."""

    #: key -> newest valid version of that framework
    valid: dict[str, Framework] = field(default_factory=dict)
    invalid: list[LoadResult] = field(default_factory=list)
    #: key -> version -> framework, every valid version
    versions: dict[str, dict[str, Framework]] = field(default_factory=dict)

    def get(self, key: str, version: str | None = None) -> Framework | None:
        """Return the framework ``key`` at ``version`` (newest when None), or None."""
        if version is None:
            return self.valid.get(key)
        return self.versions.get(key, {}).get(version)

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

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        # Refused while composing, before anything is built: an alias bomb (anchors of lists of
        # aliases of anchors...) is a few hundred bytes of text but billions of values once
        # walked. The format has no use for anchors, aliases or ``<<`` merge keys, so none pass.
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                f"uses an alias (*{event.anchor[:40]}); anchors and aliases "
                "are not allowed in a framework file: write the value out",
                event.start_mark,
            )
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"defines an anchor (&{event.anchor[:40]}); anchors and aliases "
                "are not allowed in a framework file: write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

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

_BOUNDED = reprlib.Repr()
_BOUNDED.maxstring = _BOUNDED.maxother = 80
_BOUNDED.maxlist = _BOUNDED.maxdict = _BOUNDED.maxtuple = _BOUNDED.maxset = 4
_BOUNDED.maxlevel = 2


def _shown(value: Any, limit: int = 80) -> str:
    """Return a short repr of ``value`` for a message, built from a bounded view of it.

    ``repr(value)[:n]`` would first render the whole value: a shared structure of a million
    items is small in memory and gigabytes as text. reprlib stops after a few items per level.
    """
    if isinstance(value, str):
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    return _BOUNDED.repr(value)[:limit]


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
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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
    def fields(
        self, data: dict[Any, Any], path: str, required: tuple[str, ...], optional: tuple[str, ...], what: str
    ) -> None:
        """Report missing required and unknown fields of a mapping."""
        for name in required:
            if name not in data:
                self.add(path, f"{what} is missing the required field '{name}'", data)
        allowed = set(required) | set(optional)
        for name in data:
            if name not in allowed:
                hint = f"; allowed fields are: {', '.join(required + optional)}"
                self.add(_join(path, str(name)), f"unknown field '{name}' in {what}{hint}", data)

    def unique_key(self, item: dict[Any, Any], path: str, what: str, keys: set[str]) -> None:
        """Check ``item``'s key: well-formed and not already in ``keys`` (which it joins)."""
        if "key" not in item:
            return
        key = item["key"]
        if not isinstance(key, str) or not KEY_RE.match(key):
            self.add(
                f"{path}.key",
                f"{what} key must be lower-case letters, digits, '-' or '_', starting with a letter",
                item,
            )
        elif key in keys:
            self.add(f"{path}.key", f"{what} key '{key}' is used twice", item)
        else:
            keys.add(key)

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
                    self.add(path, f"language code {_shown(lang)} must be text; quote it, e.g. 'no': ...", value)
                    ok = False
                    continue
                if not LANG_RE.match(lang):
                    self.add(_join(path, lang), f"'{lang}' is not a language code like 'en' or 'sv'", value)
                    ok = False
                if not isinstance(item, str) or not item.strip():
                    self.add(
                        _join(path, lang), f"the '{lang}' text must be non-empty text, not {_describe(item)}", value
                    )
                    ok = False
                elif len(item) > MAX_TEXT_CHARS:
                    self.add(_join(path, lang), f"text is longer than {MAX_TEXT_CHARS} characters", value)
                    ok = False
            if "en" not in value:
                self.add(path, "text mapping must include English ('en')", value)
                ok = False
            return ok
        self.add(path, f"must be text or a mapping of language to text, not {_describe(value)}", near)
        return False

    def text_list(
        self, value: Any, path: str, near: Any, *, exactly: int | None = None, at_least: int = 0, what: str
    ) -> bool:
        """Check a list of text fields, with an exact or minimum length."""
        if not isinstance(value, list):
            self.add(path, f"{what} must be a list, not {_describe(value)}", near)
            return False
        ok = True
        if exactly is not None and len(value) != exactly:
            self.add(path, f"{what} must have exactly {exactly} entries (found {len(value)})", value)
            ok = False
        if len(value) < at_least:
            self.add(
                path,
                f"{what} must have at least {at_least} entr{'y' if at_least == 1 else 'ies'} (found {len(value)})",
                value,
            )
            ok = False
        if len(value) > 50:
            self.add(path, f"{what} has {len(value)} entries; that is far too many", value)
            return False
        for i, item in enumerate(value):
            ok = self.text(item, f"{path}[{i}]", value) and ok
        return ok

    def string_list(
        self, value: Any, path: str, near: Any, *, what: str, non_empty: bool, hint: str = ""
    ) -> list[str] | None:
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
                self.add(
                    f"{path}[{i}]", f"each entry of {what} must be non-empty text, not {_describe(item)}{hint}", value
                )
                good = False
        return value if good else None

    # -- sections --------------------------------------------------------------------
    def root(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.add("", f"the file must be a mapping of fields (key, version, title, ...), not {_describe(data)}")
            return
        self.fields(data, "", TOP_LEVEL_REQUIRED, TOP_LEVEL_OPTIONAL, "the framework")
        if "key" in data:
            key = data["key"]
            if not isinstance(key, str) or not KEY_RE.match(key):
                self.add(
                    "key",
                    f"key must be lower-case letters, digits, '-' or '_', starting "
                    f"with a letter (e.g. 'cx-governance'), not {_shown(key)}"[:300],
                    data,
                )
        if "version" in data:
            version = data["version"]
            if not isinstance(version, str):
                self.add("version", f'version must be quoted text like "1.0", not {_describe(version)}', data)
            elif not VERSION_RE.match(version):
                self.add("version", f'version must look like "1.0" or "2.1.3", not {_shown(version)}'[:300], data)
        for name in ("title", "description"):
            if name in data:
                self.text(data[name], name, data)
        if "level_names" in data:
            self.text_list(data["level_names"], "level_names", data, exactly=5, what="level_names")
        if "scoring" in data:
            self.scoring(data["scoring"], data)
        if "stages" in data:
            self.stages(data["stages"], data)
        if "dimensions" in data:
            self.dimensions(data["dimensions"], data)
        self.format_11(data)

    def scoring(self, value: Any, near: Any) -> None:
        if not self.mapping(value, "scoring", "scoring", near):
            return
        self.fields(value, "scoring", (), SCORING_FIELDS, "scoring")
        if "aggregation" in value and value["aggregation"] not in AGGREGATIONS:
            self.add("scoring.aggregation", f"aggregation must be one of {', '.join(AGGREGATIONS)}", value)
        if "na_policy" in value and value["na_policy"] not in NA_POLICIES:
            self.add("scoring.na_policy", f"na_policy must be one of {', '.join(NA_POLICIES)}", value)
        for name, upper in (("disagreement_spread", 4.0), ("perception_gap", 4.0)):
            if name in value:
                number = value[name]
                if not _is_number(number) or not 0 < number <= upper:
                    self.add(
                        f"scoring.{name}",
                        f"{name} must be a number above 0 and at most "
                        f"{upper:g} (levels run 1-5), not "
                        f"{_describe(number)}",
                        value,
                    )
        if "low_sample" in value:
            number = value["low_sample"]
            if not _is_int(number) or not 1 <= number <= 10_000:
                self.add(
                    "scoring.low_sample",
                    f"low_sample must be a whole number of at least 1, not {_describe(number)}",
                    value,
                )

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
            self.unique_key(stage, path, "stage", keys)
            if "name" in stage:
                self.text(stage["name"], f"{path}.name", stage)
            if stage.get("description") is not None:
                self.text(stage["description"], f"{path}.description", stage)
            if "min_index" not in stage:
                previous = None
                continue
            threshold = stage["min_index"]
            if not _is_number(threshold) or not 0 <= threshold <= 100:
                self.add(
                    f"{path}.min_index", f"min_index must be a number from 0 to 100, not {_describe(threshold)}", stage
                )
                previous = None
                continue
            if i == 0 and threshold != 0:
                self.add(f"{path}.min_index", f"the first stage must start at min_index 0 (found {threshold:g})", stage)
            if previous is not None and threshold <= previous:
                self.add(
                    f"{path}.min_index",
                    f"stages must be in strictly ascending order of "
                    f"min_index ({threshold:g} does not come after "
                    f"{previous:g})",
                    stage,
                )
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
            self.unique_key(dim, path, "dimension", keys)
            code = dim.get("code")
            code_ok = False
            if "code" in dim:
                if not isinstance(code, str) or not CODE_RE.match(code):
                    self.add(
                        f"{path}.code",
                        f"dimension code must be one capital letter (e.g. 'A'), not {_describe(code)}",
                        dim,
                    )
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
                self.add(f"{path}.practices", f"practices must be a list, not {_describe(practices)}", dim)
                continue
            if not practices:
                self.add(f"{path}.practices", "a dimension needs at least one practice", dim)
                continue
            for j, practice in enumerate(practices):
                self.practice(
                    practice, f"{path}.practices[{j}]", practices, code if code_ok else None, practice_ids, merged
                )
        for merged_id, where in merged.items():
            if merged_id in practice_ids:
                self.add(
                    where,
                    f"'{merged_id}' is listed in merges but is also a practice id; "
                    f"a merged id must not be a practice of its own",
                )

    def practice(
        self, data: Any, path: str, near: Any, code: str | None, practice_ids: dict[str, str], merged: dict[str, str]
    ) -> None:
        if not self.mapping(data, path, "a practice", near):
            return
        self.fields(data, path, PRACTICE_REQUIRED, PRACTICE_OPTIONAL, "a practice")
        pid = data.get("id")
        if "id" in data:
            if not isinstance(pid, str) or not PRACTICE_ID_RE.match(pid):
                self.add(
                    f"{path}.id",
                    f"practice id must be a capital letter and a number (e.g. 'B3'), not {_describe(pid)}",
                    data,
                )
            else:
                if code is not None and not pid.startswith(code):
                    self.add(f"{path}.id", f"practice id '{pid}' must start with its dimension's code '{code}'", data)
                if pid in practice_ids:
                    self.add(f"{path}.id", f"practice id '{pid}' is used twice (first at {practice_ids[pid]})", data)
                else:
                    practice_ids[pid] = path
        for name in ("title", "good_looks_like"):
            if name in data:
                self.text(data[name], f"{path}.{name}", data)
        if "levels" in data:
            self.text_list(
                data["levels"], f"{path}.levels", data, exactly=5, what="levels (one descriptor per level 1-5)"
            )
        if "next_steps" in data:
            self.text_list(
                data["next_steps"], f"{path}.next_steps", data, exactly=4, what="next_steps (1→2, 2→3, 3→4, 4→5)"
            )
        if "evidence_prompts" in data:
            self.text_list(
                data["evidence_prompts"], f"{path}.evidence_prompts", data, at_least=1, what="evidence_prompts"
            )
        if "sources" in data:
            self.string_list(
                data["sources"],
                f"{path}.sources",
                data,
                what="sources",
                non_empty=True,
                hint=" (quote article ids: '000', since YAML reads 000 as 0)",
            )
        if "merges" in data:
            merges = self.string_list(data["merges"], f"{path}.merges", data, what="merges", non_empty=False)
            for k, item in enumerate(merges or ()):
                if not PRACTICE_ID_RE.match(item):
                    self.add(f"{path}.merges[{k}]", f"merged id must look like 'C8', not {_shown(item)}"[:300], data)
                elif item in merged:
                    self.add(f"{path}.merges[{k}]", f"'{item}' is already merged at {merged[item]}", data)
                else:
                    merged[item] = f"{path}.merges[{k}]"
        if "weight" in data:
            weight = data["weight"]
            if not _is_number(weight) or not 0 < weight <= 100:
                self.add(
                    f"{path}.weight", f"weight must be a number above 0 (at most 100), not {_describe(weight)}", data
                )
        if "default_target" in data:
            target = data["default_target"]
            if not _is_int(target) or not 1 <= target <= 5:
                self.add(
                    f"{path}.default_target",
                    f"default_target must be a whole number from 1 to 5, not {_describe(target)}",
                    data,
                )
        if "register_checks" in data:
            checks = self.string_list(
                data["register_checks"], f"{path}.register_checks", data, what="register_checks", non_empty=False
            )
            for k, check in enumerate(checks or ()):
                if check not in REGISTER_CHECKS:
                    self.add(
                        f"{path}.register_checks[{k}]",
                        f"unknown register check {_shown(check)}; known checks are: "
                        f"{', '.join(sorted(REGISTER_CHECKS))}"[:600],
                        data,
                    )
        hint = data.get("owner_hint")
        if hint is not None and (not isinstance(hint, str) or hint not in OWNER_HINTS):
            self.add(
                f"{path}.owner_hint",
                f"owner_hint must be one of "
                f"{', '.join(sorted(OWNER_HINTS))}, not "
                f"{_describe(hint) if not isinstance(hint, str) else _shown(hint)}"[:400],
                data,
            )

    # -- format 1.1: crosswalk, dependencies, effort, profiles, version map ---------------
    # Checked after the dimensions, because every one of them refers to practice ids.
    def format_11(self, data: dict[str, Any]) -> None:
        """Check the optional 1.1 fields against each other and against the practices."""
        practices = _practices_by_id(data.get("dimensions"))
        models = self.reference_models(data["reference_models"], data) if "reference_models" in data else {}
        for _pid, (path, practice) in practices.items():
            if "references" in practice:
                self.references(
                    practice["references"], f"{path}.references", practice, models, declared="reference_models" in data
                )
            if "next_step_effort" in practice:
                self.next_step_effort(practice["next_step_effort"], f"{path}.next_step_effort", practice)
        self.depends_on(practices)
        if "profiles" in data:
            self.profiles(data["profiles"], data, practices)
        if "version_map" in data:
            self.version_map(data["version_map"], data, practices)

    def reference_models(self, value: Any, near: Any) -> dict[str, set[str]]:
        """Check ``reference_models``; return model key -> its element ids."""
        known: dict[str, set[str]] = {}
        if not self.mapping(value, "reference_models", "reference_models", near):
            return known
        for key, model in value.items():
            path = _join("reference_models", str(key))
            if not isinstance(key, str) or not KEY_RE.match(key):
                self.add(
                    path,
                    f"reference model key must be lower-case letters, digits, '-' or "
                    f"'_' (e.g. 'iso-23592'), not {key!r}"[:300],
                    value,
                )
                continue
            if not self.mapping(model, path, "a reference model", value):
                continue
            self.fields(model, path, REFERENCE_MODEL_FIELDS, (), "a reference model")
            if "title" in model:
                self.text(model["title"], f"{path}.title", model)
            elements = model.get("elements")
            ids: set[str] = set()
            if "elements" in model:
                if not isinstance(elements, dict) or not elements:
                    self.add(
                        f"{path}.elements",
                        f"elements must be a non-empty mapping of element id to title, not {_describe(elements)}",
                        model,
                    )
                else:
                    for eid, title in elements.items():
                        if not isinstance(eid, str) or not eid.strip():
                            self.add(
                                f"{path}.elements",
                                f'element id {eid!r} must be text; quote it, e.g. "5.1": ...'[:300],
                                elements,
                            )
                            continue
                        ids.add(eid)
                        self.text(title, f"{path}.elements.{eid}", elements)
            known[key] = ids
        return known

    def references(self, value: Any, path: str, near: Any, models: dict[str, set[str]], *, declared: bool) -> None:
        """Check a practice's crosswalk against the declared reference models."""
        if not self.mapping(value, path, "references", near):
            return
        for key, elements in value.items():
            item_path = _join(path, str(key))
            if key not in models:
                known = ", ".join(sorted(models)) if models else "none"
                where = "" if declared else "; declare it under reference_models"
                self.add(item_path, f"unknown reference model {key!r}; known models are: {known}{where}"[:400], value)
                continue
            ids = self.string_list(
                elements,
                item_path,
                value,
                what=f"the {key} references",
                non_empty=False,
                hint=' (quote element ids: "5.1")',
            )
            for k, eid in enumerate(ids or ()):
                if eid not in models[key]:
                    self.add(
                        f"{item_path}[{k}]",
                        f"{eid!r} is not an element of {key}; known elements are: {', '.join(sorted(models[key]))}"[
                            :400
                        ],
                        value,
                    )

    def next_step_effort(self, value: Any, path: str, near: Any) -> None:
        """Check one effort (small|medium|large) per next step."""
        if not isinstance(value, list):
            self.add(path, f"next_step_effort must be a list, not {_describe(value)}", near)
            return
        steps = near.get("next_steps")
        expected = len(steps) if isinstance(steps, list) else 4
        if len(value) != expected:
            self.add(
                path, f"next_step_effort must have one entry per next step ({expected}), found {len(value)}", value
            )
        for k, effort in enumerate(value):
            if effort not in EFFORTS:
                shown = repr(effort) if isinstance(effort, str) else _describe(effort)
                self.add(f"{path}[{k}]", f"effort must be one of {', '.join(EFFORTS)}, not {shown}"[:300], value)

    def depends_on(self, practices: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Check that dependencies name known practices and never go round in a circle."""
        graph: dict[str, list[str]] = {}
        for pid, (path, practice) in practices.items():
            if "depends_on" not in practice:
                continue
            ids = self.string_list(
                practice["depends_on"], f"{path}.depends_on", practice, what="depends_on", non_empty=False
            )
            good: list[str] = []
            for k, other in enumerate(ids or ()):
                if other == pid:
                    self.add(f"{path}.depends_on[{k}]", f"practice '{pid}' cannot depend on itself", practice)
                elif other not in practices:
                    self.add(
                        f"{path}.depends_on[{k}]", f"'{other}' is not a practice of this framework"[:300], practice
                    )
                else:
                    good.append(other)
            graph[pid] = good
        for cycle in _cycles(graph):
            path = practices[cycle[0]][0]
            self.add(
                f"{path}.depends_on",
                f"depends_on goes round in a circle: "
                f"{' → '.join(cycle + [cycle[0]])}; one of these "
                f"must not depend on the next",
                practices[cycle[0]][1],
            )

    def profiles(self, value: Any, near: Any, practices: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Check target profiles: unique keys, every practice given a valid target."""
        if not isinstance(value, list) or not value:
            self.add("profiles", f"profiles must be a non-empty list, not {_describe(value)}", near)
            return
        keys: set[str] = set()
        for i, profile in enumerate(value):
            path = f"profiles[{i}]"
            if not self.mapping(profile, path, "a profile", value):
                continue
            self.fields(profile, path, PROFILE_REQUIRED, PROFILE_OPTIONAL, "a profile")
            self.unique_key(profile, path, "profile", keys)
            for name in ("name", "description"):
                if name in profile:
                    self.text(profile[name], f"{path}.{name}", profile)
            optional: set[str] = set()
            if "optional" in profile:
                ids = self.string_list(
                    profile["optional"], f"{path}.optional", profile, what="optional", non_empty=False
                )
                for k, pid in enumerate(ids or ()):
                    if pid not in practices:
                        self.add(f"{path}.optional[{k}]", f"'{pid}' is not a practice of this framework"[:300], profile)
                    optional.add(pid)
            if "targets" not in profile:
                continue
            targets = profile["targets"]
            if not self.mapping(targets, f"{path}.targets", "targets", profile):
                continue
            for pid, level in targets.items():
                item = _join(f"{path}.targets", str(pid))
                if pid not in practices:
                    self.add(item, f"'{pid}' is not a practice of this framework"[:300], targets)
                if not _is_int(level) or not 1 <= level <= 5:
                    self.add(item, f"a target must be a whole number from 1 to 5, not {_describe(level)}", targets)
            missing = [pid for pid in practices if pid not in targets and pid not in optional]
            if missing:
                self.add(
                    f"{path}.targets",
                    f"profile '{profile.get('key')}' gives no target for "
                    f"{', '.join(missing)}; give each a target or list "
                    f"it under optional"[:600],
                    targets,
                )

    def version_map(self, value: Any, near: Any, practices: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Check the map to the previous version as far as this file alone can tell.

        That every previous practice is accounted for needs the previous version too:
        :func:`version_map_problems` checks that where both are loaded.
        """
        if not self.mapping(value, "version_map", "version_map", near):
            return
        self.fields(value, "version_map", VERSION_MAP_REQUIRED, VERSION_MAP_OPTIONAL, "version_map")
        if "from" in value:
            previous = value["from"]
            if not isinstance(previous, str) or not VERSION_RE.match(previous):
                self.add(
                    "version_map.from", f'from must be a quoted version like "1.0", not {_describe(previous)}', value
                )
            elif previous == near.get("version"):
                self.add("version_map.from", "a version cannot map onto itself", value)
        used_by: dict[str, list[tuple[str, str]]] = {}
        entries = value.get("practices")
        if "practices" in value and self.mapping(entries, "version_map.practices", "version_map.practices", value):
            for pid, entry in entries.items():
                path = _join("version_map.practices", str(pid))
                if pid not in practices:
                    self.add(path, f"'{pid}' is not a practice of this version"[:300], entries)
                if not self.mapping(entry, path, "a version_map entry", entries):
                    continue
                self.fields(entry, path, MAPPING_FIELDS, (), "a version_map entry")
                change = entry.get("change")
                if "change" in entry and change not in CHANGES:
                    self.add(
                        f"{path}.change", f"change must be one of {', '.join(CHANGES)}, not {change!r}"[:300], entry
                    )
                    change = None
                if "from" not in entry:
                    continue
                ids = self.string_list(entry["from"], f"{path}.from", entry, what="from", non_empty=False)
                if ids is None:
                    continue
                for k, old in enumerate(ids):
                    if not PRACTICE_ID_RE.match(old):
                        self.add(f"{path}.from[{k}]", f"previous id must look like 'A1', not {old!r}"[:300], entry)
                    used_by.setdefault(old, []).append((str(pid), str(change)))
                if change is not None:
                    self.change_shape(path, entry, str(pid), change, ids)
            missing = [pid for pid in practices if pid not in entries]
            if missing:
                self.add(
                    "version_map.practices",
                    f"no entry for {', '.join(missing)}; every "
                    f"practice of this version needs one (use "
                    f"change: new with from: [] for a new one)"[:600],
                    entries,
                )
        for old, users in used_by.items():
            if len(users) > 1 and any(change != "split" for _, change in users):
                self.add(
                    "version_map.practices",
                    f"'{old}' is the source of "
                    f"{', '.join(p for p, _ in users)}; only a "
                    f"split may have several successors"[:400],
                    entries,
                )
        if "retired" in value:
            retired = self.string_list(value["retired"], "version_map.retired", value, what="retired", non_empty=False)
            for k, old in enumerate(retired or ()):
                if old in used_by:
                    self.add(
                        f"version_map.retired[{k}]",
                        f"'{old}' is retired but is also the source of {', '.join(p for p, _ in used_by[old])}",
                        value,
                    )

    def change_shape(self, path: str, entry: dict[str, Any], pid: str, change: str, ids: list[str]) -> None:
        """Check that the number of previous ids fits the kind of change."""
        if change == "new" and ids:
            self.add(f"{path}.from", "a new practice has no previous ids: use from: []", entry)
        elif change == "merged" and len(ids) < 2:
            self.add(f"{path}.from", "a merged practice needs at least two previous ids", entry)
        elif change in ("kept", "renamed", "changed", "split") and len(ids) != 1:
            self.add(f"{path}.from", f"a {change} practice has exactly one previous id (found {len(ids)})", entry)
        elif change == "kept" and ids[0] != pid:
            self.add(
                f"{path}.change",
                f"'{pid}' comes from '{ids[0]}': a practice whose id changed is renamed, not kept",
                entry,
            )


def _practices_by_id(dimensions: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """Return practice id -> (field path, practice mapping) for every well-formed practice."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    if not isinstance(dimensions, list):
        return found
    for i, dim in enumerate(dimensions):
        practices = dim.get("practices") if isinstance(dim, dict) else None
        if not isinstance(practices, list):
            continue
        for j, practice in enumerate(practices):
            if not isinstance(practice, dict):
                continue
            pid = practice.get("id")
            if isinstance(pid, str) and PRACTICE_ID_RE.match(pid) and pid not in found:
                found[pid] = (f"dimensions[{i}].practices[{j}]", practice)
    return found


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return each dependency cycle once, as the ids in order (depth-first, iterative)."""
    cycles: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            successors = graph.get(node, [])
            if index < len(successors):
                stack.append((node, index + 1))
                nxt = successors[index]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :]
                    if frozenset(cycle) not in seen_cycles:
                        seen_cycles.add(frozenset(cycle))
                        cycles.append(cycle)
                elif not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return cycles


def version_map_problems(framework: Framework, previous: Framework, source: str) -> list[Problem]:
    """Check ``framework``'s map against the ``previous`` version it names.

    Every previous practice must be accounted for (a successor's ``from`` or ``retired``),
    and the map must not name ids the previous version never had.
    """
    vmap = framework.version_map
    if vmap is None:
        return []
    problems: list[Problem] = []
    old_ids = [p.id for p in previous.practices]
    accounted = vmap.previous_ids()
    missing = [pid for pid in old_ids if pid not in accounted]
    if missing:
        problems.append(
            Problem(
                source,
                "version_map",
                (
                    f"{previous.key} {previous.version} practices {', '.join(missing)} are not "
                    f"accounted for: name each under a practice's from, or under retired"
                )[:600],
            )
        )
    unknown = sorted(accounted - set(old_ids))
    if unknown:
        problems.append(
            Problem(
                source,
                "version_map",
                (
                    f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
                    f"{'a practice' if len(unknown) == 1 else 'practices'} of {previous.key} "
                    f"{previous.version}"
                )[:600],
            )
        )
    return problems


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
                **({"description": s["description"]} if s.get("description") is not None else {}),
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
                        **{name: p[name] for name in ("references", "depends_on", "next_step_effort") if p.get(name)},
                    }
                    for p in d["practices"]
                ],
            }
            for d in data["dimensions"]
        ],
        **{name: data[name] for name in TOP_LEVEL_OPTIONAL if data.get(name)},
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
        return LoadResult(
            None, [Problem(source, "", f"could not be read: {type(exc).__name__}: {str(exc)[:400]}")], source
        )


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
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)[:300]
        message = f"is not valid YAML (line {line}{column}): {detail}" if line else f"is not valid YAML: {detail}"
        return LoadResult(None, [Problem(source, "", message, line)], source)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        return LoadResult(None, [Problem(source, "", f"is not valid YAML: {str(exc)[:400]}")], source)
    finally:
        loader.dispose()

    # A ``translations`` block (an uploaded framework's overlays) is checked against the built
    # framework below; it is not framework content and never part of the content hash.
    translations = data.get("translations") if isinstance(data, dict) else None
    if isinstance(data, dict) and "translations" in data:
        data = {k: v for k, v in data.items() if k != "translations"}
    validator = _Validator(source, loader.lines)
    for name, line in loader.duplicates:
        validator.problems.append(
            Problem(
                source,
                "",
                f"the key '{name}' appears twice in the "
                f"same mapping (line {line}); YAML would "
                f"silently keep only the last one",
                line,
            )
        )
    try:
        validator.root(data)
    except _TooManyProblems:
        validator.problems.append(Problem(source, "", f"stopped after {MAX_PROBLEMS} problems; fix these first"))
    if validator.problems:
        return LoadResult(None, validator.problems, source)
    return LoadResult(_build(data), [], source, translations_block=translations)


def load_framework_file(path: str | Path) -> LoadResult:
    """Read one framework file; unreadable files come back as problems, not exceptions."""
    label = str(path)
    try:
        file = Path(path)
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return LoadResult(None, [Problem(label, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")], label)
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return LoadResult(
            None, [Problem(label, "", f"file is not UTF-8 text ({exc.reason} at byte {exc.start})")], label
        )
    except OSError as exc:
        return LoadResult(None, [Problem(label, "", f"file could not be read: {exc.strerror or exc}")], label)
    return load_framework_text(text, label)


def load_frameworks(directory: str | Path = DEFAULT_FRAMEWORK_DIR) -> FrameworkCatalog:
    """Load every ``*.yaml``/``*.yml`` in ``directory``; a key and version used twice is a
    problem, and so is a version map that leaves a previous practice unaccounted for."""
    catalog = FrameworkCatalog()
    folder = Path(directory)
    try:
        files = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in (".yaml", ".yml") and not is_overlay_file(p)
        )
    except OSError as exc:
        label = str(folder)
        catalog.invalid.append(
            LoadResult(None, [Problem(label, "", f"directory could not be read: {exc.strerror or exc}")], label)
        )
        return catalog
    loaded: dict[tuple[str, str], LoadResult] = {}
    for file in files:
        result = load_framework_file(file)
        framework = result.framework
        if framework is not None and (framework.key, framework.version) in loaded:
            first = loaded[(framework.key, framework.version)].path
            result = LoadResult(
                None,
                [
                    Problem(
                        result.path,
                        "key",
                        f"framework key '{framework.key}' version {framework.version} is already used by {first}",
                    )
                ],
                result.path,
            )
        if result.framework is None:
            catalog.invalid.append(result)
        else:
            loaded[(result.framework.key, result.framework.version)] = result
    for result in loaded.values():
        assert result.framework is not None
        fw = result.framework
        problems = version_map_against_library(
            fw, catalog_versions(r.framework for r in loaded.values() if r.framework is not None), result.path
        )
        if problems:
            catalog.invalid.append(LoadResult(None, problems, result.path))
            continue
        catalog.versions.setdefault(fw.key, {})[fw.version] = fw
        newest = catalog.valid.get(fw.key)
        if newest is None or version_key(fw.version) > version_key(newest.version):
            catalog.valid[fw.key] = fw
    return catalog


#: ``<stem>.<lang>.yaml``: a translation overlay (cxgov.framework.translations), not a framework;
#: a framework file's name never ends in a dot and two or three letters (versions end in digits).
OVERLAY_NAME_RE = re.compile(r"^(?P<stem>.+)\.(?P<lang>[a-z]{2,3})\.ya?ml$")


def is_overlay_file(path: str | Path) -> bool:
    """Tell whether a file in ``assessments/`` is a translation overlay (by its name)."""
    return OVERLAY_NAME_RE.match(Path(path).name) is not None


def version_key(version: str) -> tuple[int, ...]:
    """Return a version such as "1.10" as (1, 10) so that 1.10 sorts after 1.9."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:  # the loader only admits dotted numbers; be safe anyway
        return (-1,)


def catalog_versions(frameworks: Any) -> dict[str, dict[str, Framework]]:
    """Group frameworks as key -> version -> framework."""
    grouped: dict[str, dict[str, Framework]] = {}
    for fw in frameworks:
        grouped.setdefault(fw.key, {})[fw.version] = fw
    return grouped


def version_map_against_library(
    framework: Framework, versions: dict[str, dict[str, Framework]], source: str
) -> list[Problem]:
    """Check ``framework``'s version map against the previous version loaded beside it."""
    vmap = framework.version_map
    if vmap is None:
        return []
    previous = versions.get(framework.key, {}).get(vmap.from_version)
    if previous is None:
        return [
            Problem(
                source,
                "version_map.from",
                (
                    f"version {vmap.from_version} of '{framework.key}' is not in the library; the "
                    f"map needs it to check that every earlier practice is accounted for"
                )[:400],
            )
        ]
    return version_map_problems(framework, previous, source)
