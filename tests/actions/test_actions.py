"""The action plan: drafts from gaps, editing rules, permissions, history, carry-forward, badge, exports, CLI."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from cxgov.actions import services
from cxgov.actions.models import Action, ActionCycleLink, ActionNote
from cxgov.actions.selectors import ActionFilters, actions_list, actions_summary, overdue_count_for_user
from cxgov.cycles import services as cycle_services
from cxgov.extensions import db
from cxgov.history.models import ChangeLog
from cxgov.orgs.models import Role
from cxgov.register.models import Channel, Journey, Touchpoint
from cxgov.scoring.engine import CycleResult
from tests.actions.helpers import framework, person, scored_cycle

TODAY = date.today()


@pytest.fixture
def org(make_org):
    return make_org(name="Nordlys Test")


def _actions(org_id: int) -> list[Action]:
    return list(db.session.scalars(select(Action).where(Action.org_id == org_id).order_by(Action.id)))


# -- from a gap --------------------------------------------------------------------------------
def test_create_from_gap_prefills_from_framework_and_register(client, org, make_member, login):
    sponsor_user = make_member(org, Role.SPONSOR)
    karin = person(org, "Karin Ångström", role="cx_sponsor", user=sponsor_user)
    ian = person(org, "Ian Insight", role="insight_manager")
    person(org, "Former sponsor", role="cx_sponsor", active=False)
    cycle = scored_cycle(org, "2026-Q3", {"A2": 2, "A4": 1})
    db.session.commit()
    result = CycleResult.from_dict(cycle.results)
    a2 = framework().practice("A2")
    assert a2.owner_hint == "sponsor"

    login(client, sponsor_user)
    response = client.post(f"/o/{org.slug}/actions/from-gap/{cycle.id}/A2")
    assert response.status_code == 302
    action = _actions(org.id)[0]
    assert response.headers["Location"].endswith(f"/actions/{action.id}/edit")
    assert action.title == f"A2 {a2.title.get()}: reach level 3"
    assert action.description == a2.next_step(2)
    assert action.priority == pytest.approx(result.practice("A2").priority) and action.priority > 0
    assert action.owner_id == karin.id
    assert action.source_cycle_id == cycle.id and action.status == "planned"
    entry = db.session.scalar(select(ChangeLog).where(ChangeLog.entity_type == "action"))
    assert entry.action == "create" and entry.entity_id == action.id and entry.user_id == sponsor_user.id

    # The insight manager owns an insight_manager step; level 1 gives the 1 -> 2 step.
    a4 = framework().practice("A4")
    if a4.owner_hint == "insight_manager":
        client.post(f"/o/{org.slug}/actions/from-gap/{cycle.id}/A4")
        second = _actions(org.id)[1]
        assert second.owner_id == ian.id
        assert second.description == a4.next_step(1)
        assert second.title.endswith("reach level 2")

    # Posting the same gap again opens the existing action instead of making a duplicate.
    again = client.post(f"/o/{org.slug}/actions/from-gap/{cycle.id}/A2")
    assert again.headers["Location"].endswith(f"/actions/{action.id}/edit")
    assert db.session.scalar(select(func.count(Action.id)).where(Action.practice_id == "A2")) == 1


def test_create_from_gap_refuses_unknown_practice_and_top_level(client, org, make_member, login):
    user = make_member(org, Role.CONSULTANT)
    cycle = scored_cycle(org, "2026-Q3", {"A2": 5})
    db.session.commit()
    login(client, user)
    for pid in ("Z9", "A2"):
        response = client.post(f"/o/{org.slug}/actions/from-gap/{cycle.id}/{pid}", follow_redirects=True)
        assert response.status_code == 200
    assert _actions(org.id) == []
    assert b"highest level" in response.data


def test_suggested_owner_for_channel_and_journey_hints(app, org):
    sponsor = person(org, "Sponsor", role="cx_sponsor")
    lead = person(org, "Omni Lead", role="omnichannel_lead")
    manager = person(org, "Channel Manager")
    owner_a, owner_b = person(org, "Journey A owner"), person(org, "Journey B owner")
    phone = Channel(org_id=org.id, name="Phone", kind="phone", manager_id=manager.id)
    web = Channel(org_id=org.id, name="Web", kind="web")
    move = Journey(org_id=org.id, name="Move in", owner_id=owner_a.id)
    leave = Journey(org_id=org.id, name="Move out", owner_id=owner_b.id)
    db.session.add_all([phone, web, move, leave])
    db.session.flush()
    tp = Touchpoint(org_id=org.id, journey_id=leave.id, channel_id=phone.id, name="Final bill")
    db.session.add(tp)
    db.session.flush()

    # One person manages every managed channel: that is the channel manager.
    assert services.suggested_owner(org=org, owner_hint="channel_manager") == manager
    # Two journey owners and no touchpoint: not determinable, so the sponsor.
    assert services.suggested_owner(org=org, owner_hint="journey_owner") == sponsor
    # With a touchpoint, its journey's owner and its channel's manager.
    assert services.suggested_owner(org=org, owner_hint="journey_owner", touchpoint=tp) == owner_b
    assert services.suggested_owner(org=org, owner_hint="channel_manager", touchpoint=tp) == manager
    assert services.suggested_owner(org=org, owner_hint="omnichannel_lead") == lead
    # Hints without a register role (hr, leadership) and missing holders fall back to the sponsor.
    assert services.suggested_owner(org=org, owner_hint="hr") == sponsor
    assert services.suggested_owner(org=org, owner_hint="customer_board") == sponsor
    # Two channel managers: the omnichannel lead stands in.
    web.manager_id = owner_a.id
    db.session.flush()
    assert services.suggested_owner(org=org, owner_hint="channel_manager") == lead


# -- permissions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role,may_create,may_note,may_read", [
    (Role.CONSULTANT, True, True, True),
    (Role.SPONSOR, True, True, True),
    (Role.AMBASSADOR, False, True, True),
    (Role.RESPONDENT, False, False, True),
    (Role.VIEWER, False, False, True),
])
def test_permissions_per_role(client, org, make_member, login, role, may_create, may_note, may_read):
    cycle = scored_cycle(org, "2026-Q3", {"A2": 2})
    action = services.action_create(org=org, by=None, title="Charter", practice_id="A2")
    db.session.commit()
    login(client, make_member(org, role))
    base = f"/o/{org.slug}/actions"
    assert (client.get(f"{base}/").status_code == 200) == may_read
    assert client.get(f"{base}/{action.id}").status_code == 200
    response = client.post(f"{base}/from-gap/{cycle.id}/A2")
    assert response.status_code == (302 if may_create else 403)
    assert client.get(f"{base}/{action.id}/edit").status_code == (200 if may_create else 403)
    response = client.post(f"{base}/{action.id}/notes", data={"text": "Started."})
    assert response.status_code == (302 if may_note else 403)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ActionNote.id))) == (1 if may_note else 0)
    assert db.session.scalar(select(func.count(Action.id))) == (2 if may_create else 1)


def test_another_orgs_action_is_404(client, org, make_org, make_member, login):
    other = make_org()
    foreign = services.action_create(org=other, by=None, title="Theirs", practice_id="A1")
    db.session.commit()
    login(client, make_member(org, Role.SPONSOR))
    assert client.get(f"/o/{org.slug}/actions/{foreign.id}").status_code == 404
    assert client.post(f"/o/{org.slug}/actions/{foreign.id}/edit", data={"title": "x"}).status_code == 404


# -- editing -----------------------------------------------------------------------------------
def _form(action: Action, **overrides) -> dict:
    data = {"title": action.title, "description": action.description, "practice_id": action.practice_id or "",
            "touchpoint_id": "", "owner_id": str(action.owner_id or ""),
            "due_date": action.due_date.isoformat() if action.due_date else "", "status": action.status,
            "drop_reason": action.drop_reason, "version_id": str(action.version_id)}
    data.update(overrides)
    return data


def test_edit_owner_due_status_and_history(client, org, make_member, login):
    user = make_member(org, Role.SPONSOR)
    owner = person(org, "New Owner")
    action = services.action_create(org=org, by=None, title="Charter", practice_id="A2")
    db.session.commit()
    login(client, user)
    url = f"/o/{org.slug}/actions/{action.id}/edit"
    due = TODAY + timedelta(days=30)
    response = client.post(url, data=_form(action, owner_id=str(owner.id), due_date=due.isoformat(),
                                           status="in_progress"))
    assert response.status_code == 302
    db.session.refresh(action)
    assert (action.owner_id, action.due_date, action.status, action.version_id) == (owner.id, due, "in_progress", 2)

    # Dropping needs a reason: refused, nothing changed.
    response = client.post(url, data=_form(action, status="dropped", drop_reason=" "))
    assert response.status_code == 400 and b"Say why" in response.data
    db.session.refresh(action)
    assert action.status == "in_progress"
    client.post(url, data=_form(action, status="dropped", drop_reason="Merged into the CRM programme."))
    db.session.refresh(action)
    assert action.status == "dropped" and action.drop_reason == "Merged into the CRM programme."

    # Done stamps done_at; reopening clears it.
    client.post(url, data=_form(action, status="done"))
    db.session.refresh(action)
    assert action.status == "done" and action.done_at is not None
    client.post(url, data=_form(action, status="in_progress"))
    db.session.refresh(action)
    assert action.done_at is None

    entries = db.session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "action",
                                                         ChangeLog.entity_id == action.id)
                                 .order_by(ChangeLog.id)).all()
    assert [e.action for e in entries] == ["create", "update", "update", "update", "update"]
    assert entries[1].changes["owner_id"] == [None, owner.id]
    assert entries[1].changes["status"] == ["planned", "in_progress"]
    assert entries[2].changes["status"] == ["in_progress", "dropped"]


def test_stale_edit_is_409_with_both_versions(client, org, make_member, login):
    user = make_member(org, Role.SPONSOR)
    action = services.action_create(org=org, by=None, title="Charter", practice_id="A2")
    db.session.commit()
    stale = _form(action, title="My title")
    services.action_update(org=org, action=action, by=None, version_id=action.version_id, title="Their title")
    db.session.commit()
    login(client, user)
    response = client.post(f"/o/{org.slug}/actions/{action.id}/edit", data=stale)
    assert response.status_code == 409
    assert b"Their title" in response.data and b"My title" in response.data
    db.session.refresh(action)
    assert action.title == "Their title"


def test_hostile_input_is_refused_or_escaped(client, org, make_member, login):
    user = make_member(org, Role.SPONSOR)
    login(client, user)
    response = client.post(f"/o/{org.slug}/actions/new", data={
        "title": "Bad\x07title", "practice_id": "A2", "status": "planned"})
    assert response.status_code == 400 and _actions(org.id) == []
    response = client.post(f"/o/{org.slug}/actions/new", data={
        "title": "<script>alert(1)</script>", "practice_id": "A2", "status": "planned",
        "owner_id": "999999"})
    assert response.status_code == 400 and _actions(org.id) == []  # not a person of this register
    response = client.post(f"/o/{org.slug}/actions/new", data={
        "title": "<script>alert(1)</script>", "practice_id": "", "touchpoint_id": "", "status": "planned"})
    assert response.status_code == 400 and b"Choose the practice" in response.data
    response = client.post(f"/o/{org.slug}/actions/new", data={
        "title": "<script>alert(1)</script>", "practice_id": "A2", "status": "planned"}, follow_redirects=True)
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.data and b"&lt;script&gt;" in response.data


def test_notes_are_dated_and_future_dates_refused(client, org, make_member, login):
    user = make_member(org, Role.AMBASSADOR)
    action = services.action_create(org=org, by=None, title="Charter", practice_id="A2")
    db.session.commit()
    login(client, user)
    url = f"/o/{org.slug}/actions/{action.id}/notes"
    client.post(url, data={"text": "Workshop held.", "at": (TODAY - timedelta(days=3)).isoformat()})
    client.post(url, data={"text": "From the future.", "at": (TODAY + timedelta(days=3)).isoformat()})
    notes = db.session.scalars(select(ActionNote).where(ActionNote.action_id == action.id)).all()
    assert [(n.text, n.at.date()) for n in notes] == [("Workshop held.", TODAY - timedelta(days=3))]
    page = client.get(f"/o/{org.slug}/actions/{action.id}")
    assert b"Workshop held." in page.data


# -- carry-forward -------------------------------------------------------------------------------
def test_open_actions_carry_forward_when_a_cycle_opens(org):
    q3 = scored_cycle(org, "2026-Q3", {"A2": 2, "B3": 2})
    open_one = services.action_create(org=org, by=None, title="Open", practice_id="A2", source_cycle=q3)
    started = services.action_create(org=org, by=None, title="Started", practice_id="B3", status="in_progress")
    done = services.action_create(org=org, by=None, title="Done", practice_id="B3")
    services.action_update(org=org, action=done, by=None, version_id=None, status="done")
    dropped = services.action_create(org=org, by=None, title="Dropped", practice_id="B3")
    services.action_update(org=org, action=dropped, by=None, version_id=None, status="dropped", drop_reason="No.")
    q4 = cycle_services.cycle_create(org=org, period="2026-Q4", framework=framework())
    assert db.session.scalar(select(func.count(ActionCycleLink.id))) == 0  # drafts carry nothing
    cycle_services.cycle_open(cycle=q4)
    links = db.session.scalars(select(ActionCycleLink).where(ActionCycleLink.cycle_id == q4.id)).all()
    assert sorted((link.action_id, link.status_then) for link in links) == [
        (open_one.id, "planned"), (started.id, "in_progress")]
    # Carried actions stay open; running it again links nothing twice.
    assert open_one.status == "planned"
    assert services.actions_carry_forward(cycle=q4) == 0


# -- the plan page, badge, summary -----------------------------------------------------------------
def test_plan_filters_summary_and_overdue_badge(client, org, make_member, login):
    user = make_member(org, Role.SPONSOR)
    me = person(org, "Me", user=user)
    other = person(org, "Someone else")
    late = services.action_create(org=org, by=None, title="Late one", practice_id="A2", owner=me,
                                  due_date=TODAY - timedelta(days=5))
    services.action_create(org=org, by=None, title="Soon one", practice_id="B3", owner=me,
                           due_date=TODAY + timedelta(days=5))
    services.action_create(org=org, by=None, title="Their late one", practice_id="B1", owner=other,
                           due_date=TODAY - timedelta(days=1))
    done = services.action_create(org=org, by=None, title="Finished", practice_id="A1", owner=me,
                                  due_date=TODAY - timedelta(days=50))
    services.action_update(org=org, action=done, by=None, version_id=None, status="done")
    db.session.commit()

    assert overdue_count_for_user(org.id, user.id) == 1
    summary = actions_summary(org.id)
    assert (summary.planned, summary.done, summary.overdue) == (3, 1, 2)
    titles = lambda f: [a.title for a in actions_list(org.id, f)]  # noqa: E731
    assert titles(ActionFilters(overdue=True)) == ["Their late one", "Late one"] or \
        titles(ActionFilters(overdue=True)) == ["Late one", "Their late one"]
    assert titles(ActionFilters(owner_id=other.id)) == ["Their late one"]
    assert titles(ActionFilters(dimension="A")) == ["Late one", "Finished"]
    assert titles(ActionFilters(status="done")) == ["Finished"]
    assert titles(ActionFilters(practice_id="B3")) == ["Soon one"]
    assert titles(ActionFilters())[0] == "Late one"  # open first, soonest due first

    login(client, user)
    page = client.get(f"/o/{org.slug}/actions/?overdue=1").get_data(as_text=True)
    assert "Late one" in page and "Soon one" not in page
    assert 'Actions <span class="badge text-bg-danger">1</span>' in page
    page = client.get(f"/o/{org.slug}/actions/?owner={other.id}&sort=priority").get_data(as_text=True)
    assert "Their late one" in page and "Late one</a>" not in page
    assert client.get(f"/o/{org.slug}/actions/?status=bogus&owner=x&sort=nope").status_code == 200
    assert late.id


def test_nav_badge_is_one_query(client, org, make_member, login, app):
    from sqlalchemy import event

    user = make_member(org, Role.VIEWER)
    me = person(org, "Me", user=user)
    for n in range(5):
        services.action_create(org=org, by=None, title=f"Late {n}", practice_id="A2", owner=me,
                               due_date=TODAY - timedelta(days=n + 1))
    db.session.commit()
    from cxgov.actions.routes import _overdue_badge

    login(client, user)
    statements = []
    with app.test_request_context(f"/o/{org.slug}/actions/"):
        from flask import g
        from flask_login import login_user

        from cxgov.orgs.models import Membership

        login_user(user)
        g.org = org
        g.membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert _overdue_badge() == 5
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1


# -- exports and CLI ---------------------------------------------------------------------------
HOSTILE = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]


def test_exports_write_formulas_as_text(client, org, make_member, login):
    from openpyxl import load_workbook

    for n, text in enumerate(HOSTILE):
        action = services.action_create(org=org, by=None, title=f"T{n}", description=text, practice_id="A2")
        action.description = text  # the service trims; an import or old row might not be trimmed
    db.session.commit()
    login(client, make_member(org, Role.VIEWER))
    response = client.get(f"/o/{org.slug}/actions/export?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["Description"] for r in rows) == sorted("'" + t for t in HOSTILE)

    response = client.get(f"/o/{org.slug}/actions/export")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    column = header.index("Description")
    # xlsxwriter stores a carriage return as the OOXML escape _x000D_; openpyxl leaves it escaped.
    values = [row[column].value.replace("_x000D_", "\r") for row in sheet.iter_rows(min_row=2)]
    types = [row[column].data_type for row in sheet.iter_rows(min_row=2)]
    assert sorted(values) == sorted(HOSTILE) and set(types) == {"s"}
    assert client.get(f"/o/{org.slug}/actions/export?format=pdf").status_code == 404


def test_cli_list_and_export(runner, org, tmp_path):
    me = person(org, "Karin")
    services.action_create(org=org, by=None, title="Late", practice_id="A2", owner=me,
                           due_date=TODAY - timedelta(days=2))
    services.action_create(org=org, by=None, title="Later", practice_id="B3", due_date=TODAY + timedelta(days=9))
    db.session.commit()
    out = runner.invoke(args=["action", "list", org.slug])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].split("\t")[:4] == ["A2", "planned OVERDUE", "Karin", (TODAY - timedelta(days=2)).isoformat()]
    assert lines[1].split("\t")[:3] == ["B3", "planned", "-"]
    out = runner.invoke(args=["action", "list", org.slug], env={"CXGOV_LANG": "da"})
    assert out.output.splitlines()[0].split("\t")[1] == "planned FORSINKET"  # the code as --status takes it
    out = runner.invoke(args=["action", "list", org.slug, "--overdue"])
    assert len(out.output.strip().splitlines()) == 1
    out = runner.invoke(args=["action", "list", org.slug, "--status", "done"])
    assert out.output.strip() == ""
    target = tmp_path / "plan.xlsx"
    out = runner.invoke(args=["action", "export", org.slug, str(target)])
    assert out.exit_code == 0 and target.read_bytes()[:2] == b"PK"
    assert runner.invoke(args=["action", "export", org.slug, str(tmp_path / "plan.txt")]).exit_code != 0
    assert runner.invoke(args=["action", "list", "no-such-org"]).exit_code != 0


def test_demo_history_is_deterministic_and_realistic(app, demo_workspace):
    """The demo (here a copy of one built in English) is the same when built again in Swedish."""
    from cxgov.demo import demo_create

    actions = db.session.scalars(select(Action).order_by(Action.id)).all()
    statuses = {a.status for a in actions}
    assert {"done", "dropped", "in_progress"} <= statuses
    assert all(a.drop_reason for a in actions if a.status == "dropped")
    assert any(a.is_overdue() for a in actions)
    assert all(a.done_at <= datetime.now(UTC) for a in actions if a.done_at)
    assert all(a.source_cycle_id for a in actions)
    assert db.session.scalar(select(func.count(ActionCycleLink.id))) > 0
    fingerprint = [(a.practice_id, a.status, a.due_date, a.title, a.description) for a in actions]
    assert all(": reach level " in a.title for a in actions if a.practice_id)
    db.session.remove()
    from tests.conftest import _empty_all_tables

    _empty_all_tables()
    # The demo is the same whatever language creates it (`CXGOV_LANG=sv flask demo create`): its
    # content is one English-speaking organisation's data, not half Swedish ("…: nå nivå 4").
    with force_locale("sv"):
        demo_create()
    db.session.commit()
    again = [(a.practice_id, a.status, a.due_date, a.title, a.description)
             for a in db.session.scalars(select(Action).order_by(Action.id))]
    assert again == fingerprint


def test_create_by_hand_for_a_touchpoint(client, org, make_member, login):
    user = make_member(org, Role.CONSULTANT)
    owner = person(org, "Tina Touchpoint")
    journey = Journey(org_id=org.id, name="Move in")
    channel = Channel(org_id=org.id, name="Phone", kind="phone")
    db.session.add_all([journey, channel])
    db.session.flush()
    tp = Touchpoint(org_id=org.id, journey_id=journey.id, channel_id=channel.id, name="Welcome call", owner_id=owner.id)
    db.session.add(tp)
    db.session.commit()
    login(client, user)
    page = client.get(f"/o/{org.slug}/actions/new?touchpoint={tp.id}&practice=zz").get_data(as_text=True)
    assert f'<option selected value="{tp.id}">' in page
    response = client.post(f"/o/{org.slug}/actions/new", data={
        "title": "Script the welcome call", "practice_id": "", "touchpoint_id": str(tp.id),
        "owner_id": str(owner.id), "due_date": (TODAY + timedelta(days=20)).isoformat(), "status": "planned"})
    assert response.status_code == 302
    action = _actions(org.id)[0]
    assert (action.practice_id, action.touchpoint_id, action.owner_id, action.source_cycle_id) == (
        None, tp.id, owner.id, None)
    assert "Welcome call (Move in · Phone)" in client.get(f"/o/{org.slug}/actions/").get_data(as_text=True)


LAST: list[str] = []


def test_plan_page_queries_do_not_grow_with_actions(client, org, make_member, login, app):
    from sqlalchemy import event

    user = make_member(org, Role.SPONSOR)
    journey, channel = Journey(org_id=org.id, name="J"), Channel(org_id=org.id, name="C", kind="web")
    db.session.add_all([journey, channel])
    db.session.flush()

    def add(n: int) -> None:
        for k in range(n):
            owner = person(org, f"Owner {k}")
            tp = Touchpoint(org_id=org.id, journey_id=journey.id, channel_id=channel.id, name=f"TP {k} {uuid()}")
            db.session.add(tp)
            db.session.flush()
            services.action_create(org=org, by=None, title=f"A {k}", practice_id="A2", touchpoint=tp, owner=owner,
                                   due_date=TODAY - timedelta(days=k))
        db.session.commit()

    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/o/{org.slug}/actions/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        LAST[:] = statements
        return len(statements)

    login(client, user)
    add(2)
    few = count()
    add(20)
    assert count() <= few, LAST


def uuid() -> str:
    import uuid as _uuid

    return _uuid.uuid4().hex[:6]
