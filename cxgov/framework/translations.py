"""Framework text in other languages: overlay files, their validation, and fallback.

A framework is written once, in its source language (English). Each translation is an overlay
file next to it, ``assessments/<key>-<version>.<lang>.yaml`` (``cx-governance-1.1.sv.yaml``),
keyed by the framework's key and version and by stage, profile and dimension keys and practice
ids (format: assessments/README.md, "Translations"). An uploaded framework may carry the same
overlays under a top-level ``translations: {sv: {...}, da: {...}}`` block.

Overlays are never part of a framework's snapshot or content hash: a cycle stores the source
text it was assessed against, and its pages and reports show the overlays of the same key and
version as they are now, so a corrected translation reaches old cycles too. An issued report
version is a stored file and stays exactly as issued.

Every field is optional and falls back to the source text field by field (``Text.get``).
An overlay that names an id the framework does not have, or whose lists are not as long as the
source's, is refused whole: a level descriptor shifted by one is worse than English.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .loader import (
    LANG_RE,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    MAX_TEXT_CHARS,
    OVERLAY_NAME_RE,
    LoadResult,
    Message,
    Problem,
    _describe,
    _l,
    _listed,
    _ln,
    _shown,
    _too_long,
    _TrackingLoader,
    _unquoted_language,
    file_too_large,
    is_overlay_file,
    load_framework_file,
    load_framework_text,
    not_utf8,
    stopped_after,
    unreadable,
    yaml_error_detail,
)
from .model import DEFAULT_LANGUAGE, Framework, Text


OVERLAY_TOP_FIELDS = (
    "key",
    "version",
    "language",
    "title",
    "description",
    "level_names",
    "stages",
    "profiles",
    "dimensions",
    "practices",
)
#: The translatable fields of each part, and whether they are lists.
NAMED_FIELDS = {
    "stages": ("name", "description"),
    "profiles": ("name", "description"),
    "dimensions": ("title", "description"),
}
PRACTICE_FIELDS = ("title", "good_looks_like")
PRACTICE_LIST_FIELDS = ("levels", "next_steps", "evidence_prompts")


@dataclass(frozen=True)
class Overlay:
    """One language's texts for one framework version, by field path (see :func:`text_paths`)."""

    key: str
    version: str
    language: str
    #: (field path, text) pairs, e.g. ("practices.A1.levels[0]", "..."); only valid paths
    texts: tuple[tuple[str, str], ...]
    source: str = ""  #: the file (or upload) it came from, for messages


@dataclass
class OverlayResult:
    """The outcome of reading one overlay: the overlay, or every problem that refused it."""

    overlay: Overlay | None
    problems: list[Problem]
    path: str


@dataclass(frozen=True)
class TranslationGaps:
    """What a framework lacks in one language: field paths and the practices they belong to."""

    language: str
    missing: tuple[str, ...]  #: field paths shown in the source language instead
    practice_ids: tuple[str, ...]  #: practices with at least one missing field
    total: int  #: how many text fields the framework has

    @property
    def complete(self) -> bool:
        """Tell whether every text field exists in this language."""
        return not self.missing


# -- the text fields of a framework --------------------------------------------------------


def text_paths(framework: Framework) -> Iterator[tuple[str, Text]]:
    """Yield (field path, Text) for every translatable text of ``framework``.

    Reference models' titles and element names are left out: they are quoted as published.
    """
    yield "title", framework.title
    yield "description", framework.description
    for i, name in enumerate(framework.level_names):
        yield f"level_names[{i}]", name
    for stage in framework.stages:
        yield f"stages.{stage.key}.name", stage.name
        if stage.description is not None:
            yield f"stages.{stage.key}.description", stage.description
    for profile in framework.profiles:
        yield f"profiles.{profile.key}.name", profile.name
        yield f"profiles.{profile.key}.description", profile.description
    for dimension in framework.dimensions:
        yield f"dimensions.{dimension.key}.title", dimension.title
        yield f"dimensions.{dimension.key}.description", dimension.description
        for p in dimension.practices:
            yield f"practices.{p.id}.title", p.title
            yield f"practices.{p.id}.good_looks_like", p.good_looks_like
            for list_name in PRACTICE_LIST_FIELDS:
                for i, item in enumerate(getattr(p, list_name)):
                    yield f"practices.{p.id}.{list_name}[{i}]", item


def translation_gaps(framework: Framework, lang: str) -> TranslationGaps:
    """Return what ``framework`` (with its overlays) lacks in ``lang``; nothing for the source language."""
    if lang == DEFAULT_LANGUAGE:
        return TranslationGaps(lang, (), (), sum(1 for _ in text_paths(framework)))
    missing: list[str] = []
    practices: list[str] = []
    total = 0
    for path, text in text_paths(framework):
        total += 1
        if not text.has(lang):
            missing.append(path)
            if path.startswith("practices."):
                pid = path.split(".")[1]
                if pid not in practices:
                    practices.append(pid)
    return TranslationGaps(lang, tuple(missing), tuple(practices), total)


def shows_fallback(framework: Framework, lang: str, practice_ids: Any = None) -> bool:
    """Tell whether text of ``framework`` shown in ``lang`` falls back to the source anywhere.

    With ``practice_ids`` only those practices (plus the framework-wide names: levels, stages,
    dimensions) count, so a page about one translated practice does not carry the note.
    """
    if lang == DEFAULT_LANGUAGE:
        return False
    wanted = set(practice_ids) if practice_ids is not None else None
    for path, text in text_paths(framework):
        if wanted is not None and path.startswith("practices.") and path.split(".")[1] not in wanted:
            continue
        if wanted is not None and path.startswith("profiles."):
            continue
        if not text.has(lang):
            return True
    return False


# -- applying overlays ---------------------------------------------------------------------


def framework_with_overlays(framework: Framework, overlays: Any) -> Framework:
    """Return ``framework`` showing the texts of ``overlays`` (same content hash, same snapshot)."""
    by_path: dict[str, list[tuple[str, str]]] = {}
    for overlay in overlays:
        if overlay.key != framework.key or overlay.version != framework.version:
            continue
        for path, value in overlay.texts:
            by_path.setdefault(path, []).append((overlay.language, value))
    if not by_path:
        return framework

    def t(path: str, text: Text) -> Text:
        for lang, value in by_path.get(path, ()):
            text = text.with_overlay(lang, value)
        return text

    def ts(prefix: str, texts: tuple[Text, ...]) -> tuple[Text, ...]:
        return tuple(t(f"{prefix}[{i}]", x) for i, x in enumerate(texts))

    dimensions = tuple(
        replace(
            d,
            title=t(f"dimensions.{d.key}.title", d.title),
            description=t(f"dimensions.{d.key}.description", d.description),
            practices=tuple(
                replace(
                    p,
                    title=t(f"practices.{p.id}.title", p.title),
                    good_looks_like=t(f"practices.{p.id}.good_looks_like", p.good_looks_like),
                    levels=ts(f"practices.{p.id}.levels", p.levels),
                    next_steps=ts(f"practices.{p.id}.next_steps", p.next_steps),
                    evidence_prompts=ts(f"practices.{p.id}.evidence_prompts", p.evidence_prompts),
                )
                for p in d.practices
            ),
        )
        for d in framework.dimensions
    )
    stages = tuple(
        replace(
            s,
            name=t(f"stages.{s.key}.name", s.name),
            description=t(f"stages.{s.key}.description", s.description) if s.description else None,
        )
        for s in framework.stages
    )
    profiles = tuple(
        replace(
            p, name=t(f"profiles.{p.key}.name", p.name), description=t(f"profiles.{p.key}.description", p.description)
        )
        for p in framework.profiles
    )
    translated = replace(
        framework,
        title=t("title", framework.title),
        description=t("description", framework.description),
        level_names=ts("level_names", framework.level_names),
        dimensions=dimensions,
        stages=stages,
        profiles=profiles,
        content_hash=framework.content_hash,
    )
    return translated


# -- reading and validating overlays -------------------------------------------------------


class _TooMany(Exception):
    pass


def _a(part: str) -> Message:
    """Name one item of a part ("a stage") in a message."""
    return {"stages": _l("a stage"), "profiles": _l("a profile"), "dimensions": _l("a dimension")}[part]


def _no_such(part: str, key: str, known: str) -> Message:
    """Say that the framework has no stage, profile or dimension ``key``."""
    if part == "stages":
        return _l("the framework has no stage %(key)s; known: %(known)s", key=key, known=known)
    if part == "profiles":
        return _l("the framework has no profile %(key)s; known: %(known)s", key=key, known=known)
    return _l("the framework has no dimension %(key)s; known: %(known)s", key=key, known=known)


class _OverlayValidator:
    """Check one overlay mapping against its framework; collect problems and valid texts."""

    def __init__(self, source: str, lines: dict[int, int], framework: Framework | None) -> None:
        self.source = source
        self.lines = lines
        self.framework = framework
        self.problems: list[Problem] = []
        self.texts: list[tuple[str, str]] = []

    def add(self, path: str, message: Message, near: Any = None) -> None:
        line = self.lines.get(id(near)) if isinstance(near, (dict, list)) else None
        self.problems.append(Problem(self.source, path, message, line))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooMany

    def text(self, value: Any, path: str, near: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            self.add(path, _l("must be non-empty text, not %(kind)s", kind=_describe(value)), near)
        elif len(value) > MAX_TEXT_CHARS:
            self.add(path, _too_long(), near)
        else:
            self.texts.append((path, value))

    def text_list(self, value: Any, path: str, near: Any, expected: int) -> None:
        if not isinstance(value, list):
            self.add(path, _l("must be a list, not %(kind)s", kind=_describe(value)), near)
            return
        if len(value) != expected:
            self.add(
                path,
                _ln(
                    "must have exactly %(num)d entry, as many as the source (found %(found)d)",
                    "must have exactly %(num)d entries, as many as the source (found %(found)d)",
                    expected,
                    found=len(value),
                ),
                value,
            )
            return
        for i, item in enumerate(value):
            self.text(item, f"{path}[{i}]", value)

    def unknown_fields(self, data: dict[Any, Any], path: str, allowed: tuple[str, ...], what: Message) -> None:
        for name in data:
            if name not in allowed:
                self.add(
                    f"{path}.{name}" if path else str(name),
                    _l(
                        "unknown field %(name)s in %(what)s; allowed fields are: %(allowed)s",
                        name=_shown(name),
                        what=what,
                        allowed=", ".join(allowed),
                    ),
                    data,
                )

    def root(self, data: Any, *, language: str | None, embedded: bool) -> str | None:
        """Validate the whole overlay; return its language (None when unusable)."""
        if not isinstance(data, dict):
            self.add("", _l("a translation must be a mapping of fields, not %(kind)s", kind=_describe(data)))
            return None
        fw = self.framework
        allowed = OVERLAY_TOP_FIELDS
        self.unknown_fields(data, "", allowed, _l("a translation"))
        if not embedded:
            for name in ("key", "version", "language"):
                if name not in data:
                    self.add("", _l("a translation file is missing the required field '%(name)s'", name=name), data)
        lang = data.get("language", language)
        if not isinstance(lang, str) or not LANG_RE.match(lang):
            self.add("language", _l("%(value)s is not a language code like 'sv' or 'da'", value=_shown(lang)), data)
            lang = None
        elif language is not None and lang != language:
            self.add(
                "language",
                _l("says '%(lang)s' but the translation is filed as '%(filed)s'", lang=lang, filed=str(language)[:40]),
                data,
            )
        elif lang == DEFAULT_LANGUAGE:
            self.add("language", _l("English is the framework's own language; it needs no translation"), data)
        if fw is not None and not embedded:
            if "key" in data and data["key"] != fw.key:
                self.add(
                    "key",
                    _l("%(value)s does not match the framework's key '%(key)s'", value=_shown(data["key"]), key=fw.key),
                    data,
                )
            if "version" in data and str(data["version"]) != fw.version:
                self.add(
                    "version",
                    _l(
                        "%(value)s does not match the framework's version '%(version)s' (quote it: \"%(version)s\")",
                        value=_shown(data["version"]),
                        version=fw.version,
                    ),
                    data,
                )
        if fw is None:
            return lang
        for name in ("title", "description"):
            if name in data:
                self.text(data[name], name, data)
        if "level_names" in data:
            self.text_list(data["level_names"], "level_names", data, len(fw.level_names))
        self.named(
            "stages",
            data,
            {s.key: s for s in fw.stages},
            optional_description={s.key for s in fw.stages if s.description is None},
        )
        self.named("profiles", data, {p.key: p for p in fw.profiles})
        self.named("dimensions", data, {d.key: d for d in fw.dimensions})
        self.practices(data)
        return lang

    def named(
        self, part: str, data: dict[Any, Any], known: Mapping[str, Any], optional_description: set[str] | None = None
    ) -> None:
        if part not in data:
            return
        value = data[part]
        if not isinstance(value, dict):
            self.add(part, _l("must be a mapping from key to texts, not %(kind)s", kind=_describe(value)), data)
            return
        fields = NAMED_FIELDS[part]
        for key, item in value.items():
            path = f"{part}.{key}"
            if key not in known:
                self.add(
                    path,
                    _no_such(part, _shown(key), _listed(known)),
                    value,
                )
                continue
            if not isinstance(item, dict):
                self.add(path, _l("must be a mapping of fields, not %(kind)s", kind=_describe(item)), value)
                continue
            self.unknown_fields(item, path, fields, _a(part))
            for name in fields:
                if name not in item:
                    continue
                if name == "description" and optional_description and key in optional_description:
                    self.add(f"{path}.description", _l("the source has no description here to translate"), item)
                    continue
                self.text(item[name], f"{path}.{name}", item)

    def practices(self, data: dict[Any, Any]) -> None:
        if "practices" not in data:
            return
        value = data["practices"]
        if not isinstance(value, dict):
            self.add(
                "practices",
                _l("must be a mapping from practice id to its texts, not %(kind)s", kind=_describe(value)),
                data,
            )
            return
        assert self.framework is not None
        known = {p.id: p for p in self.framework.practices}
        for pid, item in value.items():
            path = f"practices.{pid}"
            practice = known.get(pid) if isinstance(pid, str) else None
            if practice is None:
                self.add(path, _l("the framework has no practice %(id)s", id=_shown(pid)), value)
                continue
            if not isinstance(item, dict):
                self.add(path, _l("must be a mapping of fields, not %(kind)s", kind=_describe(item)), value)
                continue
            self.unknown_fields(item, path, PRACTICE_FIELDS + PRACTICE_LIST_FIELDS, _l("a practice"))
            for name in PRACTICE_FIELDS:
                if name in item:
                    self.text(item[name], f"{path}.{name}", item)
            for name in PRACTICE_LIST_FIELDS:
                if name in item:
                    self.text_list(item[name], f"{path}.{name}", item, len(getattr(practice, name)))


def overlay_from_data(
    data: Any,
    *,
    framework: Framework | None,
    source: str,
    lines: dict[int, int] | None = None,
    language: str | None = None,
    embedded: bool = False,
) -> OverlayResult:
    """Validate parsed overlay data against ``framework``; return the overlay or its problems.

    ``embedded`` is an upload's ``translations.<lang>`` block: key, version and language come
    from the surrounding file and ``language`` instead.
    """
    validator = _OverlayValidator(source, lines or {}, framework)
    try:
        lang = validator.root(data, language=language, embedded=embedded)
        if framework is None and not validator.problems:
            validator.add("key", _l("there is no valid framework with this key and version to translate"))
    except _TooMany:
        validator.problems.append(Problem(source, "", stopped_after()))
        lang = None
    if validator.problems or lang is None or framework is None:
        return OverlayResult(None, validator.problems, source)
    overlay = Overlay(framework.key, framework.version, lang, tuple(validator.texts), source)
    return OverlayResult(overlay, [], source)


def parse_overlay_text(text: str, source: str) -> tuple[Any, dict[int, int], list[Problem]]:
    """Parse overlay YAML with the framework loader's rules (no aliases, no duplicate keys)."""
    loader = _TrackingLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, {}, [Problem(source, "", _l("is not valid YAML: %(detail)s", detail=yaml_error_detail(exc)), line)]
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        return None, {}, [Problem(source, "", _l("is not valid YAML: %(detail)s", detail=str(exc)[:400]))]
    finally:
        loader.dispose()
    problems = [
        Problem(
            source,
            "",
            _l("the key '%(key)s' appears twice in the same mapping (line %(line)d)", key=name[:80], line=line),
            line,
        )
        for name, line in loader.duplicates
    ]
    return data, loader.lines, problems


def overlay_header(data: Any) -> tuple[str, str] | None:
    """Return (key, version) an overlay's data names, or None when it names none."""
    if isinstance(data, dict) and isinstance(data.get("key"), str) and "version" in data:
        return data["key"], str(data["version"])
    return None


def load_overlay_file(
    path: str | Path, frameworks: Mapping[tuple[str, str], Framework], label: str | None = None
) -> OverlayResult:
    """Read and validate one overlay file against the framework of its key and version."""
    file = Path(path)
    label = label or file.name
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return OverlayResult(None, [Problem(label, "", file_too_large(file.stat().st_size))], label)
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return OverlayResult(None, [Problem(label, "", not_utf8(exc))], label)
    except OSError as exc:
        return OverlayResult(None, [Problem(label, "", unreadable(exc))], label)
    data, lines, problems = parse_overlay_text(text, label)
    if problems:
        return OverlayResult(None, problems, label)
    match = OVERLAY_NAME_RE.match(file.name)
    named_lang = match.group("lang") if match else None
    header = overlay_header(data)
    framework = frameworks.get(header) if header else None
    if header is not None and framework is None:
        return OverlayResult(
            None,
            [
                Problem(
                    label,
                    "key",
                    _l(
                        "there is no valid framework '%(key)s' version %(version)s to translate",
                        key=header[0][:80],
                        version=header[1][:40],
                    ),
                )
            ],
            label,
        )
    return overlay_from_data(data, framework=framework, source=label, lines=lines, language=named_lang)


def load_overlay_dir(directory: str | Path, frameworks: Mapping[tuple[str, str], Framework]) -> list[OverlayResult]:
    """Read every overlay file (``*.<lang>.yaml``) of ``directory``, in name order."""
    try:
        files = sorted(p for p in Path(directory).iterdir() if p.is_file() and is_overlay_file(p))
    except OSError:
        return []
    results: list[OverlayResult] = []
    seen: dict[tuple[str, str, str], str] = {}
    for file in files:
        result = load_overlay_file(file, frameworks)
        overlay = result.overlay
        if overlay is not None:
            ident = (overlay.key, overlay.version, overlay.language)
            if ident in seen:
                result = OverlayResult(
                    None,
                    [
                        Problem(
                            result.path,
                            "language",
                            _l(
                                "'%(key)s' %(version)s in '%(lang)s' is already translated by %(first)s",
                                key=overlay.key,
                                version=overlay.version,
                                lang=overlay.language,
                                first=seen[ident],
                            ),
                        )
                    ],
                    result.path,
                )
            else:
                seen[ident] = result.path
        results.append(result)
    return results


def embedded_overlays(
    data: Any, framework: Framework, source: str, lines: dict[int, int] | None = None
) -> tuple[list[Overlay], list[Problem]]:
    """Validate an uploaded framework's ``translations`` block: {lang: overlay mapping}."""
    block = data.get("translations") if isinstance(data, dict) else None
    if block is None:
        return [], []
    if not isinstance(block, dict):
        return [], [
            Problem(
                source,
                "translations",
                _l("must be a mapping from language code to the translated texts, not %(kind)s", kind=_describe(block)),
            )
        ]
    overlays: list[Overlay] = []
    problems: list[Problem] = []
    for lang, body in block.items():
        if not isinstance(lang, str):
            problems.append(Problem(source, "translations", _unquoted_language(lang)))
            continue
        result = overlay_from_data(body, framework=framework, source=source, lines=lines, language=lang, embedded=True)
        problems.extend(
            replace(p, path=f"translations.{lang}" + (f".{p.path}" if p.path else "")) for p in result.problems
        )
        if result.overlay is not None:
            overlays.append(result.overlay)
    return overlays, problems


def with_embedded_translations(result: LoadResult) -> LoadResult:
    """Check a loaded framework's own ``translations`` block; a problem there refuses the file."""
    if result.framework is None or result.translations_block is None:
        return result
    overlays, problems = embedded_overlays({"translations": result.translations_block}, result.framework, result.path)
    if problems:
        return LoadResult(None, problems, result.path)
    return LoadResult(result.framework, [], result.path, overlays)


def load_framework_text_translated(text: str, source: str = "<text>") -> LoadResult:
    """Load framework YAML with its ``translations`` block checked (uploads)."""
    return with_embedded_translations(load_framework_text(text, source))


def load_framework_file_translated(path: str | Path) -> LoadResult:
    """Load a framework file with its ``translations`` block checked."""
    return with_embedded_translations(load_framework_file(path))
