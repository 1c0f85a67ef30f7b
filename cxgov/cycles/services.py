"""Cycle services: create, invite, answer, submit, remind, target, open, close and score.

Services only flush; the view or CLI command that calls them commits once. Every rule that
keeps answers safe lives here: a closed cycle refuses every save, a save that starts from an
older version of an answer is a conflict (never a silent overwrite), and closing stores the
scored result so a closed cycle's numbers never change.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Iterable, Mapping

from blinker import Namespace
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..framework.catalog import framework_catalog, framework_translated
from ..framework.model import Framework, Profile
from ..numbers import round_half_up
from ..orgs.models import ANSWER, DEFAULT_RESPONDENT_GROUPS, Membership, Organisation
from ..register.health import failing_check_keys
from ..scoring.engine import Answer as ScoringAnswer
from ..scoring.engine import CycleResult, score_cycle
from ..scoring.versions import result_onto
from ..validators import is_email, normalise_email, text_is_clean
from .models import NOTE_MAX_CHARS, Answer, Cycle, Respondent, period_valid


class CycleError(Exception):
    """A refused cycle operation; the message is shown to the user as is."""


class AnswerConflict(CycleError):
    """A save started from an older version of the answer than the one stored."""

    def __init__(self, message: str, current: Answer | None) -> None:
        super().__init__(message)
        self.current = current


# -- framework -------------------------------------------------------------------------
#: content hash -> framework rebuilt from a snapshot; the hash identifies the exact content.
_FRAMEWORKS: dict[str, Framework] = {}

#: Sent with the cycle when it opens (inside the caller's transaction). Follow-ups subscribe:
#: open actions move into the new quarter (actions.services). A signal, because actions
#: depend on cycles, not the other way round.
cycle_opened = Namespace().signal("cycle-opened")


def cycle_framework(cycle: Cycle) -> Framework:
    """Return the framework the cycle was opened with (rebuilt from its snapshot, cached).

    Its text shows the translations of the same key and version as they are now: the snapshot
    fixes what was assessed, not the wording in Danish (see cxgov.framework.translations).
    """
    framework = _FRAMEWORKS.get(cycle.framework_hash)
    if framework is None:
        framework = Framework.from_snapshot(cycle.framework_snapshot)
        if len(_FRAMEWORKS) > 64:
            _FRAMEWORKS.clear()
        _FRAMEWORKS[cycle.framework_hash] = framework
    return framework_translated(framework)


def org_groups(org: Organisation) -> list[dict[str, Any]]:
    """Return the organisation's respondent groups ({key, label, side}), labels in the reader's language."""
    return [_group_shown(group) for group in org.respondent_groups or DEFAULT_RESPONDENT_GROUPS]


def _group_shown(group: dict[str, Any]) -> dict[str, Any]:
    """Return ``group`` with its label in the reader's language (an organisation's own label unchanged)."""
    label = group["label"]  # a variable, not a literal: the extractor must not take "label" for a message
    return {**group, "label": _(label)}


def org_group_sides(org: Organisation) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (upper group keys, front-line group keys) for the perception gap."""
    groups = org_groups(org)
    upper = tuple(g["key"] for g in groups if g.get("side") == "upper")
    frontline = tuple(g["key"] for g in groups if g.get("side") == "frontline")
    return upper, frontline


def register_failing_checks(org: Organisation) -> frozenset[str]:
    """Return the keys of the register health checks that fail for ``org`` right now."""

    return frozenset(failing_check_keys(org))


# -- reading -----------------------------------------------------------------------------
def cycles_for_org(org: Organisation) -> list[Cycle]:
    """Return the organisation's cycles, newest period first."""
    return list(db.session.scalars(select(Cycle).where(Cycle.org_id == org.id).order_by(Cycle.period.desc())))


@dataclass(frozen=True)
class CycleRow:
    """One line of the cycle list, read without the heavy snapshot and result columns."""

    id: int
    period: str
    framework_key: str
    framework_version: str
    status: str
    index: float | None  #: the stored index of a closed cycle
    invited: int
    submitted: int

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def cycle_list(org: Organisation) -> list[CycleRow]:
    """Return the organisation's cycles for the list page, newest first, in two queries."""
    rows = db.session.execute(
        select(
            Cycle.id,
            Cycle.period,
            Cycle.framework_key,
            Cycle.framework_version,
            Cycle.status,
            Cycle.results["index"].as_float(),
        )
        .where(Cycle.org_id == org.id)
        .order_by(Cycle.period.desc())
    ).all()
    counts = {
        cid: (inv, sub)
        for cid, inv, sub in db.session.execute(
            select(Respondent.cycle_id, func.count(Respondent.id), func.count(Respondent.submitted_at))
            .where(Respondent.org_id == org.id)
            .group_by(Respondent.cycle_id)
        )
    }
    return [
        CycleRow(
            id=r[0],
            period=r[1],
            framework_key=r[2],
            framework_version=r[3],
            status=r[4],
            index=r[5] if r[4] == "closed" else None,
            invited=counts.get(r[0], (0, 0))[0],
            submitted=counts.get(r[0], (0, 0))[1],
        )
        for r in rows
    ]


def cycle_by_period(org: Organisation, period: str) -> Cycle | None:
    """Return the organisation's cycle for ``period``, or None."""
    return db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.period == period))


def cycle_previous(cycle: Cycle, *, closed_only: bool = False) -> Cycle | None:
    """Return the organisation's cycle just before ``cycle`` by period (optionally closed)."""
    query = select(Cycle).where(Cycle.org_id == cycle.org_id, Cycle.period < cycle.period)
    if closed_only:
        query = query.where(Cycle.status == "closed")
    return db.session.scalar(query.order_by(Cycle.period.desc()).limit(1))


#: Decoded results of closed cycles, by (cycle id, created_at, closed_at). A closed cycle's
#: stored results never change (closing again would set a new closed_at; created_at tells
#: apart two databases with the same ids), and decoding their JSON on every request was a
#: third of the overview page's time. Per process, bounded.
_RESULTS_CACHE_SIZE = 1024
_results_cache: dict[tuple[int, Any, Any], CycleResult] = {}
_results_lock = threading.Lock()


def _closed_results(
    *conditions: Any, newest_first: bool = False, limit: int | None = None
) -> list[tuple[str, CycleResult]]:
    """Return (period, stored result) of the closed cycles matching ``conditions``, by period.

    One small query for the cycles; a second one only for results not yet decoded here.
    """
    order = Cycle.period.desc() if newest_first else Cycle.period
    rows = db.session.execute(
        select(Cycle.id, Cycle.period, Cycle.created_at, Cycle.closed_at)
        .where(*conditions, Cycle.status == "closed", Cycle.results.is_not(None))
        .order_by(order)
        .limit(limit)
    ).all()
    keys = [(r.id, r.created_at, r.closed_at) for r in rows]
    with _results_lock:
        found = {key: cached for key in keys if (cached := _results_cache.get(key)) is not None}
    missing = [key[0] for key in keys if key not in found]
    if missing:
        fetched = db.session.execute(
            select(Cycle.id, Cycle.created_at, Cycle.closed_at, Cycle.results).where(Cycle.id.in_(missing))
        ).all()
        with _results_lock:
            if len(_results_cache) + len(fetched) > _RESULTS_CACHE_SIZE:
                _results_cache.clear()
            for cycle_id, created_at, closed_at, results in fetched:
                key = (cycle_id, created_at, closed_at)
                found[key] = _results_cache[key] = CycleResult.from_dict(results)
    return [(r.period, found[(r.id, r.created_at, r.closed_at)]) for r in rows]


#: cycle id -> (a private copy of the stored results, the result decoded from them). The same
#: object while the stored results are equal, so the report's cache key digests it once.
_stored_results: dict[int, tuple[dict[str, Any], CycleResult]] = {}


def stored_result(cycle: Cycle) -> CycleResult:
    """Return a closed cycle's stored result, the same object for as long as its stored data is equal.

    Compared, not assumed: the stored results are matched against a private copy (dict equality
    costs a fiftieth of decoding them), so a changed row never returns an old result.
    """
    results = cycle.results
    if results is None:
        raise ValueError(f"cycle {cycle.id} has no stored results")
    with _results_lock:
        kept = _stored_results.get(cycle.id)
    if kept is not None and kept[0] == results:
        return kept[1]
    decoded = CycleResult.from_dict(results)
    with _results_lock:
        if len(_stored_results) >= _RESULTS_CACHE_SIZE:
            _stored_results.clear()
        _stored_results[cycle.id] = (copy.deepcopy(results), decoded)
    return decoded


def previous_closed_result(cycle: Cycle) -> tuple[str, CycleResult] | None:
    """Return (period, stored result) of the last closed cycle before ``cycle``."""
    found = _closed_results(Cycle.org_id == cycle.org_id, Cycle.period < cycle.period, newest_first=True, limit=1)
    return found[0] if found else None


def closed_results(org: Organisation) -> list[tuple[str, CycleResult]]:
    """Return (period, stored result) of every closed cycle, oldest first."""
    return _closed_results(Cycle.org_id == org.id)


def framework_versions(framework: Framework) -> dict[str, Framework]:
    """Return version -> framework of ``framework``'s key, for reading through version maps.

    The catalogue gives the versions; ``framework`` itself (a cycle's snapshot) wins for its
    own version, so a cycle is always read against exactly what it asked.
    """

    versions = {f.version: f for f in framework_catalog().all_versions(framework.key)}
    versions[framework.version] = framework
    return versions


def result_on(result: CycleResult, framework: Framework) -> CycleResult | None:
    """Return a stored result carried onto ``framework``'s practice ids (None if unmappable)."""

    if result.framework_key == framework.key and result.framework_version == framework.version:
        return result
    return result_onto(result, framework, framework_versions(framework))


def closed_results_on(org: Organisation, framework: Framework) -> list[tuple[str, CycleResult | None]]:
    """Return every closed cycle's result read through the version maps onto ``framework``.

    Oldest first; a result that no chain of maps connects (another framework) is None.
    """
    return [(period, result_on(result, framework)) for period, result in closed_results(org)]


def respondent_for(cycle: Cycle, user: User) -> Respondent | None:
    """Return the user's respondent row in ``cycle``, or None when not invited."""
    return db.session.scalar(select(Respondent).where(Respondent.cycle_id == cycle.id, Respondent.user_id == user.id))


def cycle_respondents(cycle: Cycle) -> list[Respondent]:
    """Return the respondents of ``cycle`` with their users, by group then name (one query)."""

    rows = db.session.scalars(
        select(Respondent).options(joinedload(Respondent.user)).where(Respondent.cycle_id == cycle.id)
    )
    return sorted(rows, key=lambda r: (r.group, r.display_name.lower(), r.id))


def respondent_names(cycle: Cycle) -> dict[int, tuple[str, str]]:
    """Return respondent id -> (name, e-mail), members and people without an account alike."""
    return {r.id: (r.display_name, r.contact_email) for r in cycle_respondents(cycle)}


def answers_by_respondent(cycle: Cycle) -> dict[int, int]:
    """Return respondent id -> number of answers given, in one query."""
    rows = db.session.execute(
        select(Answer.respondent_id, func.count(Answer.id))
        .where(Answer.cycle_id == cycle.id)
        .group_by(Answer.respondent_id)
    )
    return {rid: n for rid, n in rows}


def cycle_answers(cycle: Cycle) -> list[tuple[Any, str, int]]:
    """Return every answer of ``cycle`` as (answer row, respondent group, user id), in one query.

    The answer row is a plain row (respondent_id, practice_id, kind, level, note), not an ORM
    object: the dashboard reads hundreds of answers and never changes them.
    """
    rows = db.session.execute(
        select(
            Answer.respondent_id,
            Answer.practice_id,
            Answer.kind,
            Answer.level,
            Answer.note,
            Respondent.group,
            Respondent.user_id,
        )
        .join(Respondent, Respondent.id == Answer.respondent_id)
        .where(Answer.cycle_id == cycle.id)
        .order_by(Answer.practice_id, Respondent.group, Answer.id)
    )
    return [(r, r.group, r.user_id) for r in rows]


def respondent_answers(respondent: Respondent) -> dict[str, Answer]:
    """Return practice id -> answer of one respondent."""
    rows = db.session.scalars(select(Answer).where(Answer.respondent_id == respondent.id))
    return {a.practice_id: a for a in rows}


@dataclass
class Progress:
    """How far a cycle's answering has come."""

    invited: int
    submitted: int
    answered: int  #: answers given across all respondents
    expected: int  #: invited x practices

    @property
    def percent(self) -> int:
        return int(round_half_up(100 * self.answered / self.expected)) if self.expected else 0


def cycle_progress(cycle: Cycle) -> Progress:
    """Return the cycle's progress in two queries."""
    invited, submitted = db.session.execute(
        select(func.count(Respondent.id), func.count(Respondent.submitted_at)).where(Respondent.cycle_id == cycle.id)
    ).one()
    answered = db.session.scalar(select(func.count(Answer.id)).where(Answer.cycle_id == cycle.id))
    n_practices = sum(len(d["practices"]) for d in cycle.framework_snapshot["dimensions"])
    return Progress(invited=invited, submitted=submitted, answered=answered or 0, expected=invited * n_practices)


# -- scoring -----------------------------------------------------------------------------
def scoring_answers(rows: Iterable[tuple[Any, str, int]]) -> list[ScoringAnswer]:
    """Turn stored answers into the scoring engine's plain answers."""
    return [
        ScoringAnswer(
            respondent_id=a.respondent_id,
            group=group,
            practice_id=a.practice_id,
            level=a.level if a.kind == "level" else None,
            kind=a.kind,
        )
        for a, group, _user in rows
    ]


def cycle_score(
    *,
    cycle: Cycle,
    org: Organisation,
    answers: list[tuple[Any, str, int]] | None = None,
    failing_checks: frozenset[str] | None = None,
) -> CycleResult:
    """Return the cycle's result: stored when closed, computed live from the snapshot otherwise."""
    if cycle.is_closed and cycle.results is not None:
        return stored_result(cycle)
    if answers is None:
        answers = cycle_answers(cycle)
    if failing_checks is None:
        failing_checks = register_failing_checks(org)
    previous = previous_closed_result(cycle)
    framework = cycle_framework(cycle)
    # Movers compare like with like: an earlier version's result is read through the map.
    previous_result = None
    if previous is not None:
        # Unconnected versions still compare index and dimensions, never practice ids.
        previous_result = result_on(previous[1], framework) or replace(previous[1], practices=())
    upper, frontline = org_group_sides(org)
    return score_cycle(
        framework=framework,
        answers=scoring_answers(answers),
        targets=cycle_targets(cycle),
        optional=cycle_optional(cycle),
        failing_checks=failing_checks,
        previous=previous_result,
        upper_groups=upper,
        frontline_groups=frontline,
    )


def cycle_targets(cycle: Cycle) -> dict[str, int]:
    """Return practice id -> target for every practice of the cycle (profile defaults filled in)."""
    framework = cycle_framework(cycle)
    stored = cycle.targets or {}
    return {p.id: int(stored.get(p.id, framework.target_for(p, cycle.profile_key))) for p in framework.practices}


def cycle_profile(cycle: Cycle) -> Profile | None:
    """Return the target profile the cycle chose (from its own snapshot), or None."""
    return cycle_framework(cycle).profile(cycle.profile_key)


def cycle_optional(cycle: Cycle) -> frozenset[str]:
    """Return the practices the cycle's profile lets respondents skip."""
    profile = cycle_profile(cycle)
    return frozenset(profile.optional) if profile is not None else frozenset()


# -- creating and preparing ----------------------------------------------------------------
def cycle_create(
    *,
    org: Organisation,
    period: str,
    framework: Framework,
    due_date: date | None = None,
    profile_key: str | None = None,
) -> Cycle:
    """Create a draft cycle, prefilled with the previous cycle's targets and respondents.

    ``profile_key`` chooses one of the framework's target profiles (its targets become the
    defaults); None on a framework with profiles takes the previous cycle's, else the first.
    """
    period = (period or "").strip().upper()
    if not period_valid(period):
        raise CycleError(
            _("%(period)s is not a quarter; write it like 2026-Q4.", period=period)
            if period
            else _("Write the quarter like 2026-Q4.")
        )
    if cycle_by_period(org, period) is not None:
        raise CycleError(_("There is already a cycle for %(period)s.", period=period))
    if profile_key and framework.profile(profile_key) is None:
        known = ", ".join(p.key for p in framework.profiles) or "–"
        raise CycleError(
            _(
                "%(framework)s %(version)s has no profile “%(profile)s” (profiles: %(known)s).",
                framework=framework.key,
                version=framework.version,
                profile=profile_key,
                known=known,
            )
        )
    cycle = Cycle(
        org_id=org.id,
        period=period,
        framework_key=framework.key,
        framework_version=framework.version,
        framework_snapshot=framework.to_snapshot(),
        framework_hash=framework.content_hash,
        status="draft",
        due_date=due_date,
        profile_key=profile_key or None,
        targets={},
    )
    db.session.add(cycle)
    db.session.flush()
    previous = cycle_previous(cycle)
    if cycle.profile_key is None and framework.profiles:
        carried = previous.profile_key if previous is not None else None
        cycle.profile_key = carried if framework.profile(carried) else framework.profiles[0].key
    if previous is not None:
        practice_ids = {p.id for p in framework.practices}
        # A target set by hand belongs to the profile it was set under: a new profile brings
        # its own defaults, so only the same framework key and profile carry targets over.
        same_profile = previous.framework_key == framework.key and previous.profile_key == cycle.profile_key
        cycle.targets = (
            {pid: int(level) for pid, level in (previous.targets or {}).items() if pid in practice_ids}
            if same_profile
            else {}
        )
        groups = {g["key"] for g in org_groups(org)}
        members = _answering_members(org)
        for old in previous.respondents:
            if old.group not in groups:
                continue
            if old.user_id is None:  # a respondent without an account comes along as well
                db.session.add(
                    Respondent(
                        org_id=org.id,
                        cycle_id=cycle.id,
                        name=old.name,
                        email=old.email,
                        language=old.language,
                        group=old.group,
                    )
                )
            elif old.user_id in members:
                db.session.add(
                    Respondent(
                        org_id=org.id, cycle_id=cycle.id, user_id=old.user_id, language=old.language, group=old.group
                    )
                )
        db.session.flush()
    return cycle


def _answering_members(org: Organisation) -> set[int]:
    rows = db.session.execute(select(Membership.user_id, Membership.role).where(Membership.org_id == org.id))
    return {uid for uid, role in rows if role in ANSWER}


def invitable_members(org: Organisation) -> list[tuple[User, Membership]]:
    """Return members who may answer assessments (roles in ANSWER), by name."""
    rows = db.session.execute(
        select(User, Membership).join(Membership, Membership.user_id == User.id).where(Membership.org_id == org.id)
    ).all()
    return sorted([(u, m) for u, m in rows if m.role in ANSWER], key=lambda x: x[0].name.lower())


def respondent_invite(*, cycle: Cycle, org: Organisation, user_id: int, group: str) -> Respondent:
    """Invite a member to answer the cycle in a respondent group (or change their group)."""
    if cycle.is_closed:
        raise CycleError(_("The cycle is closed; respondents can no longer change."))
    if group not in {g["key"] for g in org_groups(org)}:
        raise CycleError(_("Choose one of the organisation's respondent groups."))
    if user_id not in _answering_members(org):
        raise CycleError(_("Only members who may answer assessments can be invited."))
    existing = db.session.scalar(
        select(Respondent).where(Respondent.cycle_id == cycle.id, Respondent.user_id == user_id)
    )
    if existing is not None:
        existing.group = group
        db.session.flush()
        return existing
    respondent = Respondent(org_id=org.id, cycle_id=cycle.id, user_id=user_id, group=group)
    db.session.add(respondent)
    db.session.flush()
    return respondent


def respondent_add_external(
    *, cycle: Cycle, org: Organisation, name: str, email: str, group: str, language: str | None = None
) -> Respondent:
    """Invite a person without an account (they answer through a personal link)."""
    if cycle.is_closed:
        raise CycleError(_("The cycle is closed; respondents can no longer change."))
    if group not in {g["key"] for g in org_groups(org)}:
        raise CycleError(_("Choose one of the organisation's respondent groups."))
    name, email = (name or "").strip(), normalise_email(email or "")
    if not name or len(name) > 200:
        raise CycleError(_("Give the respondent's name (at most 200 characters)."))
    if not is_email(email):
        raise CycleError(_("%(email)s is not an e-mail address.", email=email or "''"))
    member = db.session.scalar(
        select(Respondent)
        .join(User, User.id == Respondent.user_id)
        .where(Respondent.cycle_id == cycle.id, User.email == email)
    )
    existing = db.session.scalar(select(Respondent).where(Respondent.cycle_id == cycle.id, Respondent.email == email))
    if member is not None:
        raise CycleError(_("%(email)s is already invited as a member.", email=email))
    if existing is not None:
        existing.name, existing.group, existing.language = name, group, language
        db.session.flush()
        return existing
    respondent = Respondent(org_id=org.id, cycle_id=cycle.id, name=name, email=email, group=group, language=language)
    db.session.add(respondent)
    db.session.flush()
    return respondent


def respondent_remove(*, cycle: Cycle, respondent: Respondent) -> None:
    """Remove a respondent and their answers (not once the cycle is closed)."""
    if cycle.is_closed:
        raise CycleError(_("The cycle is closed; respondents can no longer change."))
    if respondent.cycle_id != cycle.id:
        raise CycleError(_("That respondent belongs to another cycle."))
    db.session.delete(respondent)
    db.session.flush()


def cycle_targets_set(*, cycle: Cycle, targets: Mapping[str, int]) -> None:
    """Set the target level of practices for this cycle (1..5; unknown ids refused)."""
    if cycle.is_closed:
        raise CycleError(_("The cycle is closed; its targets are frozen."))
    known = {p.id for p in cycle_framework(cycle).practices}
    clean: dict[str, int] = dict(cycle.targets or {})
    for pid, level in targets.items():
        if pid not in known:
            raise CycleError(_("%(practice)s is not a practice of this cycle's framework.", practice=pid))
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise CycleError(_("The target of %(practice)s must be a level from 1 to 5.", practice=pid))
        clean[pid] = level
    cycle.targets = clean
    db.session.flush()


def cycle_set_due(*, cycle: Cycle, due_date: date | None) -> None:
    """Change the due date (not once closed)."""
    if cycle.is_closed:
        raise CycleError(_("The cycle is closed."))
    cycle.due_date = due_date
    db.session.flush()


def cycle_open(*, cycle: Cycle) -> None:
    """Open a draft cycle for answering."""
    if cycle.status != "draft":
        raise CycleError(
            _("The cycle for %(period)s is open already; only drafts can be opened.", period=cycle.period)
            if cycle.status == "open"
            else _("The cycle for %(period)s is closed; only drafts can be opened.", period=cycle.period)
        )
    cycle.status = "open"
    cycle.opened_at = utcnow()
    db.session.flush()
    cycle_opened.send(cycle)


def cycle_close(*, cycle: Cycle, org: Organisation, by: User | None) -> CycleResult:
    """Freeze every answer and store the computed result with the cycle."""
    if cycle.status != "open":
        raise CycleError(
            _("The cycle for %(period)s is a draft; only an open cycle can be closed.", period=cycle.period)
            if cycle.status == "draft"
            else _("The cycle for %(period)s is closed already; only an open cycle can be closed.", period=cycle.period)
        )
    later = db.session.scalar(
        select(Cycle.period)
        .where(Cycle.org_id == cycle.org_id, Cycle.period > cycle.period, Cycle.status == "closed")
        .order_by(Cycle.period)
        .limit(1)
    )
    if later is not None:
        raise CycleError(
            _(
                "%(period)s is already closed; close cycles in period order so that "
                "every change since last quarter stays true.",
                period=later,
            )
        )
    failing = register_failing_checks(org)
    result = cycle_score(cycle=cycle, org=org, failing_checks=failing)
    cycle.results = result.to_dict()
    cycle.closed_failing_checks = sorted(failing)
    cycle.status = "closed"
    cycle.closed_at = utcnow()
    cycle.closed_by_id = by.id if by is not None else None
    db.session.flush()
    return result


# -- answering -----------------------------------------------------------------------------
@dataclass
class AnswerInput:
    """One answer as a form or the autosave sends it."""

    practice_id: str
    choice: str  #: "1".."5", "na", "dont_know" or "" (no answer yet)
    note: str = ""
    version: int = 0  #: the version the client started from; 0 when it saw no answer


def parse_choice(choice: str) -> tuple[str, int | None] | None:
    """Return (kind, level) for a choice string, or None for "no answer"."""
    choice = (choice or "").strip()
    if choice == "":
        return None
    if choice in ("na", "dont_know"):
        return choice, None
    if choice in {"1", "2", "3", "4", "5"}:
        return "level", int(choice)
    raise CycleError(_("Choose a level from 1 to 5, not applicable, or don't know."))


def answer_choice(answer: Answer | None) -> str:
    """Return the choice string of a stored answer ("" when none)."""
    if answer is None:
        return ""
    return str(answer.level) if answer.kind == "level" else answer.kind


def _clean_note(note: str) -> str:
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise CycleError(
            ngettext(
                "The evidence note is %(num)d characters; the limit is %(limit)d.",
                "The evidence note is %(num)d characters; the limit is %(limit)d.",
                len(note),
                limit=NOTE_MAX_CHARS,
            )
        )
    if not text_is_clean(note, multiline=True):
        raise CycleError(_("Remove the control characters from the evidence note."))
    return note


def answer_save(*, cycle: Cycle, respondent: Respondent, data: AnswerInput) -> Answer | None:
    """Save one answer; refuse a closed cycle and a save that started from an older version.

    Returns the stored answer (None when the respondent cleared an answer they never gave).
    An unchanged value is never a conflict, whatever version the client names.
    """
    if cycle.status != "open":
        raise CycleError(
            _("This cycle is closed; answers can no longer change.")
            if cycle.is_closed
            else _("This cycle is not open for answers yet.")
        )
    if respondent.cycle_id != cycle.id:
        raise CycleError(_("You are not a respondent of this cycle."))
    framework = cycle_framework(cycle)
    try:
        framework.practice(data.practice_id)
    except KeyError:
        raise CycleError(_("%(practice)s is not a practice of this cycle.", practice=data.practice_id)) from None
    parsed = parse_choice(data.choice)
    note = _clean_note(data.note)
    current = db.session.scalar(
        select(Answer).where(Answer.respondent_id == respondent.id, Answer.practice_id == data.practice_id)
    )
    if parsed is None:
        if current is None:
            if note:
                raise CycleError(_("Choose an answer before writing an evidence note."))
            return None
        # Clearing an answer is allowed only from the current version, like any change.
        if current.version_id != data.version:
            raise AnswerConflict(_("This answer was changed in another window."), current)
        db.session.delete(current)
        db.session.flush()
        return None
    kind, level = parsed
    if current is not None:
        if current.kind == kind and current.level == level and current.note == note:
            return current
        if current.version_id != data.version:
            raise AnswerConflict(_("This answer was changed in another window or by another save."), current)
        current.kind, current.level, current.note = kind, level, note
        try:
            db.session.flush()
        except StaleDataError:  # a concurrent request saved between our read and write
            raise AnswerConflict(_("This answer was changed at the same moment elsewhere."), None) from None
        return current
    if data.version:
        # The client saw an answer that no longer exists (cleared elsewhere): a conflict.
        raise AnswerConflict(_("This answer was cleared in another window."), None)
    answer = Answer(
        org_id=cycle.org_id,
        cycle_id=cycle.id,
        respondent_id=respondent.id,
        practice_id=data.practice_id,
        kind=kind,
        level=level,
        note=note,
    )
    db.session.add(answer)
    db.session.flush()
    return answer


@dataclass
class BatchOutcome:
    """What a whole-dimension save did."""

    saved: int = 0
    conflicts: list[str] = field(default_factory=list)  #: practice ids not saved
    errors: dict[str, str] = field(default_factory=dict)  #: practice id -> message


def answers_save_many(*, cycle: Cycle, respondent: Respondent, items: list[AnswerInput]) -> BatchOutcome:
    """Save a dimension's answers; a conflicting or invalid answer is skipped and reported."""
    outcome = BatchOutcome()
    for item in items:
        try:
            with db.session.begin_nested():
                answer_save(cycle=cycle, respondent=respondent, data=item)
        except AnswerConflict:
            outcome.conflicts.append(item.practice_id)
        except CycleError as error:
            if cycle.status != "open":
                raise
            outcome.errors[item.practice_id] = str(error)
        else:
            outcome.saved += 1
    return outcome


def respondent_submit(*, cycle: Cycle, respondent: Respondent) -> None:
    """Mark the respondent as done (answers stay editable until the cycle closes)."""
    if cycle.status != "open":
        raise CycleError(_("This cycle is not open."))
    respondent.submitted_at = utcnow()
    db.session.flush()
