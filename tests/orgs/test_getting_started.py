"""The getting-started checklist ticks itself from the data; the sponsor's next action; no lonely trend dot."""
from __future__ import annotations

from datetime import date, timedelta

from cxgov.extensions import db as _db
from cxgov.onboarding.checklist import quarter_end, quarter_of, sponsor_next_action
from cxgov.orgs.models import Role
from cxgov.register import services


def steps(page: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-testid="step-(\w+)" data-done="(yes|no)"', page))


def test_checklist_ticks_itself_in_dependency_order(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    sponsor = make_member(org, Role.SPONSOR)
    login(client, sponsor)
    page = client.get("/o/fresh/").data.decode()
    assert list(steps(page)) == ["settings", "journeys", "channels", "people", "roles", "touchpoints",
                                 "respondents", "cycle"]
    assert steps(page)["respondents"] == "yes"  # the sponsor is a member who can answer
    assert [k for k, v in steps(page).items() if v == "yes"] == ["respondents"]
    assert "Every touchpoint has an owner" not in page  # no data yet is no gap

    org.service_promise = "We answer within a day."
    anna = services.person_create(org=org, name="Anna", by=None)
    journey = services.journey_create(org=org, name="Move in", owner=anna, by=None)
    channel = services.channel_create(org=org, name="Phone", kind="phone", manager=anna, by=None)
    services.cx_role_create(org=org, person=anna, role="cx_sponsor", since=date(2024, 1, 1), by=None)
    tp = services.touchpoint_create(org=org, journey=journey, channel=channel, name="Sign up", by=None)
    _db.session.commit()
    ticked = steps(client.get("/o/fresh/").data.decode())
    assert ticked == {"settings": "yes", "journeys": "yes", "channels": "yes", "people": "yes", "roles": "yes",
                      "touchpoints": "no", "respondents": "yes", "cycle": "no"}  # the touchpoint has no owner
    services.touchpoint_update(touchpoint=tp, owner=anna, by=None)
    _db.session.commit()
    assert steps(client.get("/o/fresh/").data.decode())["touchpoints"] == "yes"


def test_empty_touchpoint_list_says_what_to_create_first(client, login, make_org, make_member):
    org = make_org(slug="fresh", name="Fresh")
    login(client, make_member(org, Role.SPONSOR))
    page = client.get("/o/fresh/register/touchpoints").data.decode()
    assert 'data-testid="create-first"' in page and "New touchpoint" not in page


def test_next_action_follows_the_cycle_life():
    today = date(2026, 11, 25)
    open_cycle = {"id": 1, "period": "2026-Q4", "invited": 0, "submitted": 0, "due_date": date(2026, 12, 10)}
    kw = {"today": today, "latest_closed": None, "current_quarter_has_cycle": True, "overdue_actions": 0}
    assert sponsor_next_action(open_cycle=open_cycle, **kw).key == "invite"
    remind = sponsor_next_action(open_cycle={**open_cycle, "invited": 5, "submitted": 2}, **kw)
    assert (remind.key, remind.count, remind.due) == ("remind", 3, date(2026, 12, 10))
    assert sponsor_next_action(open_cycle={**open_cycle, "invited": 5, "submitted": 5}, **kw).key == "close"
    late = {**open_cycle, "invited": 5, "submitted": 2, "due_date": today - timedelta(days=1)}
    assert sponsor_next_action(open_cycle=late, **kw).key == "close"
    closed = {"id": 2, "period": "2026-Q4", "closed_on": today - timedelta(days=3)}
    review = sponsor_next_action(open_cycle=None, **{**kw, "latest_closed": closed})
    assert (review.key, review.due) == ("review_report", today + timedelta(days=11))
    assert sponsor_next_action(open_cycle=None, **{**kw, "overdue_actions": 2}).key == "follow_up"
    start = sponsor_next_action(open_cycle=None, **{**kw, "current_quarter_has_cycle": False})
    assert (start.key, start.due) == ("start", date(2026, 12, 31))
    assert sponsor_next_action(open_cycle=None, **kw) is None


def test_quarters():
    assert quarter_of(date(2026, 11, 25)) == "2026-Q4" and quarter_of(date(2026, 1, 1)) == "2026-Q1"
    assert quarter_end("2026-Q1") == date(2026, 3, 31) and quarter_end("2026-Q4") == date(2026, 12, 31)


def test_start_this_quarter_is_not_offered_once_the_quarter_has_a_cycle(client, login, make_org, make_member):
    from tests.cycles.helpers import make_cycle

    org = make_org(slug="fresh", name="Fresh")
    login(client, make_member(org, Role.SPONSOR))
    assert 'data-testid="start-quarter"' in client.get("/o/fresh/").data.decode()
    make_cycle(org, period=quarter_of(date.today()), status="closed")
    _db.session.commit()
    page = client.get("/o/fresh/").data.decode()
    assert 'data-testid="start-quarter"' not in page
    assert "The trend appears after the second quarter." in page
