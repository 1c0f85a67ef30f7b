"""Synthetic, deterministic report inputs built with the real model classes and engine.

Used by the pure report tests and the benchmark: a framework from assessments/, answers
scored with ``score_cycle`` over several quarters, and a register snapshot run through the
real health checks. No database.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime
from functools import lru_cache

from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR, load_framework_file
from cxgov.framework.model import Framework
from cxgov.register.health import (
    ChannelRow,
    CxRoleRow,
    JourneyRow,
    MandateRow,
    PersonRow,
    RegisterSnapshot,
    TouchpointRow,
    practice_map,
    run_health_checks,
)
from cxgov.reports.context import (
    ActionInfo,
    Branding,
    OrgInfo,
    ReportContext,
    build_report_context,
    owners_from_snapshot,
)
from cxgov.scoring.engine import Answer, CycleResult, score_cycle

#: A one-pixel PNG, so the cover's client logo is laid out (and needs its alternate text).
PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
    "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

#: The sample's names: Nordic letters for the fonts, and a quote, angle brackets and an ampersand
#: for the running footer, which carries the client's name as an escaped CSS string.
SAMPLE_NAMES = {
    "org_name": 'Nordlys "Ö" <Ångström> & Bæk',
    "logo": PNG_1PX,
    "prepared_by": "Søren Åkesson",
    "firm": "Øster & Ödman Advisory",
}

TODAY = date(2026, 11, 20)
GROUPS = (("leadership", "Leadership"), ("management", "Management"), ("front_line", "Front line"))
PERIODS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")


@lru_cache(maxsize=1)
def framework() -> Framework:
    """Return the shipped CX governance framework."""
    result = load_framework_file(DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml")
    assert result.framework is not None, result.problems
    return result.framework


def snapshot(*, touchpoints: int = 120, seed: int = 7, person_names: tuple[str, ...] = ()) -> RegisterSnapshot:
    """Return a register with some gaps: unowned touchpoints, no mandates, stale reviews."""
    rng = random.Random(seed)
    names = list(person_names) or ["Karin Ångström", "Jonas Bæk", "Sofia Öberg", "Mette Sørensen",
                                   "Anders Holm", "Freja Dahl", "Lars Nyström", "Ida Møller"]
    people = tuple(PersonRow(i + 1, n, f"p{i + 1}@example.org", True) for i, n in enumerate(names))
    channels = tuple(ChannelRow(i + 1, name, kind, (i % len(people)) + 1 if i != 2 else None, True)
                     for i, (name, kind) in enumerate([("Phone", "phone"), ("Web", "web"),
                                                       ("App", "app"), ("Stores", "store")]))
    journeys = tuple(JourneyRow(i + 1, name, (i + 2) if i < 3 else None, True)
                     for i, name in enumerate(["Become a customer", "Get help", "Move house",
                                               "Pay a bill", "Leave"]))
    touch = tuple(
        TouchpointRow(i + 1, f"Touchpoint {i + 1:04d}", journeys[i % len(journeys)].id,
                      channels[i % len(channels)].id,
                      None if rng.random() < 0.2 else rng.randint(1, len(people)),
                      date(2026, rng.randint(1, 10), 15) if rng.random() < 0.7 else None, True)
        for i in range(touchpoints)
    )
    roles = (CxRoleRow(1, 1, "cx_sponsor", date(2024, 1, 1), None),
             CxRoleRow(2, 2, "ambassador", date(2024, 1, 1), None),
             CxRoleRow(3, 3, "insight_manager", date(2024, 1, 1), None))
    mandates: tuple[MandateRow, ...] = ()
    return RegisterSnapshot(org_id=1, service_promise="We answer within one working day.",
                            people=people, channels=channels, journeys=journeys,
                            touchpoints=touch, roles=roles, mandates=mandates)


def _answers(fw: Framework, quarter: int, rng: random.Random, n_people: int = 10) -> list[Answer]:
    answers = []
    groups = ["leadership"] * 2 + ["management"] * 3 + ["front_line"] * (n_people - 5)
    for i, pr in enumerate(fw.practices):
        base = 1.6 + (i % 7) * 0.35 + quarter * 0.12
        for rid, group in enumerate(groups, start=1):
            bias = 0.9 if (group != "front_line" and i % 9 == 0) else 0.0
            value = round(base + bias + rng.uniform(-0.8, 0.8))
            if rng.random() < 0.04:
                answers.append(Answer(rid, group, pr.id, None, "dont_know"))
                continue
            answers.append(Answer(rid, group, pr.id, max(1, min(5, value))))
    return answers


def history(*, seed: int = 3, quarters: int = len(PERIODS)) -> list[tuple[str, CycleResult]]:
    """Return scored quarters, oldest first; each compares with the one before."""
    fw = framework()
    rng = random.Random(seed)
    failing = frozenset(r.key for r in run_health_checks(snapshot(), TODAY, practice_map(fw)).failing)
    out: list[tuple[str, CycleResult]] = []
    previous = None
    for q, period in enumerate(PERIODS[:quarters]):
        result = score_cycle(framework=fw, answers=_answers(fw, q, rng), failing_checks=failing,
                             previous=previous)
        out.append((period, result))
        previous = result
    return out


def sample_context(*, org_name: str = "Nordlys Energi AB", touchpoints: int = 120,
                   prepared_by: str = "Helena Strand", firm: str = "Strand & Øster Advisory",
                   accent: str = "#1f5f8b", notes: dict | None = None,
                   actions: tuple[ActionInfo, ...] | None = None, logo: str | None = None,
                   person_names: tuple[str, ...] = ()) -> ReportContext:
    """Return a full report context for the last sample quarter."""
    fw = framework()
    hist = history()
    period, result = hist[-1]
    snap = snapshot(touchpoints=touchpoints, person_names=person_names)
    health = run_health_checks(snap, TODAY, practice_map(fw))
    if notes is None:
        notes = {
            "A1": [("front_line", "Call-backs happen, but only when the shift lead has time."),
                   ("leadership", "The routine is written down since March.")],
            "E1": [("front_line", "We must ask a manager before refunding even 200 kr.")],
        }
    if actions is None:
        actions = (
            ActionInfo("A1", "Write the call-back routine", "Sofia Öberg", "done",
                       due=date(2026, 8, 31), completed=date(2026, 8, 20)),
            ActionInfo("E1", "Agree refund mandates for the front line", "Karin Ångström",
                       "in_progress", due=date(2026, 10, 1), overdue=True),
            ActionInfo("B2", "Name journey owners", "Jonas Bæk", "planned", due=date(2027, 1, 31)),
        )
    return build_report_context(
        org=OrgInfo(name=org_name, slug="nordlys", language="en", logo=logo, group_labels=GROUPS),
        branding=Branding(prepared_by=prepared_by, firm_name=firm, accent=accent),
        framework=fw,
        period=period,
        result=result,
        history=hist,
        health=health,
        owners=owners_from_snapshot(snap, TODAY),
        evidence_notes=notes,
        actions=actions,
        generated_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        data_timestamp=datetime(2026, 11, 21, 17, 30, tzinfo=UTC),
    )
