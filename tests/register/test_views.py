"""Register pages: CRUD and permissions per role, filters, optimistic locking, removal, history, CLI."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from cxgov.extensions import db as _db
from cxgov.history.models import ChangeLog
from cxgov.orgs.models import Role
from cxgov.register import services
from cxgov.register.models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint

from .helpers import small_register


@pytest.fixture
def org(make_org):
    return make_org(slug="nordlys", name="Nordlys", service_promise="We answer within a day.")


@pytest.fixture
def reg(org):
    return small_register(org)


def as_role(client, login, make_member, org, role):
    user = make_member(org, role)
    login(client, user)
    return user


def url(path):
    return f"/o/nordlys/register{path}"


def table(response) -> str:
    """Return the list table of a page (flash messages above it may name the same rows)."""
    page = response.data.decode()
    return page[page.index('cx-list'):] if 'cx-list' in page else page


def count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


# --- permissions --------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_every_list_page(client, login, make_member, org, reg, role):
    as_role(client, login, make_member, org, role)
    for path in ["/", "/touchpoints", "/people", "/channels", "/journeys", "/roles", "/mandates", "/matrix",
                 "/health", "/history", f"/people/{reg['anna'].id}", f"/touchpoints/{reg['touchpoints'][0].id}"]:
        response = client.get(url(path))
        assert response.status_code == 200, (role, path)
    assert "Anna Åström".encode() in client.get(url("/people")).data


@pytest.mark.parametrize("role, allowed", [(Role.CONSULTANT, True), (Role.SPONSOR, True), (Role.AMBASSADOR, True),
                                           (Role.RESPONDENT, False), (Role.VIEWER, False)])
def test_only_register_editors_create_and_edit(client, login, make_member, org, reg, role, allowed):
    as_role(client, login, make_member, org, role)
    before = count(Touchpoint)
    response = client.post(url("/touchpoints/new"), data={
        "journey_id": reg["outage"].id, "channel_id": reg["phone"].id, "name": "Call about an outage",
        "owner_id": reg["bo"].id, "stage": "Get help"})
    assert response.status_code == (302 if allowed else 403)
    assert count(Touchpoint) == before + (1 if allowed else 0)
    assert client.get(url(f"/touchpoints/{reg['touchpoints'][0].id}/edit")).status_code == (200 if allowed else 403)
    page = client.get(url("/touchpoints")).data.decode()
    assert ("New touchpoint" in page) is allowed


# --- CRUD ---------------------------------------------------------------------------------

def test_touchpoint_create_edit_deactivate_reactivate(client, login, make_member, org, reg):
    user = as_role(client, login, make_member, org, Role.AMBASSADOR)
    response = client.post(url("/touchpoints/new"), data={
        "journey_id": reg["outage"].id, "channel_id": reg["phone"].id, "name": "Call about an outage",
        "owner_id": "", "stage": "Get help", "desired_feeling": "Someone is on it", "kpi": "Answer time",
        "kpi_target": "< 2 min", "hygiene_factor": "y", "last_reviewed": "2026-01-15"})
    tp = _db.session.scalar(select(Touchpoint).where(Touchpoint.name == "Call about an outage"))
    assert response.headers["Location"].endswith(f"/touchpoints/{tp.id}")
    assert tp.owner_id is None and tp.hygiene_factor and tp.last_reviewed == date(2026, 1, 15)

    response = client.post(url(f"/touchpoints/{tp.id}/edit"), data={
        "journey_id": reg["outage"].id, "channel_id": reg["phone"].id, "name": "Call about an outage",
        "owner_id": reg["bo"].id, "stage": "Get help", "version_id": tp.version_id})
    assert response.status_code == 302
    _db.session.refresh(tp)
    assert tp.owner_id == reg["bo"].id and tp.kpi == "Answer time" and not tp.hygiene_factor

    assert client.post(url(f"/touchpoints/{tp.id}/deactivate"), data={"version_id": tp.version_id}).status_code == 302
    _db.session.refresh(tp)
    assert not tp.active
    assert "Call about an outage" not in table(client.get(url("/touchpoints")))
    assert "Call about an outage" in table(client.get(url("/touchpoints?status=all")))
    assert client.post(url(f"/touchpoints/{tp.id}/reactivate"), data={"version_id": tp.version_id}).status_code == 302
    _db.session.refresh(tp)
    assert tp.active
    actions = _db.session.scalars(select(ChangeLog.action).where(
        ChangeLog.entity_type == "touchpoint", ChangeLog.entity_id == tp.id).order_by(ChangeLog.id)).all()
    assert actions == ["create", "update", "deactivate", "reactivate"]
    assert _db.session.scalar(select(ChangeLog.user_id).where(ChangeLog.entity_id == tp.id).limit(1)) == user.id


def test_people_channels_journeys_roles_mandates_crud(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.SPONSOR)
    assert client.post(url("/people/new"), data={"name": "Søren Kjær", "email": "SOREN@x.example",
                                                 "title": "Agent", "department": "Service"}).status_code == 302
    soren = _db.session.scalar(select(Person).where(Person.name == "Søren Kjær"))
    assert soren.email == "soren@x.example"
    assert client.post(url(f"/people/{soren.id}/edit"), data={
        "name": "Søren Kjær", "email": "soren@x.example", "title": "Team lead",
        "version_id": soren.version_id}).status_code == 302
    assert client.post(url("/channels/new"), data={"name": "Complaints desk", "kind": "complaints",
                                                   "manager_id": soren.id}).status_code == 302
    desk = _db.session.scalar(select(Channel).where(Channel.name == "Complaints desk"))
    assert desk.manager_id == soren.id
    assert client.post(url(f"/channels/{desk.id}/edit"), data={
        "name": "Complaints", "kind": "complaints", "manager_id": "", "version_id": desk.version_id}).status_code == 302
    assert client.post(url("/journeys/new"), data={"name": "Move out", "description": "Leaving",
                                                   "owner_id": soren.id}).status_code == 302
    journey = _db.session.scalar(select(Journey).where(Journey.name == "Move out"))
    assert client.post(url(f"/journeys/{journey.id}/deactivate"), data={}).status_code == 302
    assert client.post(url("/roles/new"), data={"person_id": soren.id, "role": "insight_manager",
                                                "since": "2025-03-01"}).status_code == 302
    role = _db.session.scalar(select(CxRole).where(CxRole.role == "insight_manager"))
    assert client.post(url(f"/roles/{role.id}/end"), data={"version_id": role.version_id}).status_code == 302
    _db.session.refresh(role)
    assert not role.is_active()
    assert client.post(url("/mandates/new"), data={"holder": "Store staff", "decision": "Waive a fee",
                                                   "limit": "once", "channel_id": desk.id}).status_code == 302
    mandate = _db.session.scalar(select(DelegatedMandate).where(DelegatedMandate.holder == "Store staff"))
    assert mandate.channel_id == desk.id
    _db.session.refresh(desk)
    assert desk.name == "Complaints" and desk.manager_id is None
    assert "Move out" not in table(client.get(url("/journeys")))
    assert "Move out" in table(client.get(url("/journeys?status=inactive")))


def test_bad_input_gets_a_message_and_changes_nothing(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.AMBASSADOR)
    other_org_person = small_register(_make_other_org())["anna"]
    before = count(ChangeLog)
    cases = [
        ("/people/new", {"name": "", "email": "x@x.example"}, "This field is required"),
        ("/people/new", {"name": "Dup", "email": "anna@x.example"}, "already has the e-mail"),
        ("/channels/new", {"name": "Phone", "kind": "phone"}, "already exists"),
        ("/channels/new", {"name": "Fax", "kind": "fax"}, "Not a valid choice"),
        ("/touchpoints/new", {"journey_id": reg["move_in"].id, "channel_id": reg["phone"].id, "name": "x" * 201},
         "Field cannot be longer"),
        ("/touchpoints/new", {"journey_id": reg["move_in"].id, "channel_id": reg["phone"].id, "name": "New",
                              "owner_id": other_org_person.id}, "Not a valid choice"),
        ("/roles/new", {"person_id": reg["anna"].id, "role": "cx_sponsor", "since": "not a date"},
         "This field is required"),
        ("/roles/new", {"person_id": reg["anna"].id, "role": "cx_sponsor", "since": "2025-02-01",
                        "until": "2025-01-01"}, "cannot be before the start"),
        (f"/touchpoints/{reg['touchpoints'][0].id}/edit", {"journey_id": reg["move_in"].id, "name": "X",
                                                           "channel_id": reg["phone"].id, "version_id": "abc"},
         "The form is damaged"),
    ]
    for path, data, message in cases:
        response = client.post(url(path), data=data)
        assert response.status_code == 200, path
        assert message in response.data.decode(), (path, message)
    assert count(ChangeLog) == before


def _make_other_org():
    from cxgov.orgs.models import Organisation

    other = Organisation(slug="elsewhere", name="Elsewhere")
    _db.session.add(other)
    _db.session.commit()
    return other


# --- optimistic locking -------------------------------------------------------------------

def test_two_edits_from_the_same_version_second_gets_409_and_db_keeps_the_first(client, login, make_member, org,
                                                                                 reg, app):
    as_role(client, login, make_member, org, Role.AMBASSADOR)
    tp = reg["touchpoints"][0]
    page = client.get(url(f"/touchpoints/{tp.id}/edit")).data.decode()
    version = re.search(r'name="version_id" type="hidden" value="(\d+)"', page) or \
        re.search(r'id="version_id" name="version_id" type="hidden" value="(\d+)"', page)
    assert version, "the edit form carries the row's version"
    version = version.group(1)
    common = {"journey_id": reg["move_in"].id, "channel_id": reg["phone"].id, "name": "Sign up",
              "version_id": version}
    first = client.post(url(f"/touchpoints/{tp.id}/edit"), data={**common, "kpi": "First KPI"})
    assert first.status_code == 302
    second = client.post(url(f"/touchpoints/{tp.id}/edit"), data={**common, "kpi": "Second KPI"})
    assert second.status_code == 409
    body = second.data.decode()
    assert "Someone else saved this record after you opened it" in body
    assert "Second KPI" in body and "First KPI" in body  # yours and theirs, side by side
    _db.session.expire_all()
    assert _db.session.get(Touchpoint, tp.id).kpi == "First KPI"
    # the re-shown form now carries the saved version, so a deliberate re-save works
    new_version = _db.session.get(Touchpoint, tp.id).version_id
    assert f'value="{new_version}"' in body
    assert re.search(r'name="kpi"[^>]*value="First KPI"', body)  # the form shows the saved values


def test_stale_deactivate_is_refused(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.AMBASSADOR)
    channel = reg["web"]
    stale = channel.version_id
    services.channel_update(channel=channel, name="Website", by=None)
    _db.session.commit()
    response = client.post(url(f"/channels/{channel.id}/deactivate"), data={"version_id": stale},
                           follow_redirects=True)
    assert "Someone else changed this record meanwhile" in response.data.decode()
    _db.session.refresh(channel)
    assert channel.active


# --- person removal -----------------------------------------------------------------------

def test_removing_a_person_asks_where_ownership_goes_and_reassigns(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.AMBASSADOR)
    anna, bo = reg["anna"], reg["bo"]
    page = client.get(url(f"/people/{anna.id}/remove")).data.decode()
    assert "2 touchpoints" in page and "Move in" in page and "Phone" in page and "Hand it over to" in page
    # Choosing "reassign" without a person is refused and changes nothing.
    response = client.post(url(f"/people/{anna.id}/remove"), data={"ownership": "reassign", "reassign_to": ""})
    assert response.status_code == 200 and "Choose who takes over" in response.data.decode()
    _db.session.refresh(anna)
    assert anna.active
    response = client.post(url(f"/people/{anna.id}/remove"), data={"ownership": "reassign", "reassign_to": bo.id})
    assert response.status_code == 302
    _db.session.expire_all()
    assert not _db.session.get(Person, anna.id).active
    assert {t.owner_id for t in _db.session.scalars(select(Touchpoint))} == {bo.id}
    assert _db.session.get(Channel, reg["phone"].id).manager_id == bo.id
    assert _db.session.get(Journey, reg["move_in"].id).owner_id == bo.id
    assert not _db.session.get(CxRole, reg["role"].id).is_active()
    # and the person can come back
    assert client.post(url(f"/people/{anna.id}/reactivate"), data={}).status_code == 302
    assert _db.session.get(Person, anna.id).active


def test_removing_a_person_can_leave_things_unowned(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.SPONSOR)
    bo = reg["bo"]
    assert client.post(url(f"/people/{bo.id}/remove"), data={"ownership": "unowned"}).status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Touchpoint, reg["touchpoints"][2].id).owner_id is None
    assert _db.session.get(Channel, reg["web"].id).manager_id is None
    health = client.get(url("/health")).data.decode()
    assert "Report outage (Outage · Web)" in health


# --- lists, matrix, person page, health, history ------------------------------------------

def test_touchpoint_filters_and_sorting(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.VIEWER)
    services.touchpoint_update(touchpoint=reg["touchpoints"][1], owner=None, by=None)
    _db.session.commit()
    unowned = client.get(url("/touchpoints?owner=none")).data.decode()
    assert "Compare plans" in unowned and "Sign up" not in unowned and "Report outage" not in unowned
    by_journey = client.get(url(f"/touchpoints?journey={reg['outage'].id}")).data.decode()
    assert "Report outage" in by_journey and "Compare plans" not in by_journey
    by_channel = client.get(url(f"/touchpoints?channel={reg['phone'].id}")).data.decode()
    assert "Sign up" in by_channel and "Report outage" not in by_channel
    by_owner = client.get(url(f"/touchpoints?owner={reg['bo'].id}")).data.decode()
    assert "Report outage" in by_owner and "Sign up" not in by_owner
    assert "Report outage" in client.get(url("/touchpoints?q=outage")).data.decode()
    assert "Sign up" not in client.get(url("/touchpoints?q=outage")).data.decode()
    ascending = client.get(url("/touchpoints?sort=name")).data.decode()
    descending = client.get(url("/touchpoints?sort=name&dir=desc")).data.decode()
    assert ascending.index("Compare plans") < ascending.index("Sign up")
    assert descending.index("Sign up") < descending.index("Compare plans")
    stale = client.get(url("/touchpoints?review=stale")).data.decode()
    assert "Compare plans" in stale and ">Sign up<" not in stale
    # nonsense parameters fall back to defaults instead of failing
    assert client.get(url("/touchpoints?sort=drop+table&page=abc&owner=x&status=zz")).status_code == 200


def test_people_list_counts_and_filters(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.VIEWER)
    services.person_create(org=org, name="Idle Person", by=None)
    _db.session.commit()
    owners = client.get(url("/people?owns=yes")).data.decode()
    assert "Anna Åström" in owners and "Idle Person" not in owners
    assert "Idle Person" in client.get(url("/people?q=idle")).data.decode()


def test_matrix_shows_owners_and_highlights_unowned(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.VIEWER)
    services.touchpoint_update(touchpoint=reg["touchpoints"][1], owner=None, by=None)
    _db.session.commit()
    page = client.get(url("/matrix")).data.decode()
    assert "1 of 3 touchpoints are unowned" in page
    assert re.search(r'cx-tp cx-tp-unowned"[^>]*>\s*<span class="cx-tp-name">Compare plans', page)
    assert re.search(r'cx-tp cx-tp-owned"[^>]*>\s*<span class="cx-tp-name">Sign up</span>\s*'
                     r'<span class="cx-tp-owner">Anna Åström', page)


def test_person_page_shows_everything_they_own_and_their_roles(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.VIEWER)
    page = client.get(url(f"/people/{reg['anna'].id}")).data.decode()
    for text in ("Sign up", "Compare plans", "Move in", "Phone", "CX ambassador"):
        assert text in page
    assert "Report outage" not in page


def test_health_page_lists_each_check_with_linked_rows_and_score(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.VIEWER)
    page = client.get(url("/health")).data.decode()
    from cxgov.framework.checks import REGISTER_CHECKS

    for key in REGISTER_CHECKS:
        assert f'data-testid="check-{key}"' in page
    assert re.search(r'data-testid="check-sponsor" data-status="fail"', page)
    assert re.search(r'data-testid="check-service_promise" data-status="ok"', page)
    from cxgov.register.health import register_health

    score = register_health(org).score
    assert f'data-testid="health-score">{score}<' in page
    services.touchpoint_update(touchpoint=reg["touchpoints"][2], owner=None, by=None)
    _db.session.commit()
    page = client.get(url("/health")).data.decode()
    assert f'href="/o/nordlys/register/touchpoints/{reg["touchpoints"][2].id}"' in page


def test_history_pages_show_who_when_and_before_after(client, login, make_member, org, reg):
    user = as_role(client, login, make_member, org, Role.AMBASSADOR)
    tp = reg["touchpoints"][0]
    client.post(url(f"/touchpoints/{tp.id}/edit"), data={
        "journey_id": reg["move_in"].id, "channel_id": reg["phone"].id, "name": "Sign up online",
        "owner_id": reg["bo"].id, "version_id": tp.version_id})
    page = client.get(url(f"/history/touchpoint/{tp.id}")).data.decode()
    assert user.name in page
    assert re.search(r'<del class="cx-before">Sign up</del> → <span class="cx-after">Sign up online</span>', page)
    assert "Anna Åström &lt;anna@x.example&gt;" in page and "Bo Ørsted &lt;bo@x.example&gt;" in page
    org_page = client.get(url("/history")).data.decode()
    assert "Sign up online" in org_page and "Report outage" in org_page
    filtered = client.get(url("/history?kind=channel")).data.decode()
    assert "Report outage" not in filtered and "Phone" in filtered
    assert client.get(url("/history/spaceship/1")).status_code == 404


def test_a_thousand_touchpoints_list_fast_with_few_queries(client, login, make_member, org, reg, app):
    as_role(client, login, make_member, org, Role.VIEWER)
    people = [Person(org_id=org.id, name=f"Owner {i}", email=f"o{i}@x.example") for i in range(40)]
    _db.session.add_all(people)
    _db.session.flush()
    _db.session.add_all(Touchpoint(org_id=org.id, journey_id=reg["move_in"].id if i % 2 else reg["outage"].id,
                                   channel_id=reg["phone"].id if i % 3 else reg["web"].id, name=f"Touchpoint {i:04d}",
                                   owner_id=people[i % 40].id, stage="Use") for i in range(1000))
    _db.session.commit()
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        client.get(url("/touchpoints"))  # warm up templates
        statements.clear()
        response = client.get(url("/touchpoints?sort=owner&page=3"))
        first_page_queries = len(statements)
        statements.clear()
        client.get(url("/matrix"))
        matrix_queries = len(statements)
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    page = response.data.decode()
    assert response.status_code == 200
    assert page.count('class="fw-semibold">Touchpoint ') == 100
    assert "201–300 of 1003" in page
    assert first_page_queries <= 15, first_page_queries  # no query per row
    assert matrix_queries <= 15, matrix_queries  # speed itself is measured by bench/, not asserted


def test_register_index_shows_counts_and_score(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.VIEWER)
    page = client.get(url("/")).data.decode()
    assert re.search(r'data-testid="count-touchpoints">\s*<div class="cx-kpi-label">Touchpoints</div>\s*'
                     r'<div class="cx-kpi">3</div>', page)
    assert 'data-testid="health-score"' in page


# --- CLI ----------------------------------------------------------------------------------

def test_cli_register_health_prints_checks_and_score(runner, org, reg):
    from cxgov.register.health import register_health

    result = runner.invoke(args=["register", "health", "nordlys"])
    assert result.exit_code == 0, result.output
    assert "FAIL  sponsor" in result.output and "PASS  service_promise" in result.output
    assert result.output.strip().splitlines()[-1].startswith(f"score {register_health(org).score}/100")
    assert len(result.output.strip().splitlines()) == 15
    missing = runner.invoke(args=["register", "health", "no-such-org"])
    assert missing.exit_code != 0 and "No organisation" in missing.output
    danish = runner.invoke(args=["register", "health", "nordlys"], env={"CXGOV_LANG": "da"})
    lines = [line.split() for line in danish.output.splitlines()]
    assert ["FEJLER", "sponsor"] in [words[:2] for words in lines], danish.output
    assert ["BESTÅET", "service_promise"] in [words[:2] for words in lines]
    assert "FAIL" not in danish.output and "PASS" not in danish.output


def test_an_inactive_person_who_still_owns_things_can_hand_them_over(client, login, make_member, org, reg):
    as_role(client, login, make_member, org, Role.AMBASSADOR)
    bo, anna = reg["bo"], reg["anna"]
    services.person_update(person=bo, active=False, by=None)
    _db.session.commit()
    page = client.get(url(f"/people/{bo.id}")).data.decode()
    assert 'data-testid="inactive-owner"' in page and "still owns 3 things" in page
    assert "Hand over what Bo Ørsted owns" in client.get(url(f"/people/{bo.id}/remove")).data.decode()
    assert client.post(url(f"/people/{bo.id}/remove"), data={"ownership": "reassign",
                                                             "reassign_to": anna.id}).status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Touchpoint, reg["touchpoints"][2].id).owner_id == anna.id
    assert _db.session.get(Channel, reg["web"].id).manager_id == anna.id
    assert 'data-testid="inactive-owner"' not in client.get(url(f"/people/{bo.id}")).data.decode()
    # once nothing is left, the page just says so
    response = client.get(url(f"/people/{bo.id}/remove"))
    assert response.status_code == 302
