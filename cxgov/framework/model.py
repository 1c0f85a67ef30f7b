"""Frozen, typed objects for a maturity framework loaded from ``assessments/*.yaml``.

Everything here is plain data: no Flask, no database. A framework is immutable once
loaded, and it round-trips through :meth:`Framework.to_snapshot` /
:meth:`Framework.from_snapshot` so that a cycle can keep the exact framework it ran with.
"""

from __future__ import annotations

import hashlib
import json
from markupsafe import Markup
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

DEFAULT_LANGUAGE = "en"
LEVEL_NUMBERS = (1, 2, 3, 4, 5)
#: How big the work of one next step is, for a roadmap; one value per next step.
EFFORTS = ("small", "medium", "large")
#: How a practice of this version relates to the previous version's practices.
CHANGES = ("kept", "renamed", "changed", "split", "merged", "new")


class SourceText(str):
    """Framework text shown in its source language (English) because it has no translation yet.

    A plain ``str`` everywhere (equality, hashing, JSON); pages and reports mark it
    ``lang="en"`` (WCAG 3.1.2, language of parts) through the ``language_of_part`` filter, so a
    screen reader reading a Swedish page pronounces the English sentence as English.
    """

    lang = DEFAULT_LANGUAGE


class MixedText(str):
    """Text in the report's language holding pieces of framework text shown in English.

    A translated sentence such as "Start with %(id)s %(title)s next quarter" names a practice
    whose title may have no translation yet: the sentence is Swedish, the title English.
    ``parts`` are the pieces in order, the English ones :class:`SourceText`, so pages mark just
    the title ``lang="en"`` (WCAG 3.1.2) and Word gives just its run an English ``w:lang``.
    Everywhere else it is the plain string. Made only by :func:`text_join` (and ``+``).
    """

    parts: tuple[str, ...]

    def __add__(self, other: str) -> str:
        return text_join((self, other))

    def __radd__(self, other: str) -> str:
        return text_join((other, self))


def text_parts(text: str) -> tuple[str, ...]:
    """Return the pieces of ``text``: its parts for a :class:`MixedText`, else ``(text,)``."""
    return text.parts if isinstance(text, MixedText) else (text,)


def text_join(pieces: Iterable[str], sep: str = "") -> str:
    """Join ``pieces`` with ``sep`` and keep where English fallback text sits in the result.

    The plain ``str`` when no piece holds a :class:`SourceText` (the usual case), the one
    ``SourceText`` when that is all there is, else a :class:`MixedText`.
    """
    flat: list[str] = []
    for index, piece in enumerate(pieces):
        if index and sep:
            flat.append(sep)
        flat.extend(part for part in text_parts(piece) if part)
    if not any(isinstance(part, SourceText) for part in flat):
        return "".join(flat)
    if len(flat) == 1:
        return flat[0]
    merged: list[str] = []
    for part in flat:
        if merged and not isinstance(part, SourceText) and not isinstance(merged[-1], SourceText):
            merged[-1] += part
        else:
            merged.append(part)
    text = MixedText("".join(merged))
    text.parts = tuple(merged)
    return text


def language_of_part(value: Any, lang: str | None, text_lang: str | None = None) -> Any:
    """Mark framework text that fell back to English with ``lang="en"`` on a ``lang`` page (WCAG 3.1.2).

    ``value`` is a string from :meth:`Text.get` (a :class:`SourceText` when it fell back).
    ``text_lang`` is the language other text is in when it is not the page's (a report's text
    on a page in the reader's language); it is marked too. For element content only (the Jinja
    filter ``language_of_part``): attributes and titles keep the plain text, and SVG labels
    carry their own ``lang`` (:func:`cxgov.charts.language_of`).
    """
    if not isinstance(value, str) or not value:
        return value
    page = lang or DEFAULT_LANGUAGE
    if isinstance(value, MixedText):
        # The sentence in its own language, each English piece inside it marked (escaped piece by piece).
        own = text_lang or page
        inner = Markup("").join(language_of_part(part, own) for part in value.parts)
        return Markup('<span lang="%s">%s</span>') % (own, inner) if own != page else inner
    own = value.lang if isinstance(value, SourceText) else (text_lang or page)
    if own != page:
        return Markup('<span lang="%s">%s</span>') % (own, value)
    return value


@dataclass(frozen=True)
class Text:
    """A piece of framework text in one or more languages; English is always present.

    ``by_lang`` is the framework's own content (written in its YAML, part of its snapshot and
    content hash). ``overlay`` holds translations from overlay files
    (:mod:`cxgov.framework.translations`): looked up by framework key and version, never part of
    the snapshot, so adding a translation never changes what a cycle was assessed against.
    """

    #: (language code, string) pairs, English first.
    by_lang: tuple[tuple[str, str], ...]
    #: (language code, string) pairs from translation overlays; they win over ``by_lang``.
    overlay: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def get(self, lang: str | None = None) -> str:
        """Return the text in ``lang``: the overlay's, else the file's own, else English."""
        wanted = lang or DEFAULT_LANGUAGE
        for code, value in self.overlay:
            if code == wanted:
                return value
        values = dict(self.by_lang)
        if values.get(wanted):
            return values[wanted]
        source = values[DEFAULT_LANGUAGE]
        return source if wanted == DEFAULT_LANGUAGE else SourceText(source)

    def has(self, lang: str | None) -> bool:
        """Tell whether this text exists in ``lang`` itself (False: :meth:`get` falls back)."""
        wanted = lang or DEFAULT_LANGUAGE
        return any(code == wanted for code, _ in self.overlay) or any(code == wanted for code, _ in self.by_lang)

    def with_overlay(self, lang: str, value: str) -> "Text":
        """Return a copy that shows ``value`` in ``lang`` (a translation overlay's text)."""
        kept = tuple((code, v) for code, v in self.overlay if code != lang)
        return Text(self.by_lang, kept + ((lang, value),))

    def __str__(self) -> str:
        return self.get(DEFAULT_LANGUAGE)

    def to_plain(self) -> str | dict[str, str]:
        """Return the YAML/JSON form: a plain string when only English exists."""
        if len(self.by_lang) == 1:
            return self.by_lang[0][1]
        return dict(self.by_lang)

    @classmethod
    def from_plain(cls, value: str | dict[str, str]) -> "Text":
        """Build from a plain string or a {lang: string} mapping (already validated)."""
        if isinstance(value, str):
            return cls(((DEFAULT_LANGUAGE, value),))
        items = sorted(value.items(), key=lambda kv: (kv[0] != DEFAULT_LANGUAGE, kv[0]))
        return cls(tuple((str(k), str(v)) for k, v in items))


@dataclass(frozen=True)
class Practice:
    """One documented practice, scored on five levels."""

    id: str  #: stable id, e.g. "B3"; never reused for another meaning
    dimension_key: str  #: key of the dimension it belongs to
    title: Text
    good_looks_like: Text  #: one paragraph: what good looks like
    sources: tuple[str, ...]  #: source article ids, e.g. ("000", "004")
    merges: tuple[str, ...]  #: catalogue ids merged into this practice (may be empty)
    levels: tuple[Text, ...]  #: five descriptors; levels[0] is level 1 (Initial)
    next_steps: tuple[Text, ...]  #: four steps; next_steps[0] takes level 1 to level 2
    evidence_prompts: tuple[Text, ...]
    weight: float = 1.0
    default_target: int = 3
    register_checks: tuple[str, ...] = ()  #: keys from cxgov.framework.checks.REGISTER_CHECKS
    owner_hint: str | None = None  #: register role that usually owns the next step, e.g. "sponsor"
    #: crosswalk: (reference model key, element ids) pairs, in the file's order
    references: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: practices whose next steps should come first (acyclic across the framework)
    depends_on: tuple[str, ...] = ()
    #: one of EFFORTS per next step (empty when the file does not say)
    next_step_effort: tuple[str, ...] = ()

    def references_to(self, model_key: str) -> tuple[str, ...]:
        """Return the element ids of reference model ``model_key`` this practice covers."""
        return dict(self.references).get(model_key, ())

    def effort(self, level: int) -> str | None:
        """Return the effort of the step from ``level`` (1..4) to the next, if the file says."""
        if 1 <= level <= len(self.next_step_effort):
            return self.next_step_effort[level - 1]
        return None

    def level_text(self, level: int, lang: str | None = None) -> str:
        """Return the descriptor of ``level`` (1..5)."""
        return self.levels[level - 1].get(lang)

    def next_step(self, level: int, lang: str | None = None) -> str | None:
        """Return the step that takes a practice at ``level`` (1..4) to the next; None at 5."""
        if 1 <= level <= len(self.next_steps):
            return self.next_steps[level - 1].get(lang)
        return None


@dataclass(frozen=True)
class Dimension:
    """A group of practices, e.g. "Insight and feedback loops"."""

    key: str  #: stable key, e.g. "insight"
    code: str  #: the letter practice ids start with, e.g. "A"
    title: Text
    description: Text
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class Stage:
    """A named maturity stage of the 0-100 index; applies from ``min_index`` upwards."""

    key: str
    name: Text
    min_index: float
    description: Text | None = None


@dataclass(frozen=True)
class ScoringOptions:
    """How respondents' answers are consolidated; read by the pure scoring engine."""

    aggregation: str = "median"  #: "median" or "mean" of respondents' levels per practice
    na_policy: str = "exclude"  #: N/A and don't-know answers are left out of every average
    disagreement_spread: float = 1.0  #: population std-dev of levels above which we flag disagreement
    low_sample: int = 3  #: fewer answers than this flags a practice as low-sample
    perception_gap: float = 1.0  #: leadership-vs-front-line difference (levels) that is flagged


@dataclass(frozen=True)
class ReferenceModel:
    """A recognised model practices are cross-walked to, e.g. ISO 23592."""

    key: str  #: e.g. "iso-23592"
    title: Text
    #: (element id, element title) pairs in the file's order, e.g. ("5.1", "Vision and strategy")
    elements: tuple[tuple[str, Text], ...]

    def element_title(self, element_id: str, lang: str | None = None) -> str:
        """Return the title of ``element_id`` (KeyError if unknown)."""
        return dict(self.elements)[element_id].get(lang)


@dataclass(frozen=True)
class Profile:
    """A target profile a cycle chooses: default targets and practices that may be skipped."""

    key: str  #: e.g. "essentials"
    name: Text
    description: Text
    targets: tuple[tuple[str, int], ...]  #: (practice id, default target) pairs
    optional: tuple[str, ...] = ()  #: practices that may be skipped (not scored as gaps)

    def target_for(self, practice: Practice) -> int:
        """Return this profile's default target for ``practice`` (the practice's own if unset)."""
        return dict(self.targets).get(practice.id, practice.default_target)

    def is_optional(self, practice_id: str) -> bool:
        """Tell whether ``practice_id`` may be skipped in this profile."""
        return practice_id in self.optional


@dataclass(frozen=True)
class PracticeMapping:
    """How one practice of this version relates to the previous version."""

    practice_id: str  #: the id in this version
    from_ids: tuple[str, ...]  #: ids in the previous version (empty for "new")
    change: str  #: one of CHANGES


@dataclass(frozen=True)
class VersionMap:
    """How a framework version maps onto its previous version, practice by practice."""

    from_version: str  #: e.g. "1.0"
    practices: tuple[PracticeMapping, ...]  #: one per practice of this version
    retired: tuple[str, ...] = ()  #: previous ids with no successor

    def mapping(self, practice_id: str) -> PracticeMapping | None:
        """Return the mapping of ``practice_id`` (a current id), or None if it has none."""
        for entry in self.practices:
            if entry.practice_id == practice_id:
                return entry
        return None

    def previous_ids(self) -> set[str]:
        """Return every previous-version id the map accounts for (successors and retired)."""
        return {i for entry in self.practices for i in entry.from_ids} | set(self.retired)


@dataclass(frozen=True)
class Framework:
    """A complete, validated maturity framework."""

    key: str
    version: str
    title: Text
    description: Text
    level_names: tuple[Text, ...]  #: five names: Initial, Emerging, Defined, Managed, Leading
    dimensions: tuple[Dimension, ...]
    stages: tuple[Stage, ...]  #: ascending by min_index; the first starts at 0
    scoring: ScoringOptions
    #: crosswalk targets; practices' ``references`` name these keys
    reference_models: tuple[ReferenceModel, ...] = ()
    #: target profiles a cycle chooses from (empty: the practices' own default targets)
    profiles: tuple[Profile, ...] = ()
    #: how this version relates to the previous one (None for a first version)
    version_map: VersionMap | None = None
    #: sha256 of the canonical JSON snapshot; identifies this exact content
    content_hash: str = field(default="", compare=False)

    @property
    def practices(self) -> tuple[Practice, ...]:
        """All practices in framework order."""
        return tuple(p for d in self.dimensions for p in d.practices)

    def iter_practices(self) -> Iterator[Practice]:
        for dimension in self.dimensions:
            yield from dimension.practices

    def practice(self, practice_id: str) -> Practice:
        """Return the practice with ``practice_id`` (KeyError if unknown)."""
        for p in self.iter_practices():
            if p.id == practice_id:
                return p
        raise KeyError(practice_id)

    def dimension(self, key: str) -> Dimension:
        """Return the dimension with ``key`` (KeyError if unknown)."""
        for d in self.dimensions:
            if d.key == key:
                return d
        raise KeyError(key)

    def reference_model(self, key: str) -> ReferenceModel:
        """Return the reference model with ``key`` (KeyError if unknown)."""
        for model in self.reference_models:
            if model.key == key:
                return model
        raise KeyError(key)

    def profile(self, key: str | None) -> Profile | None:
        """Return the profile with ``key``, or None (unknown key, or no profiles at all)."""
        for profile in self.profiles:
            if profile.key == key:
                return profile
        return None

    def target_for(self, practice: Practice, profile_key: str | None = None) -> int:
        """Return the default target of ``practice`` under ``profile_key`` (or its own)."""
        profile = self.profile(profile_key)
        return profile.target_for(practice) if profile else practice.default_target

    def stage_for(self, index: float) -> Stage:
        """Return the stage an index value (0-100) falls in."""
        current = self.stages[0]
        for stage in self.stages:
            if index >= stage.min_index:
                current = stage
        return current

    # -- snapshots -----------------------------------------------------------------
    def to_snapshot(self) -> dict[str, Any]:
        """Return the framework as plain JSON-serialisable data (the YAML's normal form)."""

        def texts(items: tuple[Text, ...]) -> list[Any]:
            return [t.to_plain() for t in items]

        return {
            "key": self.key,
            "version": self.version,
            "title": self.title.to_plain(),
            "description": self.description.to_plain(),
            "level_names": texts(self.level_names),
            "scoring": {
                "aggregation": self.scoring.aggregation,
                "na_policy": self.scoring.na_policy,
                "disagreement_spread": self.scoring.disagreement_spread,
                "low_sample": self.scoring.low_sample,
                "perception_gap": self.scoring.perception_gap,
            },
            "stages": [
                {
                    "key": s.key,
                    "name": s.name.to_plain(),
                    "min_index": s.min_index,
                    **({"description": s.description.to_plain()} if s.description else {}),
                }
                for s in self.stages
            ],
            "dimensions": [
                {
                    "key": d.key,
                    "code": d.code,
                    "title": d.title.to_plain(),
                    "description": d.description.to_plain(),
                    "practices": [
                        {
                            "id": p.id,
                            "title": p.title.to_plain(),
                            "good_looks_like": p.good_looks_like.to_plain(),
                            "sources": list(p.sources),
                            "merges": list(p.merges),
                            "levels": texts(p.levels),
                            "next_steps": texts(p.next_steps),
                            "evidence_prompts": texts(p.evidence_prompts),
                            "weight": p.weight,
                            "default_target": p.default_target,
                            "register_checks": list(p.register_checks),
                            "owner_hint": p.owner_hint,
                            **_practice_extras(p),
                        }
                        for p in d.practices
                    ],
                }
                for d in self.dimensions
            ],
            **self._extras_snapshot(),
        }

    def _extras_snapshot(self) -> dict[str, Any]:
        """Return the 1.1 top-level fields; absent when empty so 1.0 content hashes never move."""
        extras: dict[str, Any] = {}
        if self.reference_models:
            extras["reference_models"] = {
                m.key: {"title": m.title.to_plain(), "elements": {eid: t.to_plain() for eid, t in m.elements}}
                for m in self.reference_models
            }
        if self.profiles:
            extras["profiles"] = [
                {
                    "key": p.key,
                    "name": p.name.to_plain(),
                    "description": p.description.to_plain(),
                    "targets": dict(p.targets),
                    "optional": list(p.optional),
                }
                for p in self.profiles
            ]
        if self.version_map is not None:
            extras["version_map"] = {
                "from": self.version_map.from_version,
                "practices": {
                    m.practice_id: {"from": list(m.from_ids), "change": m.change} for m in self.version_map.practices
                },
                "retired": list(self.version_map.retired),
            }
        return extras

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> "Framework":
        """Rebuild a framework from :meth:`to_snapshot` output (trusted, already validated)."""
        t = Text.from_plain
        scoring = ScoringOptions(**data["scoring"])
        dimensions = tuple(
            Dimension(
                key=d["key"],
                code=d["code"],
                title=t(d["title"]),
                description=t(d["description"]),
                practices=tuple(
                    Practice(
                        id=p["id"],
                        dimension_key=d["key"],
                        title=t(p["title"]),
                        good_looks_like=t(p["good_looks_like"]),
                        sources=tuple(p["sources"]),
                        merges=tuple(p.get("merges", ())),
                        levels=tuple(t(x) for x in p["levels"]),
                        next_steps=tuple(t(x) for x in p["next_steps"]),
                        evidence_prompts=tuple(t(x) for x in p["evidence_prompts"]),
                        weight=float(p["weight"]),
                        default_target=int(p["default_target"]),
                        register_checks=tuple(p.get("register_checks", ())),
                        owner_hint=p.get("owner_hint"),
                        references=tuple(
                            (str(k), tuple(str(e) for e in v)) for k, v in (p.get("references") or {}).items()
                        ),
                        depends_on=tuple(p.get("depends_on") or ()),
                        next_step_effort=tuple(p.get("next_step_effort") or ()),
                    )
                    for p in d["practices"]
                ),
            )
            for d in data["dimensions"]
        )
        stages = tuple(
            Stage(
                key=s["key"],
                name=t(s["name"]),
                min_index=float(s["min_index"]),
                description=t(s["description"]) if s.get("description") else None,
            )
            for s in data["stages"]
        )
        framework = cls(
            key=data["key"],
            version=str(data["version"]),
            title=t(data["title"]),
            description=t(data["description"]),
            level_names=tuple(t(x) for x in data["level_names"]),
            dimensions=dimensions,
            stages=stages,
            scoring=scoring,
            reference_models=tuple(
                ReferenceModel(
                    key=str(k),
                    title=t(v["title"]),
                    elements=tuple((str(eid), t(et)) for eid, et in v["elements"].items()),
                )
                for k, v in (data.get("reference_models") or {}).items()
            ),
            profiles=tuple(
                Profile(
                    key=p["key"],
                    name=t(p["name"]),
                    description=t(p["description"]),
                    targets=tuple((str(k), int(v)) for k, v in p["targets"].items()),
                    optional=tuple(p.get("optional") or ()),
                )
                for p in (data.get("profiles") or ())
            ),
            version_map=_version_map_from(data.get("version_map")),
        )
        return framework.with_hash()

    def with_hash(self) -> "Framework":
        """Return a copy whose ``content_hash`` is computed from its snapshot."""
        canonical = json.dumps(self.to_snapshot(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)
        return self


def _practice_extras(p: Practice) -> dict[str, Any]:
    """Return a practice's 1.1 fields for its snapshot; absent when empty (stable 1.0 hashes)."""
    extras: dict[str, Any] = {}
    if p.references:
        extras["references"] = {k: list(v) for k, v in p.references}
    if p.depends_on:
        extras["depends_on"] = list(p.depends_on)
    if p.next_step_effort:
        extras["next_step_effort"] = list(p.next_step_effort)
    return extras


def _version_map_from(data: dict[str, Any] | None) -> VersionMap | None:
    """Rebuild a VersionMap from its snapshot form (None stays None)."""
    if not data:
        return None
    return VersionMap(
        from_version=str(data["from"]),
        practices=tuple(
            PracticeMapping(practice_id=str(pid), from_ids=tuple(v.get("from") or ()), change=str(v["change"]))
            for pid, v in data["practices"].items()
        ),
        retired=tuple(data.get("retired") or ()),
    )
