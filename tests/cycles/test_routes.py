"""Cycle pages: creating, inviting, answering (autosave and whole page), visibility, exports."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import event, func, select

from cxgov.cycles import services
from cxgov.cycles.models import Answer, Cycle
from cxgov.mail.models import MailMessage
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.conftest import login_as
from tests.cycles.helpers import answer, make_cycle


@pytest.fixture(autouse=True)
def no_failing_checks(monkeypatch):
    monkeypatch.setattr(services, "register_failing_checks", lambda org: frozenset())


@pytest.fixture
def setup(app, make_org, make_member):
    org = make_org()
    sponsor = make_member(org, Role.SPONSOR, name="Sara Sponsor")
    lead = make_member(org, Role.RESPONDENT, name="Leo Lead")
    front = make_member(org, Role.RESPONDENT, name="Fay Front")
    viewer = make_member(org, Role.VIEWER)
    cycle = make_cycle(org, respondents=[(lead, "leadership"), (front, "front_line")])
    db.session.commit()
    return {"org": org, "sponsor": sponsor, "lead": lead, "front": front, "viewer": viewer,
            "cycle": cycle}


def url(org, path=""):
    return f"/o/{org.slug}/cycles/{path}"


def save(client, org, cycle, **data):
    return client.post(url(org, f"{cycle.id}/answer/save"), json=data)


def test_sponsor_creates_a_cycle_on_a_valid_framework_only(client, setup):
    org = setup["org"]
    login_as(client, setup["sponsor"])
    page = client.get(url(org, "new"))
    assert page.status_code == 200 and b'value="cx-governance"' in page.data
    bad = client.post(url(org, "new"), data={"period": "2027-Q1", "framework": "no-such"})
    assert bad.status_code == 200 and b"Not a valid choice" in bad.data
    bad = client.post(url(org, "new"), data={"period": "2027-Q9", "framework": "cx-governance"})
    assert b"2026-Q4" in bad.data
    assert db.session.scalar(select(func.count(Cycle.id))) == 1
    ok = client.post(url(org, "new"), data={"period": "2027-Q1", "framework": "cx-governance",
                                            "due_date": "2027-03-15"})
    assert ok.status_code == 302
    new = services.cycle_by_period(org, "2027-Q1")
    assert new.status == "draft" and str(new.due_date) == "2027-03-15"
    assert len(new.respondents) == 2  # prefilled from 2026-Q4


def test_respondent_invite_targets_and_reminder(client, setup, make_member):
    org, cycle = setup["org"], setup["cycle"]
    login_as(client, setup["sponsor"])
    extra = make_member(org, Role.AMBASSADOR, email="amb@example.com")
    response = client.post(url(org, f"{cycle.id}/respondents"), data={"user_id": extra.id, "group": "management"})
    assert response.status_code == 302
    assert services.respondent_for(cycle, extra).group == "management"
    response = client.post(url(org, f"{cycle.id}/targets"), data={"target-A1": "5", "target-B3": "2"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.targets["A1"] == 5 and cycle.targets["B3"] == 2
    assert client.post(url(org, f"{cycle.id}/targets"), data={"target-A1": "9"}).status_code == 200
    db.session.refresh(cycle)
    assert cycle.targets["A1"] == 5

    r = services.respondent_for(cycle, setup["lead"])
    services.respondent_submit(cycle=cycle, respondent=r)
    db.session.commit()
    page = client.get(url(org, f"{cycle.id}/respondents")).data.decode()
    reminder_card = page[page.index('data-testid="reminder"'):]
    assert "Fay Front" in reminder_card and "Leo Lead" not in reminder_card.split("</p>")[0]
    assert client.post(url(org, f"{cycle.id}/remind")).status_code == 302
    db.session.expire_all()
    assert services.respondent_for(cycle, setup["front"]).reminded_at is not None
    assert services.respondent_for(cycle, setup["lead"]).reminded_at is None
    recipients = set(db.session.scalars(select(MailMessage.to_addr).where(MailMessage.kind == "reminder")))
    assert recipients == {setup["front"].email, "amb@example.com"}


def test_autosave_and_two_tab_conflict(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    login_as(client, setup["front"])
    first = save(client, org, cycle, practice_id="A1", choice="2", note="tab one", version=0)
    assert first.status_code == 200 and first.json["current"]["version"] == 1
    assert first.json["answered"] == 1
    # The second tab was loaded before the first saved: it still holds version 0.
    stale = save(client, org, cycle, practice_id="A1", choice="4", note="tab two", version=0)
    assert stale.status_code == 409
    assert stale.json["error"] == "conflict"
    assert stale.json["current"] == {"choice": "2", "note": "tab one", "version": 1}
    # Another practice from the second tab is saved: nothing of either tab is lost.
    assert save(client, org, cycle, practice_id="A2", choice="3", version=0).status_code == 200
    # "Keep my choice": the second tab resends with the current version.
    kept = save(client, org, cycle, practice_id="A1", choice="4", note="tab two", version=1)
    assert kept.status_code == 200 and kept.json["current"]["version"] == 2
    rows = {a.practice_id: (a.level, a.note) for a in db.session.scalars(select(Answer))}
    assert rows == {"A1": (4, "tab two"), "A2": (3, "")}


def test_bad_autosave_input_is_refused_cleanly(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    login_as(client, setup["front"])
    assert save(client, org, cycle, practice_id="A1", choice="7", version=0).status_code == 400
    assert save(client, org, cycle, practice_id="A1", choice="3", version="x").status_code == 400
    assert save(client, org, cycle, practice_id="ZZ", choice="3", version=0).status_code == 400
    assert save(client, org, cycle, practice_id="A1", choice="3", note="n" * 2001, version=0).status_code == 400
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_closed_cycle_answers_409(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    login_as(client, setup["front"])
    assert save(client, org, cycle, practice_id="A1", choice="2", version=0).status_code == 200
    services.cycle_close(cycle=cycle, org=org, by=None)
    db.session.commit()
    response = save(client, org, cycle, practice_id="A1", choice="5", version=1)
    assert response.status_code == 409 and "closed" in response.json["message"]
    page = client.post(url(org, f"{cycle.id}/answer?dimension=insight"),
                       data={"choice-A1": "5", "version-A1": "1"}, follow_redirects=True)
    assert b"closed" in page.data
    assert db.session.scalar(select(Answer.level)) == 2


def test_not_invited_member_cannot_answer(client, setup, make_member):
    org, cycle = setup["org"], setup["cycle"]
    outsider = make_member(org, Role.RESPONDENT)
    login_as(client, outsider)
    assert client.get(url(org, f"{cycle.id}/answer")).status_code == 403
    assert save(client, org, cycle, practice_id="A1", choice="3", version=0).status_code == 403
    login_as(client, setup["viewer"])
    assert save(client, org, cycle, practice_id="A1", choice="3", version=0).status_code == 403


def test_whole_page_save_without_js_and_conflicts(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    login_as(client, setup["front"])
    page = client.get(url(org, f"{cycle.id}/answer?dimension=empowerment"))
    assert page.status_code == 200
    html = page.data.decode()
    assert 'class="cx-level-grid' in html and 'class="btn-check"' in html and "Not applicable" in html
    assert 'name="csrf-token"' in html and "js/answer.js" in html
    response = client.post(url(org, f"{cycle.id}/answer?dimension=empowerment"), data={
        "choice-E1": "2", "note-E1": "Approval needed", "version-E1": "0",
        "choice-E2": "dont_know", "version-E2": "0", "action": "next"})
    assert response.status_code == 302 and "dimension=employee" in response.headers["Location"]
    mine = services.respondent_answers(services.respondent_for(cycle, setup["front"]))
    assert (mine["E1"].level, mine["E1"].note, mine["E2"].kind) == (2, "Approval needed", "dont_know")
    # A stale whole-page save: E1 conflicts and keeps the stored answer; E2 (unchanged) is fine.
    save(client, org, cycle, practice_id="E1", choice="3", note="Approval needed", version=1)
    response = client.post(url(org, f"{cycle.id}/answer?dimension=empowerment"), data={
        "choice-E1": "1", "version-E1": "1", "choice-E2": "dont_know", "version-E2": "1"},
        follow_redirects=True)
    assert b"changed in another window" in response.data
    db.session.expire_all()
    assert services.respondent_answers(services.respondent_for(cycle, setup["front"]))["E1"].level == 3
    # The reloaded page shows what is stored.
    again = client.get(url(org, f"{cycle.id}/answer?dimension=empowerment")).data.decode()
    assert re.search(r'id="c-E1-3"[^>]*checked', again)


def test_submit_with_gaps_needs_confirmation(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    login_as(client, setup["front"])
    save(client, org, cycle, practice_id="A1", choice="3", version=0)
    response = client.post(url(org, f"{cycle.id}/submit"), follow_redirects=True)
    assert b"unanswered" in response.data
    assert services.respondent_for(cycle, setup["front"]).submitted_at is None
    client.post(url(org, f"{cycle.id}/submit"), data={"confirm_gaps": "y"})
    db.session.expire_all()
    assert services.respondent_for(cycle, setup["front"]).submitted_at is not None


def test_visibility_per_role_while_open_and_after_close(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    answer(cycle, services.respondent_for(cycle, setup["lead"]), "E1", "5", "LEADNOTE")
    answer(cycle, services.respondent_for(cycle, setup["front"]), "E1", "1", "FRONTNOTE")
    db.session.commit()
    dash, prac = url(org, f"{cycle.id}/"), url(org, f"{cycle.id}/practices/E1")

    login_as(client, setup["front"])  # a respondent sees only their own answer, no aggregate
    for path in (dash, prac):
        html = client.get(path).data.decode()
        assert "FRONTNOTE" in html and "LEADNOTE" not in html
        assert "Maturity index" not in html and 'data-testid="top-gaps"' not in html
    assert client.get(url(org, f"{cycle.id}/export.xlsx")).status_code == 403

    login_as(client, setup["viewer"])  # a reader who is not a respondent: progress only
    html = client.get(dash).data.decode()
    assert 'data-testid="progress"' in html and "Maturity index" not in html
    assert "FRONTNOTE" not in client.get(prac).data.decode()

    login_as(client, setup["sponsor"])  # MANAGE sees live results and names
    html = client.get(prac).data.decode()
    assert "LEADNOTE" in html and "FRONTNOTE" in html and "Leo Lead" in html
    assert "Maturity index" in client.get(dash).data.decode()
    client.post(url(org, f"{cycle.id}/close"))
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).status == "closed"

    login_as(client, setup["viewer"])  # after close every reader sees results, without names
    html = client.get(prac).data.decode()
    assert "LEADNOTE" in html and "Leadership" in html and "Leo Lead" not in html
    dash_html = client.get(dash).data.decode()
    assert "Maturity index" in dash_html and 'data-testid="perception"' in dash_html
    history = client.get(url(org, "history")).data.decode()
    assert cycle.period in history and f"{db.session.get(Cycle, cycle.id).results['index']:.1f}" in history


def test_exports_xlsx_and_csv_neutralise_formulas(client, setup):
    org, cycle = setup["org"], setup["cycle"]
    answer(cycle, services.respondent_for(cycle, setup["front"]), "A1", "2", '=HYPERLINK("http://x")')
    answer(cycle, services.respondent_for(cycle, setup["lead"]), "A1", "na", "+1 well")
    services.cycle_close(cycle=cycle, org=org, by=None)
    db.session.commit()

    login_as(client, setup["sponsor"])
    response = client.get(url(org, f"{cycle.id}/export.xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Answers", "Practices", "Dimensions"]
    rows = list(book["Answers"].iter_rows(values_only=True))
    header = rows[0]
    assert "Respondent" in header and "Respondent group" in header
    notes = {r[header.index("Note")] for r in rows[1:]}
    assert '=HYPERLINK("http://x")' in notes  # stored as text, not as a formula
    cell_types = {c.data_type for row in book["Answers"].iter_rows(min_row=2) for c in row}
    assert "f" not in cell_types
    practices = list(book["Practices"].iter_rows(values_only=True))
    a1 = next(r for r in practices if r[1] == "A1")
    assert a1[practices[0].index("Level")] == 2 and a1[practices[0].index("N/A")] == 1

    csv_text = client.get(url(org, f"{cycle.id}/export.csv?sheet=Answers")).data.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(csv_text)))
    assert "'=HYPERLINK(\"http://x\")" in [c for row in parsed for c in row]
    assert "'+1 well" in [c for row in parsed for c in row]
    assert client.get(url(org, f"{cycle.id}/export.csv?sheet=Nope")).status_code == 404

    login_as(client, setup["viewer"])  # readers get the closed cycle's export without names
    book = openpyxl.load_workbook(io.BytesIO(client.get(url(org, f"{cycle.id}/export.xlsx")).data))
    header = next(book["Answers"].iter_rows(values_only=True))
    assert "Respondent" not in header and "E-mail" not in header
    names = {c for row in book["Answers"].iter_rows(values_only=True) for c in row}
    assert "Leo Lead" not in names and setup["lead"].email not in names


def _count_queries(client, path) -> int:
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        # A fresh app context per request, as in production, so no per-request cache in ``g``
        # carries over from the previous organisation's page.
        with client.application.app_context():
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_dashboard_queries_do_not_grow_with_respondents_or_cycles(client, app, make_org, make_member):
    counts = []
    for n_people, n_cycles in ((3, 2), (9, 5)):
        org = make_org()
        sponsor = make_member(org, Role.SPONSOR)
        people = [make_member(org, Role.RESPONDENT) for _ in range(n_people)]
        for i in range(n_cycles):
            cycle = make_cycle(org, f"{2020 + i}-Q1",
                               respondents=[(p, ("leadership", "front_line")[k % 2]) for k, p in enumerate(people)])
            for k, p in enumerate(people):
                r = services.respondent_for(cycle, p)
                # The same shape of results in both organisations (gaps, flags), so that only
                # the number of respondents and cycles differs.
                for pid, level in (("A1", 1), ("B3", 2 + i % 2), ("E1", 4 if k % 2 == 0 else 1)):
                    answer(cycle, r, pid, str(level))
            if i < n_cycles - 1:
                services.cycle_close(cycle=cycle, org=org, by=None)
        db.session.commit()
        login_as(client, sponsor)
        counts.append((_count_queries(client, url(org, f"{cycle.id}/")),
                       _count_queries(client, url(org, "history")),
                       _count_queries(client, url(org, ""))))
    assert counts[0] == counts[1], counts
