"""Fixing a gap where it is shown: inline owner assignment with optimistic locking and history,
fix links from every failing check, and the health score moving with each fixed item."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cxgov.extensions import db as _db
from cxgov.history.models import ChangeLog
from cxgov.orgs.models import Role
from cxgov.register import services
from cxgov.register.health import register_health
from cxgov.register.models import Touchpoint

from .helpers import small_register


@pytest.fixture
def org(make_org):
    return make_org(slug="nordlys", name="Nordlys", service_promise="We answer within a day.")


@pytest.fixture
def reg(org):
    reg = small_register(org)
    extra = [services.touchpoint_create(org=org, journey=reg["outage"], channel=reg["phone"], name=f"Call {i}",
                                        by=None) for i in range(1, 4)]
    cara = services.person_create(org=org, name="Cara Dahl", email="cara@x.example", by=None)
    _db.session.commit()
    return {**reg, "unowned": extra, "cara": cara}


def url(path):
    return f"/o/nordlys/register{path}"


def inline_form(page: str, kind: str, entity_id: int) -> dict[str, str]:
    """Return the hidden fields of the inline owner form for one row, as the browser would send them."""
    match = re.search(rf'<form[^>]*data-testid="owner-inline-{kind}-{entity_id}".*?</form>', page, re.S)
    assert match, f"no inline form for {kind} {entity_id}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', match.group(0)))


def test_unowned_list_assigns_inline_and_a_stale_second_tab_gets_the_conflict(client, login, make_member, org, reg):
    editor = make_member(org, Role.AMBASSADOR)
    login(client, editor)
    target = reg["unowned"][0]
    score_before = register_health(org).score
    first_tab = client.get(url("/touchpoints?owner=none")).data.decode()
    second_tab = client.get(url("/touchpoints?owner=none")).data.decode()

    saved = client.post(url("/owner"), data={**inline_form(first_tab, "touchpoint", target.id),
                                             "owner_id": reg["cara"].id})
    assert saved.status_code == 302 and saved.location.endswith("/touchpoints?owner=none")
    _db.session.expire_all()
    assert _db.session.get(Touchpoint, target.id).owner_id == reg["cara"].id
    assert register_health(org).score > score_before  # one of three unowned fixed: the score moves

    stale = client.post(url("/owner"), data={**inline_form(second_tab, "touchpoint", target.id),
                                             "owner_id": reg["anna"].id})
    assert stale.status_code == 409
    body = stale.data.decode()
    assert 'data-testid="owner-conflict"' in body and "Cara Dahl" in body
    _db.session.expire_all()
    assert _db.session.get(Touchpoint, target.id).owner_id == reg["cara"].id  # the first save stands

    changes = list(_db.session.scalars(select(ChangeLog).where(
        ChangeLog.entity_type == "touchpoint", ChangeLog.entity_id == target.id).order_by(ChangeLog.id)))
    assert [c.action for c in changes] == ["create", "update"]
    assert changes[-1].user_id == editor.id and "owner" in changes[-1].changes


@pytest.mark.parametrize("path, kind, key", [
    ("/matrix", "touchpoint", "unowned"),
    ("/health", "touchpoint", "unowned"),
])
def test_matrix_and_health_check_offer_the_inline_form(client, login, make_member, org, reg, path, kind, key):
    login(client, make_member(org, Role.SPONSOR))
    page = client.get(url(path)).data.decode()
    fields = inline_form(page, kind, reg[key][1].id)
    assert client.post(url("/owner"), data={**fields, "owner_id": reg["anna"].id}).status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Touchpoint, reg[key][1].id).owner_id == reg["anna"].id


def test_person_page_hands_a_journey_over(client, login, make_member, org, reg):
    login(client, make_member(org, Role.CONSULTANT))
    page = client.get(url(f"/people/{reg['anna'].id}")).data.decode()
    fields = inline_form(page, "journey", reg["move_in"].id)
    assert client.post(url("/owner"), data={**fields, "owner_id": reg["bo"].id}).status_code == 302
    _db.session.refresh(reg["move_in"])
    assert reg["move_in"].owner_id == reg["bo"].id


def test_readers_see_no_inline_form_and_cannot_post(client, login, make_member, org, reg):
    login(client, make_member(org, Role.VIEWER))
    page = client.get(url("/touchpoints?owner=none")).data.decode()
    assert "owner-inline-" not in page
    response = client.post(url("/owner"), data={"kind": "touchpoint", "entity_id": reg["unowned"][0].id,
                                                "version_id": "1", "owner_id": reg["bo"].id})
    assert response.status_code == 403


def test_another_organisations_person_or_row_answers_404(client, login, make_member, make_org, org, reg):
    other = make_org(slug="other", name="Other")
    stranger = services.person_create(org=other, name="Stranger", by=None)
    _db.session.commit()
    login(client, make_member(org, Role.SPONSOR))
    target = reg["unowned"][0]
    response = client.post(url("/owner"), data={"kind": "touchpoint", "entity_id": target.id,
                                                "version_id": target.version_id, "owner_id": stranger.id})
    assert response.status_code == 404
    _db.session.refresh(target)
    assert target.owner_id is None


def test_bad_input_changes_nothing_and_an_outside_next_is_ignored(client, login, make_member, org, reg):
    login(client, make_member(org, Role.SPONSOR))
    target = reg["unowned"][0]
    response = client.post(url("/owner"), data={"kind": "nonsense", "entity_id": target.id, "version_id": "x",
                                                "owner_id": reg["bo"].id, "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.location
    ok = client.post(url("/owner"), data={"kind": "touchpoint", "entity_id": target.id,
                                          "version_id": target.version_id, "owner_id": reg["bo"].id,
                                          "next": "//evil.example/"})
    assert ok.status_code == 302 and "evil" not in ok.location


def test_every_failing_check_links_to_the_page_that_fixes_it(client, login, make_member, org, reg):
    login(client, make_member(org, Role.SPONSOR))
    page = client.get(url("/health")).data.decode()
    report = register_health(org)
    failing = [r.key for r in report.results if r.status in ("fail", "warn")]
    assert failing
    for key in failing:
        link = re.search(rf'data-testid="fix-{key}" href="([^"]+)"', page)
        assert link, key
        assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200, key
    unowned = re.search(r'data-testid="fix-touchpoints_unowned" href="([^"]+)"', page).group(1)
    assert "owner=none" in unowned


def test_empty_register_says_not_enough_data(client, login, make_member, make_org):
    org = make_org(slug="empty", name="Empty")
    login(client, make_member(org, Role.SPONSOR))
    page = client.get("/o/empty/register/health").data.decode()
    assert 'data-testid="check-touchpoints_unowned" data-status="na"' in page
    assert "Not enough data" in page
    overview = client.get("/o/empty/").data.decode()
    assert "Every touchpoint has an owner" not in overview
