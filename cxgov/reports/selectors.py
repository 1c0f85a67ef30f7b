"""Load everything a cycle's report shows, in a fixed small number of queries.

:func:`report_inputs` gathers every input of a report into one plain :class:`ReportInputs`
(nothing in it is an ORM object); :func:`report_context_from` builds the report context from
that object alone, and :func:`report_inputs_key` is a hash of that same object. An input is
therefore in the PDF cache key because it is an input: there is no second list to keep in step.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Integer, String, bindparam, cast, func, literal, select, union_all

from ..actions.selectors import action_followup
from ..auth.models import User
from ..cycles import services as cycle_services
from ..cycles.models import Answer, Cycle, Respondent
from ..extensions import db
from ..framework.model import Framework
from ..history.models import ChangeLog
from ..i18n import rendering_in, report_language
from ..orgs.models import Membership, Organisation, Role, StoredFile
from ..portfolio.benchmark import BenchmarkView, benchmark_for_cycle
from ..register.health import HealthReport, RegisterSnapshot, practice_map, register_snapshot, run_health_checks
from ..register.models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint
from ..scoring.engine import CycleResult
from .context import (
    ActionInfo,
    Branding,
    Narrative,
    OrgInfo,
    ReportContext,
    build_report_context,
    owners_from_snapshot,
    register_state_of,
    safe_accent,
)
from .render import STATIC_ROOT, TEMPLATES_ROOT

_LOGO_TYPES = frozenset({"image/png", "image/jpeg"})


@dataclass(frozen=True)
class BrandSource:
    """Where the report's branding comes from: the organisation, else its consultant."""

    prepared_by: str
    firm_name: str
    accent: str
    firm_logo_id: int | None


def org_consultant(org: Organisation) -> User | None:
    """Return the organisation's consultant (the earliest consultant membership), if any."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org.id, Membership.role == Role.CONSULTANT)
        .order_by(Membership.id)
        .limit(1)
    )


def brand_source(org: Organisation, consultant: User | None) -> BrandSource:
    """Return the branding: the organisation's brand fields override the consultant's."""
    firm = org.brand_firm_name or (consultant.firm_name if consultant else None) or ""
    accent = org.brand_accent or (consultant.brand_accent if consultant else None)
    return BrandSource(
        prepared_by=consultant.name if consultant else "",
        firm_name=firm,
        accent=safe_accent(accent),
        firm_logo_id=consultant.brand_logo_id if consultant else None,
    )


def report_accent(org: Organisation) -> str:
    """Return the accent colour the organisation's reports and charts are drawn in."""
    return brand_source(org, org_consultant(org)).accent


def _logos(ids: list[int | None]) -> dict[int, StoredFile]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {f.id: f for f in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(wanted)))}


def _data_uri(stored: StoredFile | None) -> str | None:
    # Only images proven real at upload, and only as data: URIs: the PDF fetcher and the
    # page's CSP both accept those, and nothing else needs serving.
    if stored is None or stored.content_type not in _LOGO_TYPES:
        return None
    return f"data:{stored.content_type};base64,{base64.b64encode(stored.data).decode('ascii')}"


def _evidence_notes(cycle: Cycle) -> dict[str, list[tuple[str, str]]]:
    rows = db.session.execute(
        select(Answer.practice_id, Respondent.group, Answer.note)
        .join(Respondent, Respondent.id == Answer.respondent_id)
        .where(Answer.cycle_id == cycle.id, Answer.note != "")
        .order_by(Answer.practice_id, Respondent.group, Answer.id)
    )
    notes: dict[str, list[tuple[str, str]]] = {}
    for practice_id, group, note in rows:
        notes.setdefault(practice_id, []).append((group, note))
    return notes


def _data_timestamp(cycle: Cycle) -> datetime | None:
    latest = db.session.scalar(select(func.max(Answer.updated_at)).where(Answer.cycle_id == cycle.id))
    if cycle.is_closed and cycle.closed_at is not None:
        return cycle.closed_at
    return latest or cycle.opened_at or cycle.created_at


def _actions(org: Organisation, cycle: Cycle, result: CycleResult, today: date) -> tuple[ActionInfo, ...]:
    items = action_followup(org.id, cycle, result=result, today=today)
    return tuple(
        ActionInfo(
            practice_id=i.practice_id or "",
            title=i.title,
            owner=i.owner_name or "",
            status=i.status,
            due=i.due_date,
            completed=i.done_at,
            overdue=i.overdue,
        )
        for i in items
    )


# -- the register, read again only when it changed ----------------------------------------
#: Every table :func:`register_snapshot` reads (tests/reports/test_register_stamp.py checks that
#: the two agree). Each row carries a version counter, raised by every UPDATE made through the ORM or
#: the register's write path, and an update time.
REGISTER_MODELS = (Person, Channel, Journey, Touchpoint, CxRole, DelegatedMandate)


def register_stamp(org_id: int) -> tuple[tuple[str | None, ...], ...]:
    """Return what identifies the state of an organisation's register, in one aggregate query.

    Per register table: rows, sum and max of ids, sum of version counters, newest update time;
    and the organisation's newest change-log entry. An UPDATE through the register's write path
    or the ORM raises a version and sets the update time (hand-written SQL may do neither); an INSERT adds a row with a new id
    (SQLite reuses an id only after the newest row was deleted, and then the count, the version
    sum or the newer update time moves); a DELETE drops the count unless rows were added too,
    which changes the ids; and every write through the register's write path adds a change-log
    entry with a new id.
    """
    rows = db.session.execute(_register_stamp_query(), {"org_id": org_id}).all()
    return tuple(sorted((tuple(row) for row in rows), key=repr))


@lru_cache(maxsize=1)
def _register_stamp_query() -> Any:
    """Build the stamp's statement once (building it cost as much as running it)."""
    org_id = bindparam("org_id", type_=Integer)
    parts = [
        select(
            literal(model.__tablename__, String),
            cast(func.count(), String),
            cast(func.sum(model.id), String),
            cast(func.max(model.id), String),
            cast(func.sum(model.version_id), String),
            cast(func.max(model.updated_at), String),
        ).where(model.org_id == org_id)
        for model in REGISTER_MODELS
    ]
    empty = literal("", String)
    parts.append(
        select(
            literal(ChangeLog.__tablename__, String), cast(func.max(ChangeLog.id), String), empty, empty, empty, empty
        ).where(ChangeLog.org_id == org_id)
    )
    return union_all(*parts)


@dataclass(frozen=True)
class RegisterRead:
    """One organisation's register and what the report derives from it on one day."""

    snapshot: RegisterSnapshot
    health: HealthReport
    state: str  #: ok | thin | empty
    owners: Mapping[str, str]


class _RegisterMemo:
    """Per app: org id -> (stamp, snapshot, derived reads), the most recently used few kept."""

    SIZE = 16  #: a 1,000-touchpoint register is about 0.3 MB

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[int, tuple[Any, RegisterSnapshot, dict[Any, RegisterRead]]] = OrderedDict()


def register_read(
    org: Organisation, *, today: date, practices: Mapping[str, tuple[str, ...]], lang: str
) -> RegisterRead:
    """Return ``org``'s register snapshot, health on ``today``, state and owners.

    Reading 1,000 touchpoints and checking them cost most of a cached download, so the snapshot
    is kept per app and read again only when :func:`register_stamp` moved. The stamp is read
    before the rows: a write committed between the two (PostgreSQL's read committed) leaves a
    newer snapshot under an older stamp, which is read again next time, never served stale.
    The results are the same objects while nothing changed, so their key digests are kept too.
    """
    # created_at too: a deleted organisation's id may be handed to a new one (SQLite).
    stamp = (org.created_at, org.service_promise or "", register_stamp(org.id))
    memo = current_app.extensions.setdefault("cxgov_report_registers", _RegisterMemo())
    with memo.lock:
        entry = memo.entries.get(org.id)
        if entry is not None and entry[0] == stamp:
            memo.entries.move_to_end(org.id)
        else:
            entry = None
    if entry is None:
        entry = (stamp, register_snapshot(org), {})
        with memo.lock:
            memo.entries[org.id] = entry
            memo.entries.move_to_end(org.id)
            while len(memo.entries) > memo.SIZE:
                memo.entries.popitem(last=False)
    _, snapshot, derived = entry
    # The checks' words follow the language; their verdicts follow the day and the framework.
    on = (today, lang, tuple(sorted(practices.items())))
    read = derived.get(on)
    if read is None:
        read = RegisterRead(
            snapshot=snapshot,
            health=run_health_checks(snapshot, today, practices),
            state=register_state_of(snapshot),
            owners=owners_from_snapshot(snapshot, today),
        )
        if len(derived) > 8:  # a new day or language: the old ones are not asked for again
            derived.clear()
        derived[on] = read
    return read


@dataclass(frozen=True)
class ReportInputs:
    """Everything one report is built from, as plain data.

    The context is built from this object alone (:func:`report_context_from`) and the PDF
    cache key is its hash (:func:`report_inputs_key`): a field added here is in both.
    """

    org: OrgInfo  #: carries the report's language
    branding: Branding
    framework: Framework  #: the cycle's snapshot, with the translations shown
    period: str
    result: CycleResult  #: stored when the cycle is closed, live when open
    history: tuple[tuple[str, CycleResult], ...]  #: every closed quarter, oldest first
    health: HealthReport  #: the register checks on the day
    register_state: str
    owners: Mapping[str, str]
    evidence_notes: Mapping[str, list[tuple[str, str]]]
    actions: tuple[ActionInfo, ...]
    data_timestamp: datetime | None
    profile: str
    benchmark: BenchmarkView | None  #: the peers' figures (other organisations' closed cycles)
    narrative: Narrative | None  #: what the consultant wrote (None: the automatic draft)


def report_inputs(
    org: Organisation,
    cycle: Cycle,
    *,
    today: date | None = None,
    narrative: Narrative | None = None,
    lang: str | None = None,
) -> ReportInputs:
    """Gather every input of ``cycle``'s report in ``lang`` (default: the organisation's language).

    ``today`` dates the register checks and the actions' overdue flags.
    """
    if cycle.org_id != org.id:
        raise ValueError("the cycle belongs to another organisation")
    today = today or date.today()
    with rendering_in(report_language(lang, org.language)) as shown:
        framework = cycle_services.cycle_framework(cycle)
        register = register_read(org, today=today, practices=practice_map(framework), lang=shown)
        health, state = register.health, register.state
        # An empty or thin register is missing evidence: it must not confirm (or boost) any gap.
        failing = frozenset(r.key for r in health.failing) if state == "ok" else frozenset()
        result = cycle_services.cycle_score(cycle=cycle, org=org, failing_checks=failing)
        brand = brand_source(org, org_consultant(org))
        logos = _logos([org.logo_id, brand.firm_logo_id])
        groups = tuple((g["key"], g["label"]) for g in cycle_services.org_groups(org))
        return ReportInputs(
            org=OrgInfo(
                name=org.name,
                slug=org.slug,
                language=shown,
                logo=_data_uri(logos.get(org.logo_id) if org.logo_id else None),
                group_labels=groups,
            ),
            branding=Branding(
                prepared_by=brand.prepared_by,
                firm_name=brand.firm_name,
                accent=brand.accent,
                firm_logo=_data_uri(logos.get(brand.firm_logo_id) if brand.firm_logo_id else None),
            ),
            framework=framework,
            period=cycle.period,
            result=result,
            history=tuple(cycle_services.closed_results(org)),
            health=health,
            register_state=state,
            owners=register.owners,
            evidence_notes=_evidence_notes(cycle),
            actions=_actions(org, cycle, result, today),
            data_timestamp=_data_timestamp(cycle),
            profile=_profile_name(cycle, framework, shown),
            benchmark=benchmark_for_cycle(cycle, lang=shown),
            narrative=narrative,
        )


def report_context_from(inputs: ReportInputs, *, generated_at: datetime | None = None) -> ReportContext:
    """Build the report context from ``inputs`` and nothing else (no database, no clock but ``generated_at``)."""
    with rendering_in(inputs.org.language):
        context = build_report_context(
            org=inputs.org,
            branding=inputs.branding,
            framework=inputs.framework,
            period=inputs.period,
            result=inputs.result,
            history=inputs.history,
            health=inputs.health,
            owners=inputs.owners,
            evidence_notes=inputs.evidence_notes,
            actions=inputs.actions,
            generated_at=generated_at or datetime.now(UTC),
            data_timestamp=inputs.data_timestamp,
            narrative=inputs.narrative,
            register_state=inputs.register_state,
            profile=inputs.profile,
        )
    return replace(context, benchmark=inputs.benchmark)


def report_context_for_cycle(
    org: Organisation,
    cycle: Cycle,
    *,
    today: date | None = None,
    generated_at: datetime | None = None,
    narrative: Narrative | None = None,
    lang: str | None = None,
) -> ReportContext:
    """Return the report context of ``cycle`` (stored results when closed, live when open).

    ``lang`` is the report's language (default: the organisation's); every sentence, number and
    date of the context is written in it, whatever the reader's own interface language.
    """
    inputs = report_inputs(org, cycle, today=today, narrative=narrative, lang=lang)
    return report_context_from(inputs, generated_at=generated_at)


def _profile_name(cycle: Cycle, framework: Framework, lang: str) -> str:
    """Return the framework profile the cycle used, in words ("" when the framework has none)."""
    key = getattr(cycle, "profile", None) or getattr(cycle, "profile_key", None)
    for profile in getattr(framework, "profiles", ()) or ():
        if getattr(profile, "key", None) == key:
            name = profile.name
            return name.get(lang) if hasattr(name, "get") else str(name)
    return ""


# -- the cheap fingerprint of a report's inputs ------------------------------------------------
@lru_cache(maxsize=1)
def render_version() -> str:
    """Return a hash of everything besides the inputs that shapes the PDF, so a deploy renders anew.

    That is the report's templates and stylesheets, the Python that builds the context and draws
    its charts and numbers, and the compiled catalogues its words come from.
    """
    package = Path(__file__).resolve().parent
    project = package.parent.parent
    files = [
        *sorted((TEMPLATES_ROOT / "reports").rglob("*.html")),
        STATIC_ROOT / "css" / "report.css",
        STATIC_ROOT / "css" / "report-pdf.css",
        STATIC_ROOT / "css" / "report-fonts.css",
        *sorted(package.glob("*.py")),
        package.parent / "charts.py",
        package.parent / "numbers.py",
        *sorted(project.glob("translations/*/LC_MESSAGES/messages.mo")),
    ]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(project)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def report_inputs_key(inputs: ReportInputs) -> str:
    """Return the PDF cache key: a hash of every input of the report and of its templates.

    Equal keys mean equal contexts rendered by equal templates. The key is computed from the
    gathered inputs field by field, whatever fields :class:`ReportInputs` has.
    """
    digest = hashlib.sha256(render_version().encode("ascii"))
    for name, value in _fields_of(inputs).items():
        digest.update(name.encode("utf-8"))
        digest.update(_value_digest(value).encode("ascii"))
    return digest.hexdigest()


def _fields_of(value: Any) -> dict[str, Any]:
    """Return a dataclass instance's fields by name, tagged with its type (two kinds never collide)."""
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    fields["__type__"] = type(value).__qualname__
    return fields


def _plain(value: Any) -> Any:
    """Return a JSON-able form of one input value (``json.dumps`` hook for what JSON lacks)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields_of(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"a report input must be plain data, not {type(value).__name__}")


#: id -> (weak reference, digest) of the large inputs that never change once built: framework
#: snapshots and stored results come from process-wide caches, and health reports from the
#: register memo (:func:`register_read`), so the same objects recur from request to request and
#: each is serialised once.
_DIGESTS: dict[int, tuple[weakref.ref[Any], str]] = {}


def _value_digest(value: Any) -> str:
    """Return sha256 of one input's canonical JSON; a sequence hashes its items' digests in order."""
    if isinstance(value, (tuple, list)):
        return hashlib.sha256("".join(_value_digest(v) for v in value).encode("ascii")).hexdigest()
    remembered = isinstance(value, (Framework, CycleResult, HealthReport))
    if remembered:
        hit = _DIGESTS.get(id(value))
        if hit is not None and hit[0]() is value:
            return hit[1]
    canonical = json.dumps(
        [type(value).__qualname__, value], default=_plain, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if remembered:
        key = id(value)

        def forget(_gone: object, key: int = key) -> None:
            _DIGESTS.pop(key, None)

        _DIGESTS[key] = (weakref.ref(value, forget), digest)
    return digest
