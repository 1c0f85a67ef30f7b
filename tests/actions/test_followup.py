"""The follow-up of a cycle: which actions, in which category, with which score change, in two queries."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from cxgov.actions import services
from cxgov.actions.selectors import action_followup, period_bounds
from cxgov.cycles import services as cycle_services
from cxgov.extensions import db
from tests.actions.helpers import framework, person, scored_cycle


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def _close_on(cycle, day: str) -> None:
    cycle.closed_at = at(day)
    db.session.flush()


@pytest.fixture
def timeline(make_org):
    """2025-Q4 and 2026-Q1 and 2026-Q2 closed, with actions made from their gaps along the way."""
    org = make_org()
    owner = person(org, "Karin Ångström")
    q0 = scored_cycle(org, "2025-Q4", {"A2": 1, "B3": 2, "C1": 3, "D1": 2})
    _close_on(q0, "2025-12-31")
    old = services.action_create(org=org, by=None, title="Old", practice_id="A2", source_cycle=q0,
                                 now=at("2026-01-05"))
    services.action_update(org=org, action=old, by=None, version_id=None, status="done", now=at("2026-02-10"))

    q1 = scored_cycle(org, "2026-Q1", {"A2": 2, "B3": 2, "C1": 3, "D1": 2})
    _close_on(q1, "2026-03-31")
    made = at("2026-04-03")
    a2 = services.action_create(org=org, by=None, title="Outer loop", practice_id="A2", owner=owner,
                                source_cycle=q1, due_date=date(2026, 5, 31), now=made)
    services.action_update(org=org, action=a2, by=None, version_id=None, status="done", now=at("2026-05-10"))
    b3 = services.action_create(org=org, by=None, title="Sponsor mandate", practice_id="B3", source_cycle=q1,
                                due_date=date(2026, 5, 1), now=made)
    c1 = services.action_create(org=org, by=None, title="Dropped one", practice_id="C1", source_cycle=q1,
                                due_date=date(2026, 5, 1), now=made)
    services.action_update(org=org, action=c1, by=None, version_id=None, status="dropped",
                           drop_reason="Superseded.", now=at("2026-04-20"))
    d1 = services.action_create(org=org, by=None, title="Done after the close", practice_id="D1",
                                source_cycle=q1, due_date=date(2026, 6, 20), now=made)
    services.action_update(org=org, action=d1, by=None, version_id=None, status="done", now=at("2026-07-15"))
    e1 = services.action_create(org=org, by=None, title="By hand, due at quarter end", practice_id="E1",
                                due_date=date(2026, 6, 30), status="in_progress", now=at("2026-04-05"))
    later = services.action_create(org=org, by=None, title="Made after the close", practice_id="B3",
                                   due_date=date(2026, 6, 25), now=at("2026-07-02"))
    q2 = scored_cycle(org, "2026-Q2", {"A2": 3, "B3": 2, "C1": 3, "D1": 2})
    _close_on(q2, "2026-06-30")
    db.session.commit()
    return dict(org=org, q0=q0, q1=q1, q2=q2, old=old, a2=a2, b3=b3, c1=c1, d1=d1, e1=e1, later=later)


def test_period_bounds():
    assert period_bounds("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds("2025-Q4") == (date(2025, 10, 1), date(2025, 12, 31))


def test_followup_of_a_closed_cycle_is_as_of_its_close(timeline):
    t = timeline
    items = action_followup(t["org"].id, t["q2"])
    got = [(i.action_id, i.category, i.status, i.overdue, i.score_change) for i in items]
    assert got == [
        (t["b3"].id, "overdue", "planned", True, pytest.approx(0.0)),
        # Done on 15 July, after the 30 June close: for 2026-Q2 it was still underway and late.
        (t["d1"].id, "overdue", "in_progress", True, pytest.approx(0.0)),
        (t["e1"].id, "due", "in_progress", False, None),  # E1 was not answered: no change
        (t["a2"].id, "done", "done", False, pytest.approx(1.0)),  # A2 moved from 2 to 3
    ]
    a2 = items[-1]
    assert (a2.owner_name, a2.done_at, a2.due_date, a2.source_period, a2.practice_id) == (
        "Karin Ångström", date(2026, 5, 10), date(2026, 5, 31), "2026-Q1", "A2")
    # Dropped, older and later actions are not part of this quarter's follow-up.
    ids = {i.action_id for i in items}
    assert not ids & {t["c1"].id, t["old"].id, t["later"].id}


def test_followup_of_the_earlier_cycle(timeline):
    t = timeline
    items = action_followup(t["org"].id, t["q1"])
    assert [(i.action_id, i.category) for i in items] == [(t["old"].id, "done")]
    assert items[0].score_change == pytest.approx(1.0)  # A2: 1 -> 2


def test_followup_of_the_open_cycle_shows_carried_actions(timeline):
    t = timeline
    org = t["org"]
    q3 = cycle_services.cycle_create(org=org, period="2026-Q3", framework=framework())
    cycle_services.cycle_open(cycle=q3)
    db.session.commit()
    result = cycle_services.cycle_score(cycle=q3, org=org)
    items = {i.action_id: i for i in action_followup(org.id, q3, result=result)}
    # Still open when 2026-Q3 opened: carried. D1 was done on 15 July, inside the quarter.
    assert items[t["b3"].id].carried and items[t["b3"].id].category == "overdue"
    assert items[t["e1"].id].carried and items[t["later"].id].carried
    assert items[t["d1"].id].category == "done" and not items[t["d1"].id].carried
    assert t["a2"].id not in items and t["c1"].id not in items
    assert all(i.score_change is None for i in items.values())  # nobody answered yet


def test_followup_takes_two_queries(timeline, app):
    t = timeline
    cycle = db.session.get(type(t["q2"]), t["q2"].id)
    org_id = t["org"].id
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert len(action_followup(org_id, cycle)) == 4
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 2


def test_followup_refuses_another_orgs_cycle(timeline, make_org):
    with pytest.raises(ValueError):
        action_followup(make_org().id, timeline["q2"])


def test_followup_page_and_dashboard_show_actions_beside_score_change(timeline, client, make_member, login):
    from cxgov.orgs.models import Role

    t = timeline
    login(client, make_member(t["org"], Role.VIEWER))
    page = client.get(f"/o/{t['org'].slug}/actions/followup/{t['q2'].id}").get_data(as_text=True)
    assert "Outer loop" in page and "+1.0" in page and "Dropped one" not in page
    dashboard = client.get(f"/o/{t['org'].slug}/cycles/{t['q2'].id}/")
    if dashboard.status_code == 200:
        html = dashboard.get_data(as_text=True)
        assert 'data-testid="cycle-followup"' in html and "Outer loop" in html
