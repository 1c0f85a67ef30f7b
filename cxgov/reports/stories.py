"""Find the stories in a cycle's data and write the automatic first draft of the summary.

The consultant edits the draft; it only has to be a good start. It looks for what a board
would want told: where leadership and the front line see a practice differently (and what
each side wrote about it), what moved most since last quarter, which gaps the register
confirms or contradicts, and which finished actions did not move their practice. It never
says the register confirms anything when the register is empty or thin: that is missing
evidence, and the draft says so. Pure: plain data in, plain text out.

The sentences are joined with :func:`text_join`, never ``+`` or ``str.join``, so a practice
title shown in English (its translation missing) stays marked inside the draft
(:class:`~cxgov.framework.model.MixedText`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from cxgov.framework.model import text_join, text_parts
from cxgov.numbers import fmt_index, fmt_level, fmt_signed, round_half_up

from .i18n import gettext as _
from .i18n import ngettext


@dataclass(frozen=True)
class Side:
    """One side of a perception story: a respondent group, its level and what it wrote."""

    group: str
    level: float | None
    n: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Story:
    kind: str  #: perception | mover | confirmed | contradicted | missing_evidence | no_effect
    practice_id: str
    title: str
    text: str  #: one sentence that tells it
    high: Side | None = None  #: perception stories: the group that rates it highest
    low: Side | None = None  #: ... and lowest


@dataclass(frozen=True)
class PracticeFacts:
    """What the story finder needs to know about one practice."""

    id: str
    title: str
    level: float | None
    target: int
    change: float | None
    previous_level: float | None
    groups: tuple[Side, ...]  #: every group with answers, in the organisation's order
    register_checks: tuple[str, ...]  #: the framework's register checks for this practice
    failing_checks: tuple[str, ...]  #: titles of those that fail now


@dataclass(frozen=True)
class ActionFacts:
    practice_id: str
    practice_title: str
    title: str
    change: float | None
    still_failing: tuple[str, ...]  #: titles of the practice's register checks still failing


@dataclass(frozen=True)
class AutoDraft:
    summary: str  #: light-formatted text (see narrative.py)
    key_messages: tuple[str, ...]
    stories: tuple[Story, ...]


def _perception(practices: Sequence[PracticeFacts], threshold: float) -> list[Story]:
    out = []
    for p in practices:
        rated = [g for g in p.groups if g.level is not None and g.n > 0]
        if len(rated) < 2:
            continue
        high = max(rated, key=lambda g: (g.level, g.n))
        low = min(rated, key=lambda g: (g.level, -g.n))
        spread = (high.level or 0) - (low.level or 0)
        if spread < threshold:
            continue
        text = _(
            "%(high)s rate %(id)s %(title)s at %(hl)s, %(low)s at %(ll)s.",
            high=high.group,
            id=p.id,
            title=p.title,
            hl=fmt_level(high.level),
            low=low.group.lower(),
            ll=fmt_level(low.level),
        )
        out.append((spread, bool(high.notes and low.notes), Story("perception", p.id, p.title, text, high, low)))
    out.sort(key=lambda item: (-item[0], not item[1], item[2].practice_id))
    return [s for _spread, _notes, s in out]


def _contradicting_notes(stories: Sequence[Story]) -> list[Story]:
    """Perception stories where both sides wrote something: what each side says, side by side."""
    out = []
    for s in stories:
        if s.high and s.low and s.high.notes and s.low.notes:
            text = _(
                "On %(id)s %(title)s the notes contradict each other: %(high)s write "
                "\u201c%(hn)s\u201d, %(low)s write \u201c%(ln)s\u201d.",
                id=s.practice_id,
                title=s.title,
                high=s.high.group.lower(),
                hn=_quote(s.high.notes[0]),
                low=s.low.group.lower(),
                ln=_quote(s.low.notes[0]),
            )
            out.append(Story("contradiction", s.practice_id, s.title, text, s.high, s.low))
    return out


def _quote(note: str) -> str:
    """Return a note ready to quote inside a sentence (no closing full stop)."""
    return note.strip().rstrip(".")


def _movers(practices: Sequence[PracticeFacts]) -> list[Story]:
    moved = [p for p in practices if p.change is not None and abs(p.change) >= 0.5]
    moved.sort(key=lambda p: (-abs(p.change or 0), p.id))
    out = []
    for p in moved[:2]:
        before, after = fmt_level(p.previous_level), fmt_level(p.level)
        # Two literal msgids (not one chosen through a variable), so the extractor finds both.
        if (p.change or 0) > 0:
            text = _(
                "%(id)s %(title)s rose from %(before)s to %(after)s.",
                id=p.id,
                title=p.title,
                before=before,
                after=after,
            )
        else:
            text = _(
                "%(id)s %(title)s fell from %(before)s to %(after)s.",
                id=p.id,
                title=p.title,
                before=before,
                after=after,
            )
        out.append(Story("mover", p.id, p.title, text))
    return out


def _register(gap_ids: Sequence[str], practices: dict[str, PracticeFacts], evidence_state: str) -> list[Story]:
    out = []
    for pid in gap_ids:
        p = practices.get(pid)
        if p is None or not p.register_checks:
            continue
        if evidence_state != "ok":
            out.append(
                Story(
                    "missing_evidence",
                    p.id,
                    p.title,
                    _(
                        "The register cannot confirm or contradict the gap on %(id)s %(title)s yet: "
                        "it holds too little to check.",
                        id=p.id,
                        title=p.title,
                    ),
                )
            )
        elif p.failing_checks:
            out.append(
                Story(
                    "confirmed",
                    p.id,
                    p.title,
                    _(
                        "The register confirms the gap on %(id)s %(title)s: \u201c%(check)s\u201d fails.",
                        id=p.id,
                        title=p.title,
                        check=p.failing_checks[0],
                    ),
                )
            )
        else:
            out.append(
                Story(
                    "contradicted",
                    p.id,
                    p.title,
                    _(
                        "On %(id)s %(title)s the register's checks pass, so the gap lies in how the "
                        "practice is lived, not in missing roles or records.",
                        id=p.id,
                        title=p.title,
                    ),
                )
            )
    return out


def _no_effect(actions: Sequence[ActionFacts]) -> list[Story]:
    out = []
    for a in actions:
        if a.still_failing:
            text = _(
                "The action on %(id)s %(practice)s (\u201c%(action)s\u201d) is marked done, but "
                "the register check \u201c%(check)s\u201d still fails.",
                id=a.practice_id,
                practice=a.practice_title,
                action=_quote(a.title),
                check=_quote(a.still_failing[0]),
            )
        elif a.change is not None and a.change <= 0:
            text = _(
                "The action on %(id)s %(practice)s (\u201c%(action)s\u201d) is marked done, but "
                "the practice's level did not move (%(change)s).",
                id=a.practice_id,
                practice=a.practice_title,
                action=_quote(a.title),
                change=fmt_signed(a.change, 1),
            )
        else:
            continue
        out.append(Story("no_effect", a.practice_id, a.title, text))
    return out


def auto_draft(
    *,
    index: float | None,
    change: float | None,
    stage: str,
    previous_period: str | None,
    practices: Sequence[PracticeFacts],
    gap_ids: Sequence[str],
    evidence_state: str,
    done_actions: Sequence[ActionFacts],
    perception_threshold: float,
    first_steps: Sequence[tuple[str, str, str]],
) -> AutoDraft:
    """Write the automatic summary and three key messages.

    ``evidence_state`` is ok | thin | empty | unchecked; ``first_steps`` are the roadmap's
    first quarter as (practice id, title, owner) triples.
    """
    by_id = {p.id: p for p in practices}
    perception = _perception(practices, perception_threshold)
    contradictions = _contradicting_notes(perception)
    movers = _movers(practices)
    register = _register(gap_ids[:5], by_id, evidence_state)
    no_effect = _no_effect(done_actions)
    stories = [*perception[:2], *contradictions[:2], *movers, *register, *no_effect]

    paragraphs: list[str] = []
    if index is None:
        headline = _("Nobody has rated a practice in this cycle yet, so there is no index.")
    elif change is None:
        headline = _("The maturity index stands at **%(index)s** (%(stage)s).", index=fmt_index(index), stage=stage)
    else:
        headline = ngettext(
            "The maturity index is **%(index)s** (%(stage)s), %(change)s point since %(prev)s.",
            "The maturity index is **%(index)s** (%(stage)s), %(change)s points since %(prev)s.",
            int(abs(round_half_up(change))),
            index=fmt_index(index),
            stage=stage,
            change=fmt_signed(change),
            prev=previous_period or "",
        )
    paragraphs.append(headline)
    if perception:
        lines = [_("**Leadership and the front line do not see the same organisation.**")]
        lines += [_bullet(s.text) for s in perception[:3]]
        paragraphs.append(text_join(lines, "\n"))
    for s in contradictions[:2]:
        paragraphs.append(s.text)
    if movers:
        paragraphs.append(text_join((s.text for s in movers), " "))
    if register:
        paragraphs.append(text_join((_bullet(s.text) for s in register[:3]), "\n"))
    if no_effect:
        paragraphs.append(
            text_join([_("**Actions done without effect.**")] + [_bullet(s.text) for s in no_effect], "\n")
        )

    messages: list[str] = []
    if perception:
        top = perception[0]
        messages.append(
            _(
                "Close the perception gap on %(id)s %(title)s: %(high)s rate it %(hl)s, %(low)s %(ll)s.",
                id=top.practice_id,
                title=top.title,
                high=top.high.group.lower() if top.high else "",
                hl=fmt_level(top.high.level if top.high else None),
                low=top.low.group.lower() if top.low else "",
                ll=fmt_level(top.low.level if top.low else None),
            )
        )
    if first_steps:
        pid, title, owner = first_steps[0]
        messages.append(
            _(
                "Start with %(id)s %(title)s next quarter, owned by %(owner)s: the steps after it depend on it.",
                id=pid,
                title=title,
                owner=owner,
            )
        )
    if no_effect:
        messages.append(_("Check the done actions that did not work: %(what)s", what=no_effect[0].text))
    elif evidence_state in ("empty", "thin"):
        messages.append(
            _("Fill in the register: without owners and roles on record, the gaps cannot be checked against evidence.")
        )
    elif contradictions:
        messages.append(contradictions[0].text)
    if len(messages) < 3 and gap_ids:
        gap = by_id.get(gap_ids[0])
        if gap is not None:
            messages.append(
                _(
                    "The largest gap is %(id)s %(title)s: level %(level)s against target %(target)d.",
                    id=gap.id,
                    title=gap.title,
                    level=fmt_level(gap.level),
                    target=gap.target,
                )
            )
    if len(messages) < 3 and index is not None:
        # the headline without its bold marks (piece by piece: an English stage name stays marked)
        messages.append(text_join(type(part)(part.replace("**", "")) for part in text_parts(headline)))
    return AutoDraft(summary=text_join(paragraphs, "\n\n"), key_messages=tuple(messages[:3]), stories=tuple(stories))


def _bullet(text: str) -> str:
    """Return ``text`` as a list item of the light formatting (narrative.py)."""
    return text_join(("- ", text))
