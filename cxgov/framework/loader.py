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
from typing import Any, TypeAlias

import yaml
from flask_babel import gettext, lazy_gettext, lazy_ngettext
from flask_babel.speaklater import LazyString

from cxgov.framework.checks import OWNER_HINT_LABELS, REGISTER_CHECKS
from cxgov.framework.model import (
    CHANGES,
    EFFORTS,
    Framework,
    ScoringOptions,
)

#: Where the shipped frameworks live: ``<repo>/assessments``.
DEFAULT_FRAMEWORK_DIR: Path = Path(__file__).resolve().parents[2] / "assessments"

#: Register roles a practice's next step may name as its usual owner.
OWNER_HINTS: frozenset[str] = frozenset(OWNER_HINT_LABELS)

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


#: A problem's message: translated when it is shown (the catalogue is built once, at start-up,
#: and read by people in every language), so it is kept as a lazy gettext string.
Message: TypeAlias = "LazyString | str"


def _l(msgid: str, **values: Any) -> LazyString:
    """Return ``msgid`` with its named ``%(values)s``, translated when it is read."""
    return lazy_gettext(msgid, **values)


def _ln(singular: str, plural: str, num: int, **values: Any) -> LazyString:
    """Return the plural form for ``num`` (``%(num)d``), translated when it is read."""
    return lazy_ngettext(singular, plural, num, **values)


def _listed(items: Any, limit: int = 300) -> str:
    """Return ids or names joined with commas, cut at ``limit`` characters for a message."""
    text = ", ".join(str(item) for item in items)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a framework file, in the reader's language."""

    file: str  #: the file (or source label) the problem is in
    path: str  #: field path, e.g. ``dimensions[1].practices[3].levels``; "" for the whole file
    text: Message  #: what is wrong, translated when read (see :attr:`message`)
    line: int | None = None  #: 1-based line in the file, where known

    @property
    def message(self) -> str:
        """Return what is wrong in the language being rendered now (page, CLI ``--lang``)."""
        return str(self.text)

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path or gettext('(whole file)')}: {self.message}"


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


class _AnchorRefused(yaml.composer.ComposerError):
    """An anchor or alias, refused while composing; its message is ours, so it is translated."""

    def __init__(self, message: LazyString, mark: Any) -> None:
        super().__init__(None, None, str(message), mark)
        self.message = message


def yaml_error_detail(exc: yaml.MarkedYAMLError) -> Message:
    """Return what a YAML error says: our own refusal in the reader's language, PyYAML's as it is."""
    if isinstance(exc, _AnchorRefused):
        return exc.message
    return " ".join(str(x) for x in (exc.context, exc.problem) if x)[:300]


def stopped_after() -> LazyString:
    """Return the message that ends a list cut at MAX_PROBLEMS."""
    return _l("stopped after %(num)d problems; fix these first", num=MAX_PROBLEMS)


def file_too_large(size: int) -> LazyString:
    return _l("file is %(size)d bytes; the limit is %(limit)d", size=size, limit=MAX_FILE_BYTES)


def not_utf8(exc: UnicodeDecodeError) -> LazyString:
    return _l("file is not UTF-8 text (%(reason)s at byte %(pos)d)", reason=exc.reason, pos=exc.start)


def unreadable(exc: OSError) -> LazyString:
    return _l("file could not be read: %(error)s", error=str(exc.strerror or exc)[:300])


def unreadable_directory(exc: OSError) -> LazyString:
    return _l("directory could not be read: %(error)s", error=str(exc.strerror or exc)[:300])


def already_used(key: str, version: str, first: str) -> LazyString:
    return _l(
        "framework key '%(key)s' version %(version)s is already used by %(first)s",
        key=key,
        version=version,
        first=first,
    )


class _PythonEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own reader, scanner and parser: the events of ``yaml.SafeLoader``."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


#: Where the YAML events come from: libyaml's reader, scanner and parser when PyYAML was built
#: with it (its wheels are), else PyYAML's pure-Python ones. Reading the text is three quarters
#: of loading a framework in pure Python. A valid file gives the same events either way; on a
#: broken one the syntax error's wording (sometimes its line) is libyaml's (docs/framework.md).
_Events: Any = yaml._yaml.CParser if yaml.__with_libyaml__ else _PythonEvents


class _Tracking(yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The parts of ``yaml.SafeLoader`` after the events, recording duplicate mapping keys and the
    line of every container; a loader mixes it with a source of events (:class:`_TrackingLoader`).

    PyYAML's ``CSafeLoader`` would compose in C too, past :meth:`compose_node`'s refusal of
    anchors and aliases, so the composer and the constructors are PyYAML's Python ones.
    """

    def __init__(self) -> None:
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        yaml.composer.Composer.__init__(self)
        self.duplicates: list[tuple[str, int]] = []
        self.lines: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        # Refused while composing, before anything is built: an alias bomb (anchors of lists of
        # aliases of anchors...) is a few hundred bytes of text but billions of values once
        # walked. The format has no use for anchors, aliases or ``<<`` merge keys, so none pass.
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _AnchorRefused(
                _l(
                    "uses an alias (*%(name)s); anchors and aliases are not allowed in a framework file: "
                    "write the value out",
                    name=event.anchor[:40],
                ),
                event.start_mark,
            )
        if getattr(event, "anchor", None) is not None:
            raise _AnchorRefused(
                _l(
                    "defines an anchor (&%(name)s); anchors and aliases are not allowed in a framework file: "
                    "write the value out",
                    name=event.anchor[:40],
                ),
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
def _construct_map(loader: _Tracking, node: yaml.MappingNode) -> Any:
    data: dict[Any, Any] = {}
    loader.lines[id(data)] = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


def _construct_seq(loader: _Tracking, node: yaml.SequenceNode) -> Any:
    data: list[Any] = []
    loader.lines[id(data)] = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))


_Tracking.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Tracking.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class _TrackingLoader(_Tracking, _Events):
    """The framework files' YAML loader: :class:`_Tracking` on the events of :data:`_Events`."""

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        _Tracking.__init__(self)


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


def _describe(value: Any) -> Message:
    """Name a YAML value's type the way a consultant editing the file would."""
    if value is None:
        return _l("nothing (empty)")
    if isinstance(value, bool):
        return _l("true/false (%(value)s)", value=str(value).lower())
    # Numbers carry their value: "from 1 to 5, not a whole number (9)" says what to fix.
    if isinstance(value, int):
        return _l("a whole number (%(value)s)", value=str(value)[:40])
    if isinstance(value, float):
        return _l("a number (%(value)s)", value=f"{value:g}")
    if isinstance(value, str):
        return _l("text")
    if isinstance(value, dict):
        return _l("a mapping")
    if isinstance(value, list):
        return _l("a list")
    return _l("a value of type %(type)s", type=type(value).__name__)


def _too_long() -> LazyString:
    return _l("text is longer than %(limit)d characters", limit=MAX_TEXT_CHARS)


def _unquoted_language(lang: Any) -> LazyString:
    # YAML 1.1 reads a bare `no:` (Norwegian) as false, `on:` as true.
    return _l("language code %(code)s must be text; quote it, e.g. 'no': ...", code=_shown(lang))


def _not_a_list(what: Message, value: Any) -> LazyString:
    return _l("%(what)s must be a list, not %(kind)s", what=what, kind=_describe(value))


def _far_too_many(what: Message, count: int) -> LazyString:
    return _l("%(what)s has %(count)d entries; that is far too many", what=what, count=count)


def _one_of(field: str, allowed: Any, value: Any = None) -> LazyString:
    if value is None:
        return _l("%(field)s must be one of %(allowed)s", field=field, allowed=", ".join(allowed))
    return _l(
        "%(field)s must be one of %(allowed)s, not %(value)s", field=field, allowed=", ".join(allowed), value=value
    )


def _not_a_practice(pid: Any) -> LazyString:
    return _l("'%(id)s' is not a practice of this framework", id=str(pid)[:80])


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

    def add(self, path: str, message: Message, near: Any = None) -> None:
        """Record one problem; ``near`` is the closest container, used for the line number."""
        line = self.lines.get(id(near)) if isinstance(near, (dict, list)) else None
        self.problems.append(Problem(self.source, path, message, line))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems

    # -- generic helpers -------------------------------------------------------------
    def fields(
        self, data: dict[Any, Any], path: str, required: tuple[str, ...], optional: tuple[str, ...], what: Message
    ) -> None:
        """Report missing required and unknown fields of a mapping."""
        for name in required:
            if name not in data:
                self.add(path, _l("%(what)s is missing the required field '%(name)s'", what=what, name=name), data)
        allowed = set(required) | set(optional)
        for name in data:
            if name not in allowed:
                self.add(
                    _join(path, str(name)),
                    _l(
                        "unknown field '%(name)s' in %(what)s; allowed fields are: %(allowed)s",
                        name=str(name)[:80],
                        what=what,
                        allowed=", ".join(required + optional),
                    ),
                    data,
                )

    def unique_key(self, item: dict[Any, Any], path: str, keys: set[str]) -> None:
        """Check ``item``'s key: well-formed and not already in ``keys`` (which it joins)."""
        if "key" not in item:
            return
        key = item["key"]
        if not isinstance(key, str) or not KEY_RE.match(key):
            self.add(
                f"{path}.key",
                _l("key must be lower-case letters, digits, '-' or '_', starting with a letter"),
                item,
            )
        elif key in keys:
            self.add(f"{path}.key", _l("the key '%(key)s' is used twice", key=key), item)
        else:
            keys.add(key)

    def mapping(self, value: Any, path: str, what: Message, near: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.add(path, _l("%(what)s must be a mapping of fields, not %(kind)s", what=what, kind=_describe(value)), near)
        return False

    def text(self, value: Any, path: str, near: Any) -> bool:
        """Check a text field: a non-empty string or a {language: string} mapping with 'en'."""
        if isinstance(value, str):
            if not value.strip():
                self.add(path, _l("text must not be empty"), near)
                return False
            if len(value) > MAX_TEXT_CHARS:
                self.add(path, _too_long(), near)
                return False
            return True
        if isinstance(value, dict):
            ok = True
            if not value:
                self.add(path, _l("text mapping is empty; give at least an 'en' entry"), value)
                return False
            for lang, item in value.items():
                if not isinstance(lang, str):
                    # YAML 1.1 reads a bare `no:` (Norwegian) as false, `on:` as true.
                    self.add(path, _unquoted_language(lang), value)
                    ok = False
                    continue
                if not LANG_RE.match(lang):
                    self.add(
                        _join(path, lang),
                        _l("'%(lang)s' is not a language code like 'en' or 'sv'", lang=lang[:40]),
                        value,
                    )
                    ok = False
                if not isinstance(item, str) or not item.strip():
                    self.add(
                        _join(path, lang),
                        _l(
                            "the '%(lang)s' text must be non-empty text, not %(kind)s",
                            lang=lang[:40],
                            kind=_describe(item),
                        ),
                        value,
                    )
                    ok = False
                elif len(item) > MAX_TEXT_CHARS:
                    self.add(_join(path, lang), _too_long(), value)
                    ok = False
            if "en" not in value:
                self.add(path, _l("text mapping must include English ('en')"), value)
                ok = False
            return ok
        self.add(path, _l("must be text or a mapping of language to text, not %(kind)s", kind=_describe(value)), near)
        return False

    def text_list(
        self, value: Any, path: str, near: Any, *, exactly: int | None = None, at_least: int = 0, what: Message
    ) -> bool:
        """Check a list of text fields, with an exact or minimum length."""
        if not isinstance(value, list):
            self.add(path, _not_a_list(what, value), near)
            return False
        ok = True
        if exactly is not None and len(value) != exactly:
            self.add(
                path,
                _ln(
                    "%(what)s must have exactly %(num)d entry (found %(found)d)",
                    "%(what)s must have exactly %(num)d entries (found %(found)d)",
                    exactly,
                    what=what,
                    found=len(value),
                ),
                value,
            )
            ok = False
        if len(value) < at_least:
            self.add(
                path,
                _ln(
                    "%(what)s must have at least %(num)d entry (found %(found)d)",
                    "%(what)s must have at least %(num)d entries (found %(found)d)",
                    at_least,
                    what=what,
                    found=len(value),
                ),
                value,
            )
            ok = False
        if len(value) > 50:
            self.add(path, _far_too_many(what, len(value)), value)
            return False
        for i, item in enumerate(value):
            ok = self.text(item, f"{path}[{i}]", value) and ok
        return ok

    def string_list(
        self, value: Any, path: str, near: Any, *, what: Message, non_empty: bool, hint: Message = ""
    ) -> list[str] | None:
        """Check a list of strings; return it when valid (``hint`` follows a bad entry's message)."""
        if not isinstance(value, list):
            self.add(path, _not_a_list(what, value), near)
            return None
        if non_empty and not value:
            self.add(path, _l("%(what)s must not be empty", what=what), value)
            return None
        if len(value) > 100:
            self.add(path, _far_too_many(what, len(value)), value)
            return None
        good = True
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                message = _l(
                    "each entry of %(what)s must be non-empty text, not %(kind)s", what=what, kind=_describe(item)
                )
                self.add(
                    f"{path}[{i}]", _l("%(problem)s (%(hint)s)", problem=message, hint=hint) if hint else message, value
                )
                good = False
        return value if good else None

    # -- sections --------------------------------------------------------------------
    def root(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.add(
                "",
                _l(
                    "the file must be a mapping of fields (key, version, title, ...), not %(kind)s",
                    kind=_describe(data),
                ),
            )
            return
        self.fields(data, "", TOP_LEVEL_REQUIRED, TOP_LEVEL_OPTIONAL, _l("the framework"))
        if "key" in data:
            key = data["key"]
            if not isinstance(key, str) or not KEY_RE.match(key):
                self.add(
                    "key",
                    _l(
                        "key must be lower-case letters, digits, '-' or '_', starting with a letter "
                        "(e.g. 'cx-governance'), not %(value)s",
                        value=_shown(key),
                    ),
                    data,
                )
        if "version" in data:
            version = data["version"]
            if not isinstance(version, str):
                self.add(
                    "version", _l('version must be quoted text like "1.0", not %(kind)s', kind=_describe(version)), data
                )
            elif not VERSION_RE.match(version):
                self.add(
                    "version", _l('version must look like "1.0" or "2.1.3", not %(value)s', value=_shown(version)), data
                )
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
            self.add("scoring.aggregation", _one_of("aggregation", AGGREGATIONS), value)
        if "na_policy" in value and value["na_policy"] not in NA_POLICIES:
            self.add("scoring.na_policy", _one_of("na_policy", NA_POLICIES), value)
        for name, upper in (("disagreement_spread", 4.0), ("perception_gap", 4.0)):
            if name in value:
                number = value[name]
                if not _is_number(number) or not 0 < number <= upper:
                    self.add(
                        f"scoring.{name}",
                        _l(
                            "%(field)s must be a number above 0 and at most %(upper)s (levels run 1-5), not %(kind)s",
                            field=name,
                            upper=f"{upper:g}",
                            kind=_describe(number),
                        ),
                        value,
                    )
        if "low_sample" in value:
            number = value["low_sample"]
            if not _is_int(number) or not 1 <= number <= 10_000:
                self.add(
                    "scoring.low_sample",
                    _l("low_sample must be a whole number of at least 1, not %(kind)s", kind=_describe(number)),
                    value,
                )

    def stages(self, value: Any, near: Any) -> None:
        if not isinstance(value, list):
            self.add("stages", _not_a_list("stages", value), near)
            return
        if not value:
            self.add("stages", _l("there must be at least one stage"), value)
            return
        keys: set[str] = set()
        previous: float | None = None
        for i, stage in enumerate(value):
            path = f"stages[{i}]"
            if not self.mapping(stage, path, _l("a stage"), value):
                previous = None
                continue
            self.fields(stage, path, STAGE_REQUIRED, STAGE_OPTIONAL, _l("a stage"))
            self.unique_key(stage, path, keys)
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
                    f"{path}.min_index",
                    _l("min_index must be a number from 0 to 100, not %(kind)s", kind=_describe(threshold)),
                    stage,
                )
                previous = None
                continue
            if i == 0 and threshold != 0:
                self.add(
                    f"{path}.min_index",
                    _l("the first stage must start at min_index 0 (found %(found)s)", found=f"{threshold:g}"),
                    stage,
                )
            if previous is not None and threshold <= previous:
                self.add(
                    f"{path}.min_index",
                    _l(
                        "stages must be in strictly ascending order of min_index (%(this)s does not come after %(previous)s)",
                        this=f"{threshold:g}",
                        previous=f"{previous:g}",
                    ),
                    stage,
                )
            previous = threshold

    def dimensions(self, value: Any, near: Any) -> None:
        if not isinstance(value, list):
            self.add("dimensions", _not_a_list("dimensions", value), near)
            return
        if not value:
            self.add("dimensions", _l("there must be at least one dimension"), value)
            return
        keys: set[str] = set()
        codes: set[str] = set()
        practice_ids: dict[str, str] = {}
        merged: dict[str, str] = {}
        for i, dim in enumerate(value):
            path = f"dimensions[{i}]"
            if not self.mapping(dim, path, _l("a dimension"), value):
                continue
            self.fields(dim, path, DIMENSION_REQUIRED, (), _l("a dimension"))
            self.unique_key(dim, path, keys)
            code = dim.get("code")
            code_ok = False
            if "code" in dim:
                if not isinstance(code, str) or not CODE_RE.match(code):
                    self.add(
                        f"{path}.code",
                        _l("dimension code must be one capital letter (e.g. 'A'), not %(kind)s", kind=_describe(code)),
                        dim,
                    )
                elif code in codes:
                    self.add(f"{path}.code", _l("dimension code '%(code)s' is used twice", code=code), dim)
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
                self.add(f"{path}.practices", _not_a_list("practices", practices), dim)
                continue
            if not practices:
                self.add(f"{path}.practices", _l("a dimension needs at least one practice"), dim)
                continue
            for j, practice in enumerate(practices):
                self.practice(
                    practice, f"{path}.practices[{j}]", practices, code if code_ok else None, practice_ids, merged
                )
        for merged_id, where in merged.items():
            if merged_id in practice_ids:
                self.add(
                    where,
                    _l(
                        "'%(id)s' is listed in merges but is also a practice id; a merged id must not be a practice of its own",
                        id=merged_id,
                    ),
                )

    def practice(
        self, data: Any, path: str, near: Any, code: str | None, practice_ids: dict[str, str], merged: dict[str, str]
    ) -> None:
        if not self.mapping(data, path, _l("a practice"), near):
            return
        self.fields(data, path, PRACTICE_REQUIRED, PRACTICE_OPTIONAL, _l("a practice"))
        pid = data.get("id")
        if "id" in data:
            if not isinstance(pid, str) or not PRACTICE_ID_RE.match(pid):
                self.add(
                    f"{path}.id",
                    _l(
                        "practice id must be a capital letter and a number (e.g. 'B3'), not %(kind)s",
                        kind=_describe(pid),
                    ),
                    data,
                )
            else:
                if code is not None and not pid.startswith(code):
                    self.add(
                        f"{path}.id",
                        _l("practice id '%(id)s' must start with its dimension's code '%(code)s'", id=pid, code=code),
                        data,
                    )
                if pid in practice_ids:
                    self.add(
                        f"{path}.id",
                        _l("practice id '%(id)s' is used twice (first at %(first)s)", id=pid, first=practice_ids[pid]),
                        data,
                    )
                else:
                    practice_ids[pid] = path
        for name in ("title", "good_looks_like"):
            if name in data:
                self.text(data[name], f"{path}.{name}", data)
        if "levels" in data:
            self.text_list(
                data["levels"], f"{path}.levels", data, exactly=5, what=_l("levels (one descriptor per level 1-5)")
            )
        if "next_steps" in data:
            self.text_list(
                data["next_steps"], f"{path}.next_steps", data, exactly=4, what=_l("next_steps (1→2, 2→3, 3→4, 4→5)")
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
                hint=_l("quote article ids: '000', since YAML reads 000 as 0"),
            )
        if "merges" in data:
            merges = self.string_list(data["merges"], f"{path}.merges", data, what="merges", non_empty=False)
            for k, item in enumerate(merges or ()):
                if not PRACTICE_ID_RE.match(item):
                    self.add(
                        f"{path}.merges[{k}]",
                        _l("merged id must look like 'C8', not %(value)s", value=_shown(item)),
                        data,
                    )
                elif item in merged:
                    self.add(
                        f"{path}.merges[{k}]",
                        _l("'%(id)s' is already merged at %(where)s", id=item, where=merged[item]),
                        data,
                    )
                else:
                    merged[item] = f"{path}.merges[{k}]"
        if "weight" in data:
            weight = data["weight"]
            if not _is_number(weight) or not 0 < weight <= 100:
                self.add(
                    f"{path}.weight",
                    _l("weight must be a number above 0 (at most 100), not %(kind)s", kind=_describe(weight)),
                    data,
                )
        if "default_target" in data:
            target = data["default_target"]
            if not _is_int(target) or not 1 <= target <= 5:
                self.add(
                    f"{path}.default_target",
                    _l("default_target must be a whole number from 1 to 5, not %(kind)s", kind=_describe(target)),
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
                        _l(
                            "unknown register check %(check)s; known checks are: %(known)s",
                            check=_shown(check),
                            known=_listed(sorted(REGISTER_CHECKS), 500),
                        ),
                        data,
                    )
        hint = data.get("owner_hint")
        if hint is not None and (not isinstance(hint, str) or hint not in OWNER_HINTS):
            self.add(
                f"{path}.owner_hint",
                _l(
                    "owner_hint must be one of %(allowed)s, not %(value)s",
                    allowed=", ".join(sorted(OWNER_HINTS)),
                    value=_describe(hint) if not isinstance(hint, str) else _shown(hint),
                ),
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
                    _l(
                        "reference model key must be lower-case letters, digits, '-' or '_' (e.g. 'iso-23592'), not %(value)s",
                        value=_shown(key),
                    ),
                    value,
                )
                continue
            if not self.mapping(model, path, _l("a reference model"), value):
                continue
            self.fields(model, path, REFERENCE_MODEL_FIELDS, (), _l("a reference model"))
            if "title" in model:
                self.text(model["title"], f"{path}.title", model)
            elements = model.get("elements")
            ids: set[str] = set()
            if "elements" in model:
                if not isinstance(elements, dict) or not elements:
                    self.add(
                        f"{path}.elements",
                        _l(
                            "elements must be a non-empty mapping of element id to title, not %(kind)s",
                            kind=_describe(elements),
                        ),
                        model,
                    )
                else:
                    for eid, title in elements.items():
                        if not isinstance(eid, str) or not eid.strip():
                            self.add(
                                f"{path}.elements",
                                _l('element id %(id)s must be text; quote it, e.g. "5.1": ...', id=_shown(eid)),
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
                if not declared:
                    message = _l(
                        "unknown reference model %(model)s; declare it under reference_models", model=_shown(key)
                    )
                elif models:
                    message = _l(
                        "unknown reference model %(model)s; known models are: %(known)s",
                        model=_shown(key),
                        known=_listed(sorted(models)),
                    )
                else:
                    message = _l("unknown reference model %(model)s", model=_shown(key))
                self.add(item_path, message, value)
                continue
            ids = self.string_list(
                elements,
                item_path,
                value,
                what=_l("the %(model)s references", model=key),
                non_empty=False,
                hint=_l('quote element ids: "5.1"'),
            )
            for k, eid in enumerate(ids or ()):
                if eid not in models[key]:
                    self.add(
                        f"{item_path}[{k}]",
                        _l(
                            "%(id)s is not an element of %(model)s; known elements are: %(known)s",
                            id=_shown(eid),
                            model=key,
                            known=_listed(sorted(models[key])),
                        ),
                        value,
                    )

    def next_step_effort(self, value: Any, path: str, near: Any) -> None:
        """Check one effort (small|medium|large) per next step."""
        if not isinstance(value, list):
            self.add(path, _not_a_list("next_step_effort", value), near)
            return
        steps = near.get("next_steps")
        expected = len(steps) if isinstance(steps, list) else 4
        if len(value) != expected:
            self.add(
                path,
                _l(
                    "next_step_effort must have one entry per next step (%(expected)d), found %(found)d",
                    expected=expected,
                    found=len(value),
                ),
                value,
            )
        for k, effort in enumerate(value):
            if effort not in EFFORTS:
                shown = _shown(effort) if isinstance(effort, str) else _describe(effort)
                self.add(f"{path}[{k}]", _one_of("effort", EFFORTS, shown), value)

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
                    self.add(
                        f"{path}.depends_on[{k}]", _l("practice '%(id)s' cannot depend on itself", id=pid), practice
                    )
                elif other not in practices:
                    self.add(f"{path}.depends_on[{k}]", _not_a_practice(other), practice)
                else:
                    good.append(other)
            graph[pid] = good
        for cycle in _cycles(graph):
            path = practices[cycle[0]][0]
            self.add(
                f"{path}.depends_on",
                _l(
                    "depends_on goes round in a circle: %(circle)s; one of these must not depend on the next",
                    circle=" → ".join(cycle + [cycle[0]])[:300],
                ),
                practices[cycle[0]][1],
            )

    def profiles(self, value: Any, near: Any, practices: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Check target profiles: unique keys, every practice given a valid target."""
        if not isinstance(value, list) or not value:
            self.add("profiles", _l("profiles must be a non-empty list, not %(kind)s", kind=_describe(value)), near)
            return
        keys: set[str] = set()
        for i, profile in enumerate(value):
            path = f"profiles[{i}]"
            if not self.mapping(profile, path, _l("a profile"), value):
                continue
            self.fields(profile, path, PROFILE_REQUIRED, PROFILE_OPTIONAL, _l("a profile"))
            self.unique_key(profile, path, keys)
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
                        self.add(f"{path}.optional[{k}]", _not_a_practice(pid), profile)
                    optional.add(pid)
            if "targets" not in profile:
                continue
            targets = profile["targets"]
            if not self.mapping(targets, f"{path}.targets", "targets", profile):
                continue
            for pid, level in targets.items():
                item = _join(f"{path}.targets", str(pid))
                if pid not in practices:
                    self.add(item, _not_a_practice(pid), targets)
                if not _is_int(level) or not 1 <= level <= 5:
                    self.add(
                        item,
                        _l("a target must be a whole number from 1 to 5, not %(kind)s", kind=_describe(level)),
                        targets,
                    )
            missing = [pid for pid in practices if pid not in targets and pid not in optional]
            if missing:
                self.add(
                    f"{path}.targets",
                    _l(
                        "profile '%(profile)s' gives no target for %(ids)s; give each a target or list it under optional",
                        profile=str(profile.get("key"))[:80],
                        ids=_listed(missing),
                    ),
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
                    "version_map.from",
                    _l('from must be a quoted version like "1.0", not %(kind)s', kind=_describe(previous)),
                    value,
                )
            elif previous == near.get("version"):
                self.add("version_map.from", _l("a version cannot map onto itself"), value)
        used_by: dict[str, list[tuple[str, str]]] = {}
        entries = value.get("practices")
        if "practices" in value and self.mapping(entries, "version_map.practices", "version_map.practices", value):
            for pid, entry in entries.items():
                path = _join("version_map.practices", str(pid))
                if pid not in practices:
                    self.add(path, _l("'%(id)s' is not a practice of this version", id=str(pid)[:80]), entries)
                if not self.mapping(entry, path, _l("a version_map entry"), entries):
                    continue
                self.fields(entry, path, MAPPING_FIELDS, (), _l("a version_map entry"))
                change = entry.get("change")
                if "change" in entry and change not in CHANGES:
                    self.add(f"{path}.change", _one_of("change", CHANGES, _shown(change)), entry)
                    change = None
                if "from" not in entry:
                    continue
                ids = self.string_list(entry["from"], f"{path}.from", entry, what="from", non_empty=False)
                if ids is None:
                    continue
                for k, old in enumerate(ids):
                    if not PRACTICE_ID_RE.match(old):
                        self.add(
                            f"{path}.from[{k}]",
                            _l("previous id must look like 'A1', not %(value)s", value=_shown(old)),
                            entry,
                        )
                    used_by.setdefault(old, []).append((str(pid), str(change)))
                if change is not None:
                    self.change_shape(path, entry, str(pid), change, ids)
            missing = [pid for pid in practices if pid not in entries]
            if missing:
                self.add(
                    "version_map.practices",
                    _l(
                        "no entry for %(ids)s; every practice of this version needs one "
                        "(use change: new with from: [] for a new one)",
                        ids=_listed(missing),
                    ),
                    entries,
                )
        for old, users in used_by.items():
            if len(users) > 1 and any(change != "split" for _, change in users):
                self.add(
                    "version_map.practices",
                    _l(
                        "'%(id)s' is the source of %(ids)s; only a split may have several successors",
                        id=old,
                        ids=_listed(p for p, _ in users),
                    ),
                    entries,
                )
        if "retired" in value:
            retired = self.string_list(value["retired"], "version_map.retired", value, what="retired", non_empty=False)
            for k, old in enumerate(retired or ()):
                if old in used_by:
                    self.add(
                        f"version_map.retired[{k}]",
                        _l(
                            "'%(id)s' is retired but is also the source of %(ids)s",
                            id=old,
                            ids=_listed(p for p, _ in used_by[old]),
                        ),
                        value,
                    )

    def change_shape(self, path: str, entry: dict[str, Any], pid: str, change: str, ids: list[str]) -> None:
        """Check that the number of previous ids fits the kind of change."""
        if change == "new" and ids:
            self.add(f"{path}.from", _l("a new practice has no previous ids: use from: []"), entry)
        elif change == "merged" and len(ids) < 2:
            self.add(f"{path}.from", _l("a merged practice needs at least two previous ids"), entry)
        elif change in ("kept", "renamed", "changed", "split") and len(ids) != 1:
            self.add(
                f"{path}.from",
                _l(
                    "a practice marked change: %(change)s has exactly one previous id (found %(found)d)",
                    change=change,
                    found=len(ids),
                ),
                entry,
            )
        elif change == "kept" and ids[0] != pid:
            self.add(
                f"{path}.change",
                _l(
                    "'%(id)s' comes from '%(old)s': a practice whose id changed is renamed, not kept",
                    id=pid,
                    old=ids[0][:80],
                ),
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
                _l(
                    "%(key)s %(version)s practices %(ids)s are not accounted for: name each under a "
                    "practice's from, or under retired",
                    key=previous.key,
                    version=previous.version,
                    ids=_listed(missing),
                ),
            )
        )
    unknown = sorted(accounted - set(old_ids))
    if unknown:
        problems.append(
            Problem(
                source,
                "version_map",
                _ln(
                    "%(ids)s is not a practice of %(key)s %(version)s",
                    "%(ids)s are not practices of %(key)s %(version)s",
                    len(unknown),
                    ids=_listed(unknown),
                    key=previous.key,
                    version=previous.version,
                ),
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
            None,
            [Problem(source, "", _l("could not be read: %(error)s", error=f"{type(exc).__name__}: {str(exc)[:400]}"))],
            source,
        )


def _place_in_text(text: str, mark: yaml.Mark) -> tuple[int, int]:
    """Return the line and column (from 1) of a YAML error's mark, at most just after the text's end.

    libyaml marks an error it finds at the end of the text (a bracket never closed) on the line
    after the last one; a reader is pointed at the end of the last line instead.
    """
    lines = text.splitlines() or [""]
    if mark.line >= len(lines):
        return len(lines), len(lines[-1]) + 1
    return mark.line + 1, mark.column + 1


def _load_text(text: str, source: str) -> LoadResult:
    if not isinstance(text, str):
        return LoadResult(None, [Problem(source, "", _l("framework text must be a string"))], source)
    loader = _TrackingLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = yaml_error_detail(exc)
        if mark is None:
            return LoadResult(None, [Problem(source, "", _l("is not valid YAML: %(detail)s", detail=detail))], source)
        line, column = _place_in_text(text, mark)
        message = _l(
            "is not valid YAML (line %(line)d, column %(column)d): %(detail)s", line=line, column=column, detail=detail
        )
        return LoadResult(None, [Problem(source, "", message, line)], source)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        return LoadResult(
            None, [Problem(source, "", _l("is not valid YAML: %(detail)s", detail=str(exc)[:400]))], source
        )
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
                _l(
                    "the key '%(key)s' appears twice in the same mapping (line %(line)d); "
                    "YAML would silently keep only the last one",
                    key=name[:80],
                    line=line,
                ),
                line,
            )
        )
    try:
        validator.root(data)
    except _TooManyProblems:
        validator.problems.append(Problem(source, "", stopped_after()))
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
            return LoadResult(None, [Problem(label, "", file_too_large(size))], label)
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return LoadResult(None, [Problem(label, "", not_utf8(exc))], label)
    except OSError as exc:
        return LoadResult(None, [Problem(label, "", unreadable(exc))], label)
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
        catalog.invalid.append(LoadResult(None, [Problem(label, "", unreadable_directory(exc))], label))
        return catalog
    loaded: dict[tuple[str, str], LoadResult] = {}
    for file in files:
        result = load_framework_file(file)
        framework = result.framework
        if framework is not None and (framework.key, framework.version) in loaded:
            first = loaded[(framework.key, framework.version)].path
            result = LoadResult(
                None,
                [Problem(result.path, "key", already_used(framework.key, framework.version, first))],
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
                _l(
                    "version %(version)s of '%(key)s' is not in the library; the map needs it to check "
                    "that every earlier practice is accounted for",
                    version=vmap.from_version[:40],
                    key=framework.key,
                ),
            )
        ]
    return version_map_problems(framework, previous, source)
