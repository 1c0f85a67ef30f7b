"""Factories for action tests: scored cycles, register people with CX roles, actions."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert

from cxgov.auth.models import User
from cxgov.cycles import services as cycle_services
from cxgov.cycles.models import Answer, Cycle, Respondent
from cxgov.extensions import db
from cxgov.framework.catalog import framework_catalog
from cxgov.orgs.models import Organisation
from cxgov.register.models import CxRole, Person


def framework():
    """Return the shipped framework."""
    fw = framework_catalog().get("cx-governance")
    assert fw is not None
    return fw


def scored_cycle(org: Organisation, period: str, levels: dict[str, int], *, status: str = "closed",
                 respondents: int = 3) -> Cycle:
    """Create a cycle in which ``respondents`` people all answered ``levels`` (practice -> level)."""
    cycle = cycle_services.cycle_create(org=org, period=period, framework=framework())
    cycle_services.cycle_open(cycle=cycle)
    for _ in range(respondents):
        user = User(email=f"r-{uuid.uuid4().hex[:10]}@example.com", name="Respondent")
        db.session.add(user)
        db.session.flush()
        respondent = Respondent(org_id=org.id, cycle_id=cycle.id, user_id=user.id, group="management")
        db.session.add(respondent)
        db.session.flush()
        if levels:
            db.session.execute(insert(Answer), [
                {"org_id": org.id, "cycle_id": cycle.id, "respondent_id": respondent.id, "practice_id": pid,
                 "kind": "level", "level": level, "note": "", "version_id": 1} for pid, level in levels.items()])
    if status == "closed":
        cycle_services.cycle_close(cycle=cycle, org=org, by=None)
    db.session.flush()
    return cycle


def person(org: Organisation, name: str, *, role: str | None = None, user: User | None = None,
           active: bool = True) -> Person:
    """Create a register person, optionally holding an active CX role and linked to a user."""
    p = Person(org_id=org.id, name=name, email=f"{uuid.uuid4().hex[:8]}@client.example", active=active,
               user_id=user.id if user else None)
    db.session.add(p)
    db.session.flush()
    if role:
        db.session.add(CxRole(org_id=org.id, person_id=p.id, role=role, since=date(2020, 1, 1)))
        db.session.flush()
    return p
