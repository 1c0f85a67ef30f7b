"""Factories for cycle tests: a framework, cycles with respondents and answers."""
from __future__ import annotations

from datetime import date

from cxgov.extensions import db
from cxgov.framework.catalog import framework_catalog
from cxgov.orgs.models import Organisation
from cxgov.cycles import services
from cxgov.cycles.models import Cycle, Respondent


def framework():
    """Return the shipped framework (the catalogue of the test app)."""
    fw = framework_catalog().get("cx-governance")
    assert fw is not None
    return fw


def make_cycle(org: Organisation, period: str = "2026-Q4", status: str = "open",
               respondents: list[tuple[object, str]] = (), due: date | None = None,
               profile_key: str | None = None) -> Cycle:
    """Create a cycle in ``status`` with (user, group) respondents; flushes only."""
    cycle = services.cycle_create(org=org, period=period, framework=framework(), due_date=due,
                                  profile_key=profile_key)
    for user, group in respondents:
        services.respondent_invite(cycle=cycle, org=org, user_id=user.id, group=group)
    if status in ("open", "closed"):
        services.cycle_open(cycle=cycle)
    if status == "closed":
        services.cycle_close(cycle=cycle, org=org, by=None)
    db.session.flush()
    return cycle


def answer(cycle: Cycle, respondent: Respondent, practice_id: str, choice: str, note: str = "",
           version: int | None = None):
    """Save one answer through the service (version defaults to the current one)."""
    if version is None:
        current = services.respondent_answers(respondent).get(practice_id)
        version = current.version_id if current else 0
    return services.answer_save(cycle=cycle, respondent=respondent,
                                data=services.AnswerInput(practice_id, choice, note, version))
