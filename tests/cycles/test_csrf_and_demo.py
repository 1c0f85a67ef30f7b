"""The autosave needs the CSRF token; the demo's quarters tell a story (trend, dip, perception gaps)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cxgov.cycles import services
from cxgov.cycles.models import Answer, Cycle
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.conftest import login_as
from tests.cycles.helpers import make_cycle


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_autosave_needs_the_csrf_token(client, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.RESPONDENT)
    cycle = make_cycle(org, respondents=[(user, "front_line")])
    db.session.commit()
    login_as(client, user)
    save_url = f"/o/{org.slug}/cycles/{cycle.id}/answer/save"
    refused = client.post(save_url, json={"practice_id": "A1", "choice": "3", "version": 0})
    assert refused.status_code == 400
    assert not refused.is_json  # the script reads a non-JSON answer as "log in again"
    assert db.session.scalar(select(func.count(Answer.id))) == 0
    page = client.get(f"/o/{org.slug}/cycles/{cycle.id}/answer").data.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    saved = client.post(save_url, json={"practice_id": "A1", "choice": "3", "version": 0},
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json["ok"]


def test_expired_session_on_autosave_is_not_json(client, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.RESPONDENT)
    cycle = make_cycle(org, respondents=[(user, "front_line")])
    db.session.commit()
    response = client.post(f"/o/{org.slug}/cycles/{cycle.id}/answer/save",
                           json={"practice_id": "A1", "choice": "3", "version": 0})
    assert response.status_code in (302, 401) and not response.is_json
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_demo_quarters(app, monkeypatch):
    monkeypatch.setattr(services, "register_failing_checks", lambda org: frozenset({"delegated_mandates"}))
    from cxgov import demo

    ctx = demo.demo_create()
    db.session.commit()
    # Nine quarters, closed through the real service. How long that takes is bench/'s question
    # (a timed assert here failed on a loaded machine); what it produces is this test's.
    cycles = list(db.session.scalars(select(Cycle).where(Cycle.org_id == ctx.org.id).order_by(Cycle.period)))
    assert [c.period for c in cycles] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
                                          "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [c.status for c in cycles] == ["closed"] * 8 + ["open"]
    for c in cycles:
        assert 6 <= len(c.respondents) <= 12
        assert {r.group for r in c.respondents} == {"leadership", "management", "front_line"}
    index = [c.results["index"] for c in cycles[:8]]
    assert index[-1] > index[0] + 15  # a visible rise ...
    assert any(b < a for a, b in zip(index, index[1:]))  # ... with a dip
    last = services.cycle_score(cycle=cycles[7], org=ctx.org)
    flagged = {p.practice_id for p in last.perception_flags()}
    assert {"E1", "E2"} <= flagged or len(flagged & {"E1", "E2", "A1", "A2", "B6"}) >= 3
    assert all(p.perception_gap > 0 for p in last.perception_flags() if p.practice_id in {"E1", "E2", "A1", "A2"})
    progress = services.cycle_progress(cycles[8])
    assert 0 < progress.answered < progress.expected and 0 < progress.submitted < progress.invited
