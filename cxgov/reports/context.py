"""The report context: every number and sentence a gap report shows, as plain frozen data.

One :class:`ReportContext` feeds both the HTML report page and the PDF, so the two can
never disagree. It is built by :func:`build_report_context` from plain inputs (a framework,
a scored :class:`~cxgov.scoring.engine.CycleResult`, the register health report, owner
names, evidence notes, actions); it never holds ORM objects, so it can be hashed, cached,
pickled to a worker process and tested without a database.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
import types
import typing
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from babel.dates import format_date

from cxgov import numbers
from cxgov.charts import DEFAULT_ACCENT
from cxgov.framework.changes import practice_change_label, version_change_lines
from cxgov.framework.checks import OWNER_HINT_LABELS, OWNER_HINT_ROLES
from cxgov.framework.model import DEFAULT_LANGUAGE, Framework, MixedText, SourceText, text_join
from cxgov.framework.translations import shows_fallback
from cxgov.scoring.engine import REGISTER_FAILING_FACTOR, CycleResult, PracticeResult

from . import narrative as markup
from .i18n import gettext as _
from .i18n import ngettext
from .narrative import Block
from .roadmap import DEFAULT_PER_QUARTER, MAX_PER_QUARTER, next_periods, prerequisites, roadmap_sequence
from .stories import ActionFacts, PracticeFacts, Side, Story, auto_draft

#: How many gaps the prioritised list shows.
TOP_GAPS = 10
#: Offending register rows shown per failing check (the full register is in the XLSX export).
EVIDENCE_ROWS = 5
#: Distinct evidence notes shown per practice (the rest are counted; all are in the XLSX export).
NOTES_PER_PRACTICE = 4


# -- plain inputs ------------------------------------------------------------------------
@dataclass(frozen=True)
class OrgInfo:
    """The organisation as the report needs it."""

    name: str
    slug: str = ""
    language: str = "en"
    #: the logo as a ``data:`` URI or a ``cxgov-asset:<id>`` reference; None without a logo
    logo: str | None = None
    #: (group key, label) of the organisation's respondent groups
    group_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Branding:
    """Who prepared the report, and the look of their firm."""

    prepared_by: str = ""
    firm_name: str = ""
    accent: str = DEFAULT_ACCENT
    firm_logo: str | None = None  #: ``data:`` URI or ``cxgov-asset:<id>``


@dataclass(frozen=True)
class ActionInfo:
    """One action of the action plan, as the follow-up section needs it."""

    practice_id: str
    title: str
    owner: str
    status: str  #: planned | in_progress | done | dropped
    due: date | None = None
    completed: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Narrative:
    """What the consultant wrote for this report (empty fields fall back to the automatic draft)."""

    summary: str = ""
    key_messages: tuple[str, ...] = ()
    gap_comments: tuple[tuple[str, str], ...] = ()  #: (practice id, comment)
    per_quarter: int = DEFAULT_PER_QUARTER  #: roadmap steps per quarter


# Read-only members (properties), so the register's frozen dataclasses fit without copying.
class _CheckLike(Protocol):  # the register's CheckResult, read by attribute
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def offending(self) -> Sequence[Any]: ...
    @property
    def practice_ids(self) -> tuple[str, ...]: ...


class HealthLike(Protocol):
    """The register's HealthReport, read by attribute (results, score)."""

    @property
    def results(self) -> Sequence[_CheckLike]: ...
    @property
    def score(self) -> float: ...


# -- the context -------------------------------------------------------------------------
@dataclass(frozen=True)
class Cover:
    org_name: str
    org_logo: str | None
    period: str
    framework_title: str
    framework_version: str
    prepared_by: str
    firm_name: str
    firm_logo: str | None
    accent: str
    date: str  #: ISO date the report was generated


@dataclass(frozen=True)
class PracticeRef:
    """A practice named in the summary: id, title and its numbers."""

    id: str
    title: str
    level: float | None
    target: int
    gap: float | None


@dataclass(frozen=True)
class Summary:
    index: float | None
    stage: str
    stage_description: str
    change: float | None  #: index points since the previous closed cycle
    previous_period: str | None
    n_respondents: int
    strongest: tuple[PracticeRef, ...]
    top_gaps: tuple[PracticeRef, ...]
    health_score: float | None
    failing_checks: int
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class RadarData:
    axes: tuple[str, ...]
    current: tuple[float | None, ...]
    target: tuple[float | None, ...]
    previous: tuple[float | None, ...] | None


@dataclass(frozen=True)
class TrendSeries:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class VersionMark:
    """Where the trend's framework version changes: the first quarter on ``version``."""

    period: str
    version: str


@dataclass(frozen=True)
class TrendData:
    periods: tuple[str, ...]
    index: tuple[float | None, ...]
    dimensions: tuple[TrendSeries, ...]
    #: one sentence per framework version change inside the trend ("From 2026-Q2 ... 1.1")
    version_notes: tuple[str, ...] = ()
    #: the same changes, drawn on the chart as labelled marks
    version_marks: tuple[VersionMark, ...] = ()


@dataclass(frozen=True)
class GroupScore:
    label: str
    level: float | None
    n: int


@dataclass(frozen=True)
class Note:
    """One evidence note, written by ``count`` respondents of the groups in ``who``."""

    who: str  #: respondent group labels, comma-separated (notes are shown without names)
    text: str
    count: int = 1


@dataclass(frozen=True)
class PracticeRow:
    id: str
    title: str
    level: float | None
    target: int
    gap: float | None
    spread: float | None
    n_answers: int
    n_na: int
    n_dont_know: int
    disagreement: bool
    low_sample: bool
    change: float | None
    perception_gap: float | None
    perception_flag: bool
    group_scores: tuple[GroupScore, ...]  #: only where a perception gap is flagged
    failing_checks: tuple[str, ...]  #: titles of the failing register checks
    notes: tuple[Note, ...]
    more_notes: int
    #: how the practice changed since the previous quarter's framework version ("" when it
    #: did not, or the previous quarter ran on the same version)
    change_note: str = ""

    def flags(self) -> list[str]:
        """Return the practice's warnings in words (page, PDF and Word print the same ones)."""
        flags = [self.change_note] if self.change_note else []
        if self.disagreement:
            flags.append(_("Respondents disagree (spread %(s)s)", s=numbers.fmt_number(self.spread, 2)))
        if self.low_sample:
            flags.append(
                ngettext("Only %(num)d answer", "Only %(num)d answers", self.n_answers)
                if self.n_answers
                else _("No answers")
            )
        if self.perception_flag:
            groups = ", ".join(f"{g.label} {numbers.fmt_level(g.level)}" for g in self.group_scores)
            flags.append(_("Perception gap %(g)s", g=numbers.fmt_signed(self.perception_gap, 1)) + ": " + groups)
        flags += [_("Register: %(t)s — fails", t=t) for t in self.failing_checks]
        return flags


@dataclass(frozen=True)
class DimensionSection:
    key: str
    code: str
    title: str
    description: str
    score: float | None
    index: float | None
    target: float | None
    gap: float | None
    change: float | None
    perception_gap: float | None
    perception_flag: bool
    practices: tuple[PracticeRow, ...]


@dataclass(frozen=True)
class GapItem:
    rank: int
    practice_id: str
    title: str
    dimension: str
    level: float | None
    target: int
    gap: float
    priority: float
    next_step: str | None
    owner: str  #: one named person from the register, or the role to fill
    owner_from_register: bool  #: False when no one in the register fits: ``owner`` is a role
    register_failing: bool
    owner_role: str = ""  #: the role the step text names (its subject), as a label
    effort: str = ""  #: small | medium | large, when the framework says
    current_text: str = ""  #: descriptor of the current level (rounded down)
    target_text: str = ""  #: descriptor of the target level
    current_step: int = 0  #: the level the current descriptor describes
    evidence: str = ""  #: confirmed | contradicted | missing | "" (no register check applies)
    comment: tuple[Block, ...] = ()  #: the consultant's comment
    confidence: str = ""  #: how far the finding can be trusted: answers per group, agreement
    change_note: str = ""  #: as PracticeRow.change_note


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    kind: str


@dataclass(frozen=True)
class EvidenceCheck:
    key: str
    title: str
    status: str  #: fail | warn
    count: int
    rows: tuple[EvidenceRow, ...]
    more: int  #: offending rows not shown
    practices: tuple[str, ...]  #: ids of the practices this check evidences


@dataclass(frozen=True)
class ActionRow:
    practice_id: str
    practice_title: str
    title: str
    owner: str
    status: str
    due: str | None
    completed: str | None
    score_change: float | None
    warning: str = ""  #: a done action whose check still fails or whose score did not move


@dataclass(frozen=True)
class ActionFollowUp:
    done: tuple[ActionRow, ...]
    overdue: tuple[ActionRow, ...]
    open: tuple[ActionRow, ...]

    @property
    def empty(self) -> bool:
        return not (self.done or self.overdue or self.open)


@dataclass(frozen=True)
class Method:
    respondents: tuple[tuple[str, int], ...]  #: (group label, respondents)
    n_respondents: int
    aggregation: str
    formulas: tuple[tuple[str, str], ...]  #: (heading, explanation)
    framework_key: str
    framework_version: str
    framework_hash: str
    data_timestamp: str
    health_checked: bool
    data_date: str = ""  #: the data timestamp as a date in words
    profile: str = ""  #: the framework profile the cycle used, in words
    register_state: str = "ok"  #: ok | thin | empty | unchecked
    confidence: tuple[str, ...] = ()  #: sentences: sample per group, low samples, disagreement
    low_sample_groups: tuple[str, ...] = ()
    #: when the trend spans an earlier framework version: which practices are new or changed
    version_changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NarrativeView:
    summary: tuple[Block, ...]
    key_messages: tuple[str, ...]
    automatic: bool  #: True while nobody has edited the summary
    summary_text: str  #: the source text (the editor's starting point)


@dataclass(frozen=True)
class RoadmapStep:
    practice_id: str
    title: str
    step: str
    effort: str
    owner: str
    owner_from_register: bool
    owner_role: str
    after: tuple[str, ...]  #: ids of the roadmap's steps this one waits for


@dataclass(frozen=True)
class RoadmapQuarter:
    period: str
    steps: tuple[RoadmapStep, ...]


@dataclass(frozen=True)
class RoadmapView:
    per_quarter: int
    quarters: tuple[RoadmapQuarter, ...]
    later: tuple[RoadmapStep, ...]


@dataclass(frozen=True)
class HeatRow:
    id: str
    title: str
    level: float | None
    levels: tuple[float | None, ...]  #: one per heatmap group


@dataclass(frozen=True)
class HeatGroup:
    label: str
    n: int
    low_sample: bool


@dataclass(frozen=True)
class Heatmap:
    groups: tuple[HeatGroup, ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class ReportContext:
    """Everything the report shows, in the order it shows it."""

    language: str
    cover: Cover
    summary: Summary
    radar: RadarData
    trend: TrendData
    dimensions: tuple[DimensionSection, ...]
    gaps: tuple[GapItem, ...]
    evidence: tuple[EvidenceCheck, ...]
    health_score: float | None
    actions: ActionFollowUp
    method: Method
    narrative: NarrativeView = NarrativeView((), (), True, "")
    stories: tuple[Story, ...] = ()
    roadmap: RoadmapView = RoadmapView(DEFAULT_PER_QUARTER, (), ())
    heatmap: Heatmap = Heatmap((), ())
    status: str = "draft"  #: draft | issued
    version: int | None = None  #: the issued version's number
    issued_on: str = ""  #: the issue date in words
    generated_at: str = field(default="")  #: left out of the hash
    #: the anonymised benchmark (cxgov.portfolio.benchmark.BenchmarkView), None when not shown
    benchmark: Any = None
    #: one short sentence when some framework text is shown in English because its translation
    #: into the report's language is missing; "" otherwise
    translation_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the context as plain JSON-able data.

        JSON keeps no ``SourceText`` (framework text shown in English because its translation is
        missing), so where each one sits is listed under ``source_texts``: an issued version
        rebuilt from its stored JSON still marks that text ``lang="en"`` (WCAG 3.1.2).
        """
        data = asdict(self)  # asdict deep-copies, which keeps the SourceText and MixedText classes
        marked = list(_source_text_paths(data, ()))
        paths = [list(path) for path, text in marked if isinstance(text, SourceText)]
        if paths:
            data[SOURCE_TEXTS_KEY] = paths
        # A sentence holding English (a MixedText): its path and where the English sits in it.
        sentences = [[list(path), _english_spans(text)] for path, text in marked if isinstance(text, MixedText)]
        if sentences:
            data[MIXED_TEXTS_KEY] = sentences
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ReportContext":
        """Rebuild a context from :meth:`to_dict` data (an issued version's stored context)."""
        plain: dict[str, Any] = dict(data)
        for path in plain.pop(SOURCE_TEXTS_KEY, None) or ():
            plain = _marked_at(plain, tuple(path), SourceText)
        for path, spans in plain.pop(MIXED_TEXTS_KEY, None) or ():
            plain = _marked_at(plain, tuple(path), functools.partial(_with_english_at, spans=spans))
        return _decode(cls, plain)

    def context_hash(self) -> str:
        """Return sha256 of the canonical JSON without the generation time (the PDF cache key)."""
        data = self.to_dict()
        data.pop("generated_at", None)
        data["cover"].pop("date", None)
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


#: The key of :meth:`ReportContext.to_dict` data that lists where English fallback text sits.
SOURCE_TEXTS_KEY = "source_texts"
#: ... and the sentences holding some: ``[path, [[start, end], ...]]``, character offsets.
MIXED_TEXTS_KEY = "mixed_texts"


def _source_text_paths(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield the path (keys and indexes) of every ``SourceText`` and ``MixedText`` in ``to_dict`` data."""
    if isinstance(value, (SourceText, MixedText)):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _source_text_paths(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _source_text_paths(item, (*path, index))


def _english_spans(text: MixedText) -> list[list[int]]:
    """Return where the English pieces of ``text`` sit, as [start, end] character offsets."""
    spans, start = [], 0
    for part in text.parts:
        if isinstance(part, SourceText):
            spans.append([start, start + len(part)])
        start += len(part)
    return spans


def _with_english_at(text: str, spans: Any) -> str:
    """Return ``text`` with the pieces at ``spans`` marked English; spans that do not fit mark nothing."""
    pieces, start = [], 0
    for span in spans if isinstance(spans, list) else ():
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)):
            return text
        begin, end = span
        if not start <= begin < end <= len(text):
            return text
        pieces += [text[start:begin], SourceText(text[begin:end])]
        start = end
    return text_join([*pieces, text[start:]])


def _marked_at(value: Any, path: tuple[Any, ...], mark: Callable[[str], str]) -> Any:
    """Return ``value`` with the string at ``path`` marked by ``mark`` (copies along the path only).

    A path that does not fit the data (hand-edited JSON) changes nothing: a missing mark is
    better than a version that no longer opens.
    """
    if not path:
        return mark(value) if isinstance(value, str) else value
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _marked_at(value[head], rest, mark)}
    if isinstance(value, (list, tuple)) and isinstance(head, int) and 0 <= head < len(value):
        items = list(value)
        items[head] = _marked_at(items[head], rest, mark)
        return items
    return value


def _decode(kind: Any, value: Any) -> Any:
    """Turn JSON data back into the typed frozen dataclasses it came from (tuples, not lists)."""
    if value is None:
        return None
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(
            **{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(kind) if f.name in value}
        )
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _decode(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value))
    if kind is float and isinstance(value, int):
        return float(value)
    return value


@functools.lru_cache(maxsize=None)
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


_ACCENT_RE = re.compile(r"^#[0-9a-fA-F]{6}$|^#[0-9a-fA-F]{3}$")


def safe_accent(value: str | None) -> str:
    """Return ``value`` if it is a #rgb/#rrggbb colour, else the default accent."""
    if isinstance(value, str) and _ACCENT_RE.match(value):
        return value.lower()
    return DEFAULT_ACCENT


# -- owner roles -------------------------------------------------------------------------
def owner_role_label(hint: str | None) -> str:
    """Return the role label used when the register names nobody for an owner hint."""
    if hint is None:
        return _("CX sponsor")
    label = OWNER_HINT_LABELS.get(hint)
    return _(label) if label else hint.replace("_", " ").capitalize()


# Phrases for "the register confirms it: ..." in the summary, per check key.
def _register_phrase(key: str, count: int, title: str) -> str:
    phrases = {
        "touchpoints_unowned": ngettext("%(num)d touchpoint has no owner", "%(num)d touchpoints have no owner", count),
        "journeys_unowned": ngettext("%(num)d journey has no owner", "%(num)d journeys have no owner", count),
        "channels_without_manager": ngettext(
            "%(num)d channel has no channel manager", "%(num)d channels have no channel manager", count
        ),
        "sponsor": _("there is not exactly one active CX sponsor"),
        "ambassadors_per_channel": _("there are fewer ambassadors than channels"),
        "customer_board": _("there is no customer board with at least three members"),
        "insight_manager": _("no insight manager is named"),
        "complaints_channel": _("no complaints channel is registered"),
        "omnichannel_lead": _("nobody is responsible for all channels"),
        "service_promise": _("the service promise is not written down"),
        "delegated_mandates": _("no delegated mandates are recorded"),
        "inactive_owners": ngettext(
            "%(num)d item is owned by an inactive person", "%(num)d items are owned by inactive people", count
        ),
        "owner_concentration": _("one person owns more than a quarter of all touchpoints"),
        "touchpoints_reviewed": ngettext(
            "%(num)d touchpoint has not been reviewed in two quarters",
            "%(num)d touchpoints have not been reviewed in two quarters",
            count,
        ),
    }
    return phrases.get(key) or _("the check \u201c%(title)s\u201d fails", title=title)


# -- number formatting: the project's one rounding (cxgov.numbers), re-exported for the templates
fmt_level = numbers.fmt_level
fmt_index = numbers.fmt_index
fmt_signed = numbers.fmt_signed


# -- the builder -------------------------------------------------------------------------
def build_report_context(
    *,
    org: OrgInfo,
    branding: Branding,
    framework: Framework,
    period: str,
    result: CycleResult,
    history: Sequence[tuple[str, CycleResult]] = (),
    health: HealthLike | None = None,
    owners: Mapping[str, str] | None = None,
    evidence_notes: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    actions: Iterable[ActionInfo] = (),
    generated_at: datetime,
    data_timestamp: datetime | None,
    top_n: int = TOP_GAPS,
    narrative: Narrative | None = None,
    register_state: str | None = None,
    profile: str = "",
) -> ReportContext:
    """Build the report context from plain data; ``history`` is oldest first, any periods.

    ``owners`` maps a practice's ``owner_hint`` (sponsor, insight_manager, ...) to the one
    person from the register accountable for it; ``evidence_notes`` maps a practice id to
    (group key, note) pairs. ``register_state`` (ok | thin | empty | unchecked) says whether
    the register holds enough to confirm anything; ``narrative`` is what the consultant wrote.
    """
    lang = org.language or "en"
    narrative = narrative or Narrative()
    if register_state is None:
        register_state = "ok" if health is not None else "unchecked"
    owners = owners or {}
    evidence_notes = evidence_notes or {}
    group_labels = dict(org.group_labels)

    def glabel(key: str) -> str:
        return group_labels.get(key) or key.replace("_", " ").capitalize()

    practices = {p.id: p for p in framework.practices}

    def title(pid: str) -> str:
        p = practices.get(pid)
        return p.title.get(lang) if p else pid

    quarters = quarters_of(period, result, history)
    series, previous_period = quarters.series, quarters.previous_period

    check_titles: dict[str, str] = {}
    failing_health: list[_CheckLike] = []
    if health is not None:
        for check in health.results:
            check_titles[check.key] = _(check.title)
            if check.status in ("fail", "warn"):
                failing_health.append(check)
    failing_health.sort(key=lambda c: (c.status != "fail", -int(c.count or 0), c.key))

    stage = framework.stage_for(result.index) if result.index is not None and framework.stages else None
    stage_name = stage.name.get(lang) if stage else ""

    def ref(p: PracticeResult) -> PracticeRef:
        return PracticeRef(id=p.practice_id, title=title(p.practice_id), level=p.level, target=p.target, gap=p.gap)

    top_gaps = result.top_gaps(top_n)
    health_by_key = {c.key: c for c in failing_health}

    summary = Summary(
        index=result.index,
        stage=stage_name,
        stage_description=stage.description.get(lang) if stage and stage.description else "",
        change=result.change,
        previous_period=previous_period,
        n_respondents=result.n_respondents,
        strongest=tuple(ref(p) for p in result.strongest(3)),
        top_gaps=tuple(ref(p) for p in top_gaps[:3]),
        health_score=float(health.score) if health is not None else None,
        failing_checks=sum(1 for c in failing_health if c.status == "fail"),
        sentences=_sentences(
            result=result,
            stage_name=stage_name,
            title=title,
            top_gaps=top_gaps,
            glabel=glabel,
            health_by_key=health_by_key if register_state == "ok" else {},
        ),
    )

    dim_titles = {d.key: d.title.get(lang) for d in framework.dimensions}
    radar = radar_data(framework, quarters, lang)

    spans_versions = any(r.framework_version != framework.version for _p, r in series)
    change_note = change_notes(framework, quarters)
    trend = trend_data(framework, quarters, lang)

    sections = []
    for dim in framework.dimensions:
        try:
            dres = result.dimension(dim.key)
        except KeyError:
            continue
        rows = []
        for p in dim.practices:
            try:
                pres = result.practice(p.id)
            except KeyError:
                continue
            notes = _grouped_notes(evidence_notes.get(p.id, ()), glabel)
            shown = notes[:NOTES_PER_PRACTICE]
            rows.append(
                PracticeRow(
                    id=p.id,
                    title=p.title.get(lang),
                    level=pres.level,
                    target=pres.target,
                    gap=pres.gap,
                    spread=pres.spread,
                    n_answers=pres.n_answers,
                    n_na=pres.n_na,
                    n_dont_know=pres.n_dont_know,
                    disagreement=pres.disagreement,
                    low_sample=pres.low_sample,
                    change=pres.change,
                    perception_gap=pres.perception_gap,
                    perception_flag=pres.perception_flag,
                    group_scores=(
                        tuple(
                            GroupScore(label=glabel(g), level=lvl, n=int(pres.group_counts.get(g, 0)))
                            for g, lvl in _ordered_groups(pres.group_levels, group_labels)
                        )
                        if pres.perception_flag
                        else ()
                    ),
                    failing_checks=tuple(check_titles.get(k, k) for k in pres.failing_checks),
                    notes=tuple(shown),
                    more_notes=len(notes) - len(shown),
                    change_note=change_note(p.id),
                )
            )
        sections.append(
            DimensionSection(
                key=dim.key,
                code=dim.code,
                title=dim.title.get(lang),
                description=dim.description.get(lang),
                score=dres.score,
                index=dres.index,
                target=dres.target,
                gap=dres.gap,
                change=dres.change,
                perception_gap=dres.perception_gap,
                perception_flag=dres.perception_flag,
                practices=tuple(rows),
            )
        )

    comments = {pid: text for pid, text in narrative.gap_comments if text.strip()}
    counts_by_practice = {p.practice_id: p for p in result.practices}
    gaps = []
    for rank, ranked in enumerate(top_gaps, start=1):
        fp = practices.get(ranked.practice_id)
        step_level = max(1, math.floor(ranked.level)) if ranked.level is not None else 1
        step = fp.next_step(step_level, lang) if fp else None
        # The role is read from the step's source text (English), never the translation, so a
        # Swedish report suggests the same owner as an English one.
        role = step_role(fp.next_step(step_level, DEFAULT_LANGUAGE) if fp else None, fp.owner_hint if fp else None)
        owner = owners.get(role) or (owners.get("sponsor") if role == "leadership" else None)
        if fp is None or not fp.register_checks:
            evidence_state = ""
        elif register_state != "ok":
            evidence_state = "missing"
        else:
            evidence_state = "confirmed" if ranked.register_failing else "contradicted"
        gaps.append(
            GapItem(
                rank=rank,
                practice_id=ranked.practice_id,
                title=title(ranked.practice_id),
                dimension=dim_titles.get(ranked.dimension_key, ranked.dimension_key),
                level=ranked.level,
                target=ranked.target,
                gap=float(ranked.gap or 0.0),
                priority=ranked.priority,
                next_step=step,
                owner=owner or owner_role_label(role),
                owner_from_register=bool(owner),
                register_failing=ranked.register_failing and register_state == "ok",
                owner_role=owner_role_label(role),
                effort=(fp.effort(step_level) or "") if fp else "",
                current_text=fp.level_text(step_level, lang) if fp else "",
                target_text=fp.level_text(min(5, max(1, ranked.target)), lang) if fp else "",
                current_step=step_level,
                evidence=evidence_state,
                comment=markup.parse(comments.get(ranked.practice_id, "")),
                confidence=_confidence(counts_by_practice[ranked.practice_id], glabel, group_labels),
                change_note=change_note(ranked.practice_id),
            )
        )

    roadmap = _roadmap(gaps, framework, period, narrative.per_quarter)
    heatmap = _heatmap(result, framework, title, glabel, group_labels)

    evidence = tuple(
        EvidenceCheck(
            key=c.key,
            title=_(c.title),
            status=c.status,
            count=int(c.count or 0),
            rows=tuple(
                EvidenceRow(label=str(_attr(r, "label")), kind=str(_attr(r, "kind") or ""))
                for r in list(c.offending)[:EVIDENCE_ROWS]
            ),
            more=max(0, int(c.count or 0) - min(EVIDENCE_ROWS, len(c.offending))),
            practices=tuple(c.practice_ids or ()),
        )
        for c in failing_health
    )

    follow_up = _follow_up(
        actions, result=result, title=title, check_titles=check_titles if register_state == "ok" else {}
    )

    respondents = tuple((glabel(g), n) for g, n in _ordered_groups(result.respondents_by_group, group_labels))
    method = Method(
        respondents=respondents,
        n_respondents=result.n_respondents,
        aggregation=result.aggregation,
        formulas=_formulas(framework),
        framework_key=framework.key,
        framework_version=framework.version,
        framework_hash=framework.content_hash,
        data_timestamp=data_timestamp.isoformat(timespec="seconds") if data_timestamp else "",
        health_checked=health is not None,
        data_date=human_date(data_timestamp, lang) if data_timestamp else "",
        profile=profile,
        register_state=register_state,
        confidence=_method_confidence(result, framework, glabel, group_labels),
        low_sample_groups=tuple(g.label for g in heatmap.groups if g.low_sample),
        version_changes=tuple(version_change_lines(framework, title=title, gettext=_)) if spans_versions else (),
    )

    cover = Cover(
        org_name=org.name,
        org_logo=org.logo,
        period=period,
        framework_title=framework.title.get(lang),
        framework_version=framework.version,
        prepared_by=branding.prepared_by,
        firm_name=branding.firm_name,
        firm_logo=branding.firm_logo,
        accent=safe_accent(branding.accent),
        date=human_date(generated_at, lang),
    )

    # The automatic draft: what the data says, for the consultant to start from.
    notes_by_group: dict[str, dict[str, list[str]]] = {}
    for pid, pairs in evidence_notes.items():
        for group, text in pairs:
            bucket = notes_by_group.setdefault(pid, {}).setdefault(group, [])
            if text.strip() and text.strip() not in bucket:
                bucket.append(text.strip())
    facts = []
    for pres in result.practices:
        fp = practices.get(pres.practice_id)
        facts.append(
            PracticeFacts(
                id=pres.practice_id,
                title=title(pres.practice_id),
                level=pres.level,
                target=pres.target,
                change=pres.change,
                previous_level=pres.previous_level,
                groups=tuple(
                    Side(
                        group=glabel(g),
                        level=lvl,
                        n=int(pres.group_counts.get(g, 0)),
                        notes=tuple(notes_by_group.get(pres.practice_id, {}).get(g, ())),
                    )
                    for g, lvl in _ordered_groups(pres.group_levels, group_labels)
                ),
                register_checks=fp.register_checks if fp else (),
                failing_checks=tuple(check_titles.get(k, k) for k in pres.failing_checks)
                if register_state == "ok"
                else (),
            )
        )
    done_facts = []
    for row in follow_up.done:
        try:
            failing = result.practice(row.practice_id).failing_checks
        except KeyError:
            failing = ()
        done_facts.append(
            ActionFacts(
                practice_id=row.practice_id,
                practice_title=row.practice_title,
                title=row.title,
                change=row.score_change,
                still_failing=tuple(check_titles.get(k, k) for k in failing) if register_state == "ok" else (),
            )
        )
    first = roadmap.quarters[0].steps if roadmap.quarters else ()
    draft = auto_draft(
        index=result.index,
        change=result.change,
        stage=stage_name,
        previous_period=previous_period,
        practices=facts,
        gap_ids=[g.practice_id for g in gaps],
        evidence_state=register_state,
        done_actions=done_facts,
        perception_threshold=framework.scoring.perception_gap,
        first_steps=[(st.practice_id, st.title, st.owner) for st in first],
    )
    summary_text = narrative.summary if narrative.summary.strip() else draft.summary
    messages = tuple(m.strip() for m in narrative.key_messages if m.strip()) or draft.key_messages
    narrative_view = NarrativeView(
        summary=markup.parse(summary_text),
        key_messages=messages,
        automatic=not narrative.summary.strip(),
        summary_text=summary_text,
    )
    return ReportContext(
        language=lang,
        cover=cover,
        summary=summary,
        radar=radar,
        trend=trend,
        dimensions=tuple(sections),
        gaps=tuple(gaps),
        evidence=evidence,
        health_score=summary.health_score,
        actions=follow_up,
        method=method,
        narrative=narrative_view,
        stories=draft.stories,
        roadmap=roadmap,
        heatmap=heatmap,
        generated_at=generated_at.isoformat(timespec="seconds"),
        translation_note=translation_note(framework, lang),
    )


# -- the quarter-by-quarter view that the report and the cycle dashboard both draw ----------
@dataclass(frozen=True)
class Quarters:
    """A cycle's result placed among the organisation's closed quarters (oldest first, each once)."""

    period: str
    result: CycleResult
    series: tuple[tuple[str, CycleResult], ...]
    previous_period: str | None  #: the quarter the cycle is compared with (None: no comparison)
    previous_result: CycleResult | None


def quarters_of(period: str, result: CycleResult, history: Sequence[tuple[str, CycleResult]]) -> Quarters:
    """Return ``result`` of ``period`` placed among ``history`` (closed quarters, any order)."""
    series = [(p, r) for p, r in history if p != period] + [(period, result)]
    series.sort(key=lambda item: item[0])
    current_pos = [p for p, _r in series].index(period)
    previous_period = series[current_pos - 1][0] if current_pos > 0 else None
    if result.previous_index is None:
        previous_period = None
    previous_result = series[current_pos - 1][1] if previous_period else None
    return Quarters(period, result, tuple(series), previous_period, previous_result)


def radar_data(framework: Framework, quarters: Quarters, lang: str) -> RadarData:
    """Return each dimension's score, target and previous score (the radar's or the bars' data)."""
    titles = {d.key: d.title.get(lang) for d in framework.dimensions}
    shown = [d for d in quarters.result.dimensions if d.key in titles]
    previous = quarters.previous_result
    return RadarData(
        axes=tuple(titles[d.key] for d in shown),
        current=tuple(d.score for d in shown),
        target=tuple(d.target for d in shown),
        previous=tuple(_dim_score(previous, d.key) for d in shown) if previous is not None else None,
    )


def trend_data(framework: Framework, quarters: Quarters, lang: str) -> TrendData:
    """Return the index and each dimension's index per quarter, with each version change marked."""
    series = quarters.series
    changes = [
        (period_now, before.framework_version, now.framework_version)
        for (_p, before), (period_now, now) in zip(series, series[1:])
        if before.framework_version != now.framework_version
    ]
    return TrendData(
        periods=tuple(p for p, _r in series),
        index=tuple(r.index for _p, r in series),
        dimensions=tuple(
            TrendSeries(name=d.title.get(lang), values=tuple(_dim_index(r, d.key) for _p, r in series))
            for d in framework.dimensions
        ),
        # A new framework version: the trend says where it starts, in words and on the chart.
        version_notes=tuple(
            _(
                "From %(period)s the framework is version %(after)s (before: %(before)s). The index and "
                "dimensions are compared as they are; a practice’s own history is read through the "
                "version map, and practices new in %(after)s have no earlier score.",
                period=period,
                after=after,
                before=before,
            )
            for period, before, after in changes
        ),
        version_marks=tuple(VersionMark(period=period, version=after) for period, _before, after in changes),
    )


def change_notes(framework: Framework, quarters: Quarters) -> Callable[[str], str]:
    """Return a function: practice id -> how it changed in this version ("" when it is no news).

    A change is news only when the quarter the cycle is compared with ran on an earlier
    version; between two quarters on one version every practice has its own history.
    """
    previous = quarters.previous_result
    crossed = previous is not None and previous.framework_version != framework.version

    def note(practice_id: str) -> str:
        return (practice_change_label(framework, practice_id, gettext=_) or "") if crossed else ""

    return note


def translation_note(framework: Framework, lang: str) -> str:
    """Return the report's note that some framework text is in English, or "" when none is."""
    if not shows_fallback(framework, lang):
        return ""
    return _("Some framework text is not translated yet and is shown in English.")


# -- helpers -----------------------------------------------------------------------------
def _attr(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _dim_score(result: CycleResult | None, key: str) -> float | None:
    if result is None:
        return None
    try:
        return result.dimension(key).score
    except KeyError:
        return None


def _dim_index(result: CycleResult, key: str) -> float | None:
    try:
        return result.dimension(key).index
    except KeyError:
        return None


def _grouped_notes(notes: Sequence[tuple[str, str]], glabel: Callable[[str], str]) -> list[Note]:
    """Merge notes with the same text (respondents often write the same words), in first-seen order.

    Texts match ignoring case and spacing; the first wording is kept, with every group that
    wrote it and how many respondents did.
    """
    merged: dict[str, tuple[str, list[str], int]] = {}
    for group, text in notes:
        key = " ".join(text.split()).casefold()
        first, groups, count = merged.get(key, (text.strip(), [], 0))
        label = glabel(group)
        merged[key] = (first, groups if label in groups else [*groups, label], count + 1)
    return [Note(who=", ".join(groups), text=text, count=count) for text, groups, count in merged.values()]


def _ordered_groups(values: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, Any]]:
    """Return (group, value) in the organisation's group order, unknown groups last."""
    order = {k: i for i, k in enumerate(labels)}
    return sorted(values.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def _sentences(
    *,
    result: CycleResult,
    stage_name: str,
    title: Callable[[str], str],
    top_gaps: list[PracticeResult],
    health_by_key: Mapping[str, _CheckLike],
    glabel: Callable[[str], str],
) -> tuple[str, ...]:
    """Write two or three sentences that say what the numbers say, and nothing else."""
    out: list[str] = []
    if result.index is None:
        return (_("Nobody has rated a practice in this cycle yet, so there is no index."),)
    idx = fmt_index(result.index)
    if result.change is None:
        out.append(_("The maturity index stands at %(index)s (%(stage)s).", index=idx, stage=stage_name))
    elif numbers.change_direction(result.change) == 0:
        out.append(_("The maturity index held steady at %(index)s (%(stage)s).", index=idx, stage=stage_name))
    elif result.change > 0:
        out.append(
            _(
                "The maturity index rose %(points)s points to %(index)s (%(stage)s).",
                points=fmt_index(abs(result.change)),
                index=idx,
                stage=stage_name,
            )
        )
    else:
        out.append(
            _(
                "The maturity index fell %(points)s points to %(index)s (%(stage)s).",
                points=fmt_index(abs(result.change)),
                index=idx,
                stage=stage_name,
            )
        )

    if top_gaps:
        g = top_gaps[0]
        sentence = _(
            "The gap that matters most is %(id)s %(title)s (level %(level)s against target %(target)d)",
            id=g.practice_id,
            title=title(g.practice_id),
            level=fmt_level(g.level),
            target=g.target,
        )
        confirming = [health_by_key[k] for k in g.failing_checks if k in health_by_key]
        if confirming:
            c = confirming[0]
            sentence += _(
                "; the register confirms it: %(evidence)s.",
                evidence=_register_phrase(c.key, int(c.count or 0), c.title),
            )
        else:
            sentence += "."
        out.append(sentence)
    else:
        out.append(_("Every rated practice is at or above its target."))

    flagged = result.perception_flags()
    movers = result.biggest_movers(1)
    if flagged:
        p = flagged[0]
        out.append(
            _(
                "Leadership and management see %(id)s %(title)s at %(upper)s, the front line at %(front)s.",
                id=p.practice_id,
                title=title(p.practice_id),
                upper=fmt_level(p.upper_level),
                front=fmt_level(p.frontline_level),
            )
        )
    elif movers:
        p = movers[0]
        verb = _("rose") if (p.change or 0) > 0 else _("fell")
        out.append(
            _(
                "The biggest move was %(id)s %(title)s, which %(verb)s from %(before)s to %(after)s.",
                id=p.practice_id,
                title=title(p.practice_id),
                verb=verb,
                before=fmt_level(p.previous_level),
                after=fmt_level(p.level),
            )
        )
    return tuple(out)


def _action_text(title: str, practice_id: str, practice_title: str) -> str:
    """Return an action's title without the practice's id and title it starts with."""
    for prefix in (f"{practice_id} {practice_title}", practice_id):
        if prefix and title.startswith(prefix):
            rest = title[len(prefix) :].lstrip(" :\u2013-")
            if rest:
                return rest[:1].upper() + rest[1:]
    return title


def _follow_up(
    actions: Iterable[ActionInfo], *, result: CycleResult, title: Callable[[str], str], check_titles: Mapping[str, str]
) -> ActionFollowUp:
    done, overdue, open_ = [], [], []
    for a in actions:
        try:
            pres = result.practice(a.practice_id)
            change, failing = pres.change, pres.failing_checks
        except KeyError:
            change, failing = None, ()
        warning = ""
        if a.status == "done":
            still = [check_titles[k] for k in failing if k in check_titles]
            if still:
                warning = _("Done, but the register check \u201c%(check)s\u201d still fails.", check=still[0])
            elif change is not None and numbers.change_direction(change, 1) <= 0:
                warning = _("Done, but the practice's level did not rise.")
        ptitle = title(a.practice_id)
        row = ActionRow(
            practice_id=a.practice_id,
            practice_title=ptitle,
            title=_action_text(a.title, a.practice_id, ptitle),
            owner=a.owner,
            status=a.status,
            due=a.due.isoformat() if a.due else None,
            completed=a.completed.isoformat() if a.completed else None,
            score_change=change,
            warning=warning,
        )
        if a.status == "done":
            done.append(row)
        elif a.status == "dropped":
            continue
        elif a.overdue:
            overdue.append(row)
        else:
            open_.append(row)
    key = lambda r: (r.due or "9999", r.practice_id, r.title)  # noqa: E731
    return ActionFollowUp(
        done=tuple(sorted(done, key=key)), overdue=tuple(sorted(overdue, key=key)), open=tuple(sorted(open_, key=key))
    )


# -- who does a step, how sure a finding is, the roadmap and the heatmap --------------------
#: How step texts name the role that acts (their subject), longest phrases first.
_ROLE_SUBJECTS = (
    ("customer service manager", "channel_manager"),
    ("omnichannel lead", "omnichannel_lead"),
    ("insight manager", "insight_manager"),
    ("complaints owner", "channel_manager"),
    ("channel manager", "channel_manager"),
    ("journey owner", "journey_owner"),
    ("customer board", "customer_board"),
    ("management team", "leadership"),
    ("cx sponsor", "sponsor"),
    ("cx team", "cx_team"),
    ("ambassador", "ambassador"),
    ("hr manager", "hr"),
    ("ceo", "leadership"),
)


def step_role(step: str | None, hint: str | None) -> str:
    """Return the role that acts in a next step: the one its text starts with, else the hint.

    A step reads "The management team approves ..."; its owner must be who the text says
    acts, not another role (the framework's hint is only the fallback).
    """
    head = (step or "").lower()[:40]
    found = [(head.find(phrase), role) for phrase, role in _ROLE_SUBJECTS if phrase in head]
    if found:
        return min(found)[1]
    return hint or "sponsor"


def human_date(moment: date | datetime, lang: str) -> str:
    """Return a date the way people write it ("25 November 2026"), in the report's language."""

    day = moment.date() if isinstance(moment, datetime) else moment
    try:
        return format_date(day, "long", locale=lang or "en")
    except Exception:  # an unknown locale: fall back to English rather than fail the report
        return format_date(day, "long", locale="en")


def _confidence(p: PracticeResult, glabel: Callable[[str], str], group_labels: Mapping[str, str]) -> str:
    """Return one sentence on how far a practice's finding can be trusted."""
    groups = ", ".join(f"{glabel(g)} {n}" for g, n in _ordered_groups(p.group_counts, group_labels) if n)
    text = ngettext("Based on %(num)d answer", "Based on %(num)d answers", p.n_answers)
    text += f" ({groups})" if groups else ""
    if p.low_sample:
        text += "; " + _("too few answers to rely on")
    if p.disagreement:
        text += "; " + _("respondents disagree (spread %(s)s)", s=numbers.fmt_number(p.spread, 2))
    return text + "."


def _method_confidence(
    result: CycleResult, framework: Framework, glabel: Callable[[str], str], group_labels: Mapping[str, str]
) -> tuple[str, ...]:
    """Return the method page's confidence statement, one sentence per point."""
    threshold = framework.scoring.low_sample
    out = []
    low = [(glabel(g), n) for g, n in _ordered_groups(result.respondents_by_group, group_labels) if n < threshold]
    for label, n in low:
        out.append(
            ngettext(
                "%(group)s has %(num)d respondent, below the framework's threshold of %(t)d: its group "
                "scores are indicative only.",
                "%(group)s has %(num)d respondents, below the framework's threshold of %(t)d: its group "
                "scores are indicative only.",
                n,
                group=label,
                t=threshold,
            )
        )
    disagree = [p.practice_id for p in result.practices if p.disagreement]
    if disagree:
        out.append(
            ngettext(
                "Respondents disagree on %(num)d practice (%(ids)s): its level is a compromise, not a shared view.",
                "Respondents disagree on %(num)d practices (%(ids)s): their "
                "levels are a compromise, not a shared view.",
                len(disagree),
                ids=", ".join(disagree),
            )
        )
    thin = [p.practice_id for p in result.practices if p.low_sample and p.n_answers]
    if thin:
        out.append(
            ngettext(
                "%(num)d practice has fewer than %(t)d answers (%(ids)s).",
                "%(num)d practices have fewer than %(t)d answers (%(ids)s).",
                len(thin),
                t=threshold,
                ids=", ".join(thin),
            )
        )
    if not out:
        out.append(_("Every group has enough respondents and they broadly agree."))
    return tuple(out)


def _roadmap(gaps: Sequence[GapItem], framework: Framework, period: str, per_quarter: int) -> RoadmapView:

    per_quarter = max(1, min(MAX_PER_QUARTER, int(per_quarter or DEFAULT_PER_QUARTER)))
    with_step = [g for g in gaps if g.next_step]
    depends = {p.id: p.depends_on for p in framework.practices}
    ids = [g.practice_id for g in with_step]
    sequenced = roadmap_sequence(ids, depends_on=depends, per_quarter=per_quarter)
    waits = prerequisites(ids, depends)
    by_id = {g.practice_id: g for g in with_step}

    def step(pid: str) -> RoadmapStep:
        g = by_id[pid]
        return RoadmapStep(
            practice_id=pid,
            title=g.title,
            step=g.next_step or "",
            effort=g.effort,
            owner=g.owner,
            owner_from_register=g.owner_from_register,
            owner_role=g.owner_role,
            after=tuple(i for i in ids if i in waits[pid]),
        )

    periods = next_periods(period, len(sequenced.quarters))
    return RoadmapView(
        per_quarter=per_quarter,
        quarters=tuple(
            RoadmapQuarter(period=q, steps=tuple(step(pid) for pid in pids))
            for q, pids in zip(periods, sequenced.quarters)
        ),
        later=tuple(step(pid) for pid in sequenced.later),
    )


def _heatmap(
    result: CycleResult,
    framework: Framework,
    title: Callable[[str], str],
    glabel: Callable[[str], str],
    group_labels: Mapping[str, str],
) -> Heatmap:
    groups = [g for g, n in _ordered_groups(result.respondents_by_group, group_labels) if n]
    threshold = framework.scoring.low_sample
    return Heatmap(
        groups=tuple(
            HeatGroup(
                label=glabel(g),
                n=int(result.respondents_by_group[g]),
                low_sample=result.respondents_by_group[g] < threshold,
            )
            for g in groups
        ),
        rows=tuple(
            HeatRow(
                id=p.practice_id,
                title=title(p.practice_id),
                level=p.level,
                levels=tuple(p.group_levels.get(g) for g in groups),
            )
            for p in result.practices
        ),
    )


def _formulas(framework: Framework) -> tuple[tuple[str, str], ...]:
    """Summarise the README's "Methodology" section for the appendix, with this framework's thresholds."""
    s = framework.scoring
    agg = _("the median") if s.aggregation == "median" else _("the mean")
    return (
        (
            _("Practice level"),
            _(
                "%(agg)s of the respondents' levels (1\u20135). N/A and don't know are left out of "
                "every average and counted separately.",
                agg=agg.capitalize(),
            ),
        ),
        (
            _("Spread and flags"),
            _(
                "Spread is the population standard deviation of the answers; disagreement is "
                "flagged at a spread of %(spread)s or more, a low sample below %(low)d answers.",
                spread=numbers.localize_digits(f"{s.disagreement_spread:g}"),
                low=s.low_sample,
            ),
        ),
        (
            _("Gap and priority"),
            _(
                "Gap = max(0, target \u2212 level). Priority = gap \u00d7 practice weight \u00d7 %(factor)s "
                "when a register check confirms the gap, else \u00d7 1.",
                factor=numbers.localize_digits(f"{REGISTER_FAILING_FACTOR:g}"),
            ),
        ),
        (
            _("Dimension score"),
            _("The weighted mean of its practices' levels; its target is the weighted mean of their targets."),
        ),
        (
            _("Maturity index"),
            _(
                "The weighted mean level of all rated practices, mapped to 0\u2013100 as "
                "(level \u2212 1) / 4 \u00d7 100; the stage is the last one whose threshold the index "
                "reaches."
            ),
        ),
        (
            _("Perception gap"),
            _(
                "Leadership and management pooled minus the front line, per practice; flagged at "
                "%(gap)s level or more.",
                gap=numbers.localize_digits(f"{s.perception_gap:g}"),
            ),
        ),
        (
            _("Change"),
            _(
                "Against the previous closed cycle's stored result: levels for practices, index "
                "points for dimensions and the index."
            ),
        ),
    )


# -- owners from the register ------------------------------------------------------------
def owners_from_snapshot(snapshot: Any, today: date) -> dict[str, str]:
    """Return owner_hint -> the one person accountable, from a register snapshot.

    A step needs one name, never "X and 4 more": for a role the first active holder (by
    name); for channel managers and journey owners, the person who manages or owns the
    most active channels or journeys. A hint the register cannot answer is left out, so the
    report names the role to fill instead.
    """
    owners: dict[str, str] = {}
    for hint, role in OWNER_HINT_ROLES.items():
        holders = [p.name for p in snapshot.active_role_holders(role, today)]
        if holders:
            owners[hint] = holders[0]
    people = snapshot.people_by_id

    def busiest(ids: Iterable[int | None]) -> str | None:
        counts: dict[int, int] = {}
        for pid in ids:
            p = people.get(pid) if pid is not None else None
            if p is not None and p.active:
                counts[p.id] = counts.get(p.id, 0) + 1
        if not counts:
            return None
        best = min(counts, key=lambda pid: (-counts[pid], people[pid].name.lower(), pid))
        return people[best].name

    manager = busiest(c.manager_id for c in snapshot.channels if c.active)
    if manager:
        owners["channel_manager"] = manager
    journey_owner = busiest(j.owner_id for j in snapshot.journeys if j.active)
    if journey_owner:
        owners["journey_owner"] = journey_owner
    return owners


def register_state_of(snapshot: Any) -> str:
    """Return ok | thin | empty: whether the register holds enough to confirm a gap."""
    people = [p for p in snapshot.people if p.active]
    touchpoints = [t for t in snapshot.touchpoints if t.active]
    if not people and not touchpoints:
        return "empty"
    if len(people) < THIN_PEOPLE or len(touchpoints) < THIN_TOUCHPOINTS:
        return "thin"
    return "ok"


#: Below these counts a register is too thin to confirm or contradict a gap.
THIN_PEOPLE = 3
THIN_TOUCHPOINTS = 5
