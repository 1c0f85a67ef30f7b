"""Frozen, typed objects for a maturity framework loaded from ``assessments/*.yaml``.

Everything here is plain data: no Flask, no database. A framework is immutable once
loaded, and it round-trips through :meth:`Framework.to_snapshot` /
:meth:`Framework.from_snapshot` so that a cycle can keep the exact framework it ran with.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

DEFAULT_LANGUAGE = "en"
LEVEL_NUMBERS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Text:
    """A piece of framework text in one or more languages; English is always present."""

    #: (language code, string) pairs, English first.
    by_lang: tuple[tuple[str, str], ...]

    def get(self, lang: str | None = None) -> str:
        """Return the text in ``lang``, falling back to English."""
        values = dict(self.by_lang)
        return values.get(lang or DEFAULT_LANGUAGE) or values[DEFAULT_LANGUAGE]

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
                        }
                        for p in d.practices
                    ],
                }
                for d in self.dimensions
            ],
        }

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
        )
        return framework.with_hash()

    def with_hash(self) -> "Framework":
        """Return a copy whose ``content_hash`` is computed from its snapshot."""
        canonical = json.dumps(self.to_snapshot(), sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)
        return self
