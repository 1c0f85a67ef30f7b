"""Load everything a cycle's report shows, in a fixed small number of queries.

:func:`report_context_for_cycle` turns database rows into the plain inputs of
:func:`cxgov.reports.context.build_report_context`; nothing it returns is an ORM object.
:func:`report_inputs_key` fingerprints the same inputs cheaply (a few aggregate queries), so
a cached PDF can be found without building the context at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache

from sqlalchemy import func, select, union_all, literal

from ..auth.models import User
from ..cycles import services as cycle_services
from ..cycles.models import Answer, Cycle, Respondent
from ..extensions import db
from ..i18n import rendering_in, report_language
from ..orgs.models import Membership, Organisation, Role, StoredFile
from ..register.health import practice_map, register_snapshot, run_health_checks
from .context import (
    ActionInfo,
    Branding,
    OrgInfo,
    ReportContext,
    build_report_context,
    Narrative,
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


def _actions(org: Organisation, cycle: Cycle, result, today: date) -> list[ActionInfo]:
    try:
        from ..actions.selectors import action_followup
    except ImportError:  # the action plan is optional
        return []
    items = action_followup(org.id, cycle, result=result, today=today)
    return [
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
    ]


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
    if cycle.org_id != org.id:
        raise ValueError("the cycle belongs to another organisation")
    with rendering_in(report_language(lang, org.language)) as shown:
        return _report_context(org, cycle, today=today, generated_at=generated_at, narrative=narrative, lang=shown)


def _report_context(
    org: Organisation,
    cycle: Cycle,
    *,
    today: date | None,
    generated_at: datetime | None,
    narrative: Narrative | None,
    lang: str,
) -> ReportContext:
    today = today or date.today()
    generated_at = generated_at or datetime.now(UTC)
    framework = cycle_services.cycle_framework(cycle)
    snapshot = register_snapshot(org)
    health = run_health_checks(snapshot, today, practice_map(framework))
    state = register_state_of(snapshot)
    # An empty or thin register is missing evidence: it must not confirm (or boost) any gap.
    failing = frozenset(r.key for r in health.failing) if state == "ok" else frozenset()
    result = cycle_services.cycle_score(cycle=cycle, org=org, failing_checks=failing)
    history = cycle_services.closed_results(org)
    consultant = org_consultant(org)
    brand = brand_source(org, consultant)
    logos = _logos([org.logo_id, brand.firm_logo_id])
    groups = tuple((g["key"], g["label"]) for g in cycle_services.org_groups(org))
    context = build_report_context(
        org=OrgInfo(
            name=org.name,
            slug=org.slug,
            language=lang,
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
        history=history,
        health=health,
        owners=owners_from_snapshot(snapshot, today),
        evidence_notes=_evidence_notes(cycle),
        actions=_actions(org, cycle, result, today),
        generated_at=generated_at,
        data_timestamp=_data_timestamp(cycle),
        narrative=narrative,
        register_state=state,
        profile=_profile_name(cycle, framework, lang),
    )
    from ..portfolio.benchmark import benchmark_for_cycle  # the benchmark is the portfolio's feature

    return replace(context, benchmark=benchmark_for_cycle(cycle, lang=lang))


def _profile_name(cycle: Cycle, framework, lang: str) -> str:
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
    """Return a hash of the report's templates and stylesheets (a deploy changes the PDF)."""
    digest = hashlib.sha256()
    files = sorted((TEMPLATES_ROOT / "reports").rglob("*.html")) + [
        STATIC_ROOT / "css" / "report.css",
        STATIC_ROOT / "css" / "report-pdf.css",
        STATIC_ROOT / "css" / "report-fonts.css",
    ]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def report_inputs_key(org: Organisation, cycle: Cycle, *, today: date | None = None, lang: str | None = None) -> str:
    """Return a hash of everything the report depends on, from a few aggregate queries.

    Any answer, register row, action or branding change alters it; so does the date (the
    register checks depend on it) and the report templates. Equal keys mean equal contexts.
    """
    from ..register.models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint

    tables = [Answer, Person, Channel, Journey, Touchpoint, CxRole, DelegatedMandate]
    try:
        from ..actions.models import Action

        tables.append(Action)
    except ImportError:
        Action = None  # noqa: N806
    parts = []
    for model in tables:
        where = (model.cycle_id == cycle.id) if model is Answer else (model.org_id == org.id)
        parts.append(
            select(
                literal(model.__tablename__).label("t"),
                func.count(model.id).label("n"),
                func.max(model.updated_at).label("u"),
            ).where(where)
        )
    # Any closed cycle's result feeds the trend; count and latest close cover additions.
    parts.append(
        select(
            literal("cycle").label("t"), func.count(Cycle.id).label("n"), func.max(Cycle.closed_at).label("u")
        ).where(Cycle.org_id == org.id, Cycle.status == "closed")
    )
    rows = sorted((t, n, str(u)) for t, n, u in db.session.execute(union_all(*parts)))
    consultant = org_consultant(org)
    brand = brand_source(org, consultant)
    logos = _logos([org.logo_id, brand.firm_logo_id])
    facts = {
        "v": render_version(),
        "today": (today or date.today()).isoformat(),
        "lang": report_language(lang, org.language),  # a Danish and an English PDF differ
        "cycle": [cycle.id, cycle.status, str(cycle.closed_at), cycle.framework_hash, cycle.targets or {}],
        "org": [
            org.name,
            org.slug,
            org.language,
            org.service_promise,
            org.respondent_groups,
            org.logo_id,
            logos[org.logo_id].sha256 if org.logo_id in logos else None,
        ],
        "brand": [
            brand.prepared_by,
            brand.firm_name,
            brand.accent,
            logos[brand.firm_logo_id].sha256 if brand.firm_logo_id in logos else None,
        ],
        "rows": rows,
    }
    canonical = json.dumps(facts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
