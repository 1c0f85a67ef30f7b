"""Two framework versions side by side: the newest for new cycles, old cycles keep theirs,
and a cycle chooses a target profile."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from cxgov.cycles import services
from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.framework.catalog import framework_catalog, framework_catalog_clear
from cxgov.auth.models import User
from cxgov.orgs.models import Role
from tests.conftest import login_as
from tests.cycles.helpers import answer
from tests.framework.v11 import SHIPPED_10, text_11


@pytest.fixture(autouse=True)
def no_failing_checks(monkeypatch):
    monkeypatch.setattr(services, "register_failing_checks", lambda org: frozenset())


@pytest.fixture
def two_versions(app, tmp_path):
    """Point the catalogue at a folder holding 1.0 and the 1.1 test fixture."""
    folder = tmp_path / "assessments"
    folder.mkdir()
    (folder / "cx-governance.yaml").write_text(SHIPPED_10.read_text(encoding="utf-8"))
    (folder / "cx-governance-1.1.yaml").write_text(text_11())
    app.config["ASSESSMENTS_DIR"] = str(folder)
    framework_catalog_clear()
    yield framework_catalog()
    framework_catalog_clear()


def versions(catalog):
    return catalog.get("cx-governance", "1.0"), catalog.get("cx-governance", "1.1")


def test_both_versions_ship_and_the_newest_is_offered(two_versions):
    v10, v11 = versions(two_versions)
    assert v10 is not None and v11 is not None and two_versions.invalid == []
    from cxgov.framework.catalog import frameworks_for_new_cycle
    assert [(f.key, f.version) for f in frameworks_for_new_cycle()] == [("cx-governance", "1.1")]


def test_an_old_cycle_keeps_its_snapshot_after_a_new_version(two_versions, make_org):
    org = make_org()
    v10, v11 = versions(two_versions)
    old = services.cycle_create(org=org, period="2026-Q1", framework=v10)
    new = services.cycle_create(org=org, period="2026-Q2", framework=v11)
    db.session.commit()
    assert services.cycle_framework(old).version == "1.0" and old.profile_key is None
    assert "F5" in {p.id for p in services.cycle_framework(old).practices}
    assert services.cycle_framework(new).version == "1.1"
    assert "D6" in {p.id for p in services.cycle_framework(new).practices}


def test_profile_sets_default_targets_and_optional_practices(two_versions, make_org):
    org = make_org()
    _, v11 = versions(two_versions)
    cycle = services.cycle_create(org=org, period="2026-Q2", framework=v11, profile_key="full")
    assert cycle.profile_key == "full"
    assert set(services.cycle_targets(cycle).values()) == {4}
    assert services.cycle_optional(cycle) == frozenset()
    nxt = services.cycle_create(org=org, period="2026-Q3", framework=v11,
                                profile_key="essentials")
    targets = services.cycle_targets(nxt)
    assert targets["A1"] == 3 and targets["D6"] == v11.practice("D6").default_target
    assert services.cycle_optional(nxt) == frozenset({"D6", "C10"})


def test_without_a_choice_the_previous_profile_or_the_first_is_taken(two_versions, make_org):
    org = make_org()
    _, v11 = versions(two_versions)
    first = services.cycle_create(org=org, period="2026-Q1", framework=v11)
    assert first.profile_key == "essentials"  # the file's first profile
    services.cycle_targets_set(cycle=first, targets={"A1": 5})
    services.cycle_create(org=org, period="2026-Q2", framework=v11, profile_key="full")
    third = services.cycle_create(org=org, period="2026-Q3", framework=v11)
    assert third.profile_key == "full"
    assert services.cycle_targets(third)["A1"] == 4  # a hand-set target stays with its profile


def test_an_unknown_profile_is_refused_and_nothing_is_created(two_versions, make_org):
    org = make_org()
    v10, v11 = versions(two_versions)
    for framework in (v10, v11):
        with pytest.raises(services.CycleError, match="has no profile “huge”"):
            services.cycle_create(org=org, period="2026-Q1", framework=framework,
                                  profile_key="huge")
    assert db.session.scalars(select(Cycle)).all() == []


def test_an_optional_practice_is_never_a_priority_gap(two_versions, make_org, make_member):
    org = make_org()
    person = make_member(org, Role.RESPONDENT)
    _, v11 = versions(two_versions)
    cycle = services.cycle_create(org=org, period="2026-Q1", framework=v11,
                                  profile_key="essentials")
    respondent = services.respondent_invite(cycle=cycle, org=org, user_id=person.id,
                                            group="leadership")
    services.cycle_open(cycle=cycle)
    answer(cycle, respondent, "D6", "1")
    answer(cycle, respondent, "D5", "1")
    result = services.cycle_score(cycle=cycle, org=org)
    assert result.practice("D6").optional and result.practice("D6").priority == 0
    assert [p.practice_id for p in result.top_gaps()] == ["D5"]


def test_new_cycle_form_offers_and_stores_a_profile(two_versions, client, make_org, make_member):
    org = make_org()
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/new")
    assert page.status_code == 200
    assert b'value="essentials"' in page.data and b'value="full"' in page.data
    assert b"(v1.1)" in page.data and b"(v1.0)" not in page.data
    response = client.post(f"/o/{org.slug}/cycles/new", data={
        "period": "2027-Q1", "framework": "cx-governance", "profile": "full"})
    assert response.status_code == 302
    cycle = services.cycle_by_period(org, "2027-Q1")
    assert cycle.framework_version == "1.1" and cycle.profile_key == "full"
    bad = client.post(f"/o/{org.slug}/cycles/new", data={
        "period": "2027-Q2", "framework": "cx-governance", "profile": "huge"})
    assert bad.status_code == 200 and b"has no such profile" in bad.data
    assert services.cycle_by_period(org, "2027-Q2") is None
    targets = client.get(f"/o/{org.slug}/cycles/{cycle.id}/targets")
    assert b"Target profile: Full." in targets.data


def test_cli_opens_a_cycle_with_a_profile(two_versions, runner, make_org):
    org = make_org(slug="acme")
    db.session.commit()
    result = runner.invoke(args=["cycle", "open", "acme", "2026-Q3", "--profile", "essentials"])
    assert result.exit_code == 0, result.output
    assert "cx-governance v1.1, profile essentials" in result.output
    result = runner.invoke(args=["cycle", "open", "acme", "2026-Q4", "--profile", "nope"])
    assert result.exit_code == 1 and "has no profile “nope”" in result.output


# -- trends across the version change ------------------------------------------------------
@pytest.fixture
def across(two_versions, make_org, make_member):
    """A closed 1.0 quarter (A11 at 2, B10 at 1, B11 at 4) and an open 1.1 quarter."""
    org = make_org()
    lead = make_member(org, Role.RESPONDENT)
    front = make_member(org, Role.RESPONDENT)
    v10, v11 = versions(two_versions)
    old = services.cycle_create(org=org, period="2026-Q1", framework=v10)
    people = [services.respondent_invite(cycle=old, org=org, user_id=u.id, group=g)
              for u, g in ((lead, "leadership"), (front, "front_line"))]
    services.cycle_open(cycle=old)
    for r in people:
        answer(old, r, "A11", "2")
        answer(old, r, "B10", "1")
        answer(old, r, "B11", "4")
    services.cycle_close(cycle=old, org=org, by=None)
    new = services.cycle_create(org=org, period="2026-Q2", framework=v11, profile_key="full")
    services.cycle_open(cycle=new)
    people = services.cycle_respondents(new)
    for r in people:
        answer(new, r, "A12", "3")
        answer(new, r, "B10", "3")
        answer(new, r, "D6", "2")
    db.session.commit()
    return org, old, new


def test_movers_read_the_earlier_version_through_the_map(across):
    org, _old, new = across
    result = services.cycle_score(cycle=new, org=org)
    a12 = result.practice("A12")  # renamed from A11: keeps its history
    assert (a12.previous_level, a12.change) == (2.0, 1.0)
    b10 = result.practice("B10")  # merged B10 (1) + B11 (4), equal weights: 2.5
    assert (b10.previous_level, b10.change) == (2.5, 0.5)
    assert result.practice("D6").previous_level is None  # new: no earlier score
    services.cycle_close(cycle=new, org=org, by=None)
    stored = services.cycle_score(cycle=new, org=org)
    assert stored.practice("A12").change == 1.0  # what was computed is what is stored


def test_history_page_and_practice_page_say_what_changed(across, client, make_member):
    org, _old, new = across
    services.cycle_close(cycle=new, org=org, by=None)
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/history").get_data(as_text=True)
    assert "From 2026-Q2 the framework is version 1.1 (before: 1.0)" in page
    assert "practices new in 1.1 have no earlier score" in page
    listed = page.split('data-testid="version-change-practices"', 1)[1].split("</ul>", 1)[0]
    assert "New in 1.1, with no earlier score: D6 " in listed
    assert "Renamed in 1.1, with their history carried over: A11 → A12 " in listed
    assert "Merged in 1.1, their earlier score being the weighted mean of the practices merged: " \
           "B10 + B11 → B10 " in listed
    renamed = client.get(f"/o/{org.slug}/cycles/{new.id}/practices/A12").get_data(as_text=True)
    assert "Renamed in 1.1 (was A11 in 1.0); its history carries over." in renamed
    assert 'data-testid="practice-history"' in renamed and "2026-Q1" in renamed
    new_one = client.get(f"/o/{org.slug}/cycles/{new.id}/practices/D6").get_data(as_text=True)
    assert "New in 1.1: no earlier score." in new_one
    assert "No score: the practice is new in 1.1." in new_one
    merged = client.get(f"/o/{org.slug}/cycles/{new.id}/practices/B10").get_data(as_text=True)
    assert "Merged in 1.1 from B10, B11; earlier scores are their weighted mean." in merged


def test_an_action_on_a_renamed_practice_follows_its_successor(across):
    from cxgov.actions.selectors import action_followup, followup_by_practice
    from cxgov.actions.services import action_create_from_gap

    org, old, new = across
    action = action_create_from_gap(org=org, cycle=old, practice_id="A11", by=None)
    db.session.flush()
    items = action_followup(org.id, new)
    item = next(i for i in items if i.action_id == action.id)
    assert item.practice_id == "A11" and item.current_practice_id == "A12"
    assert item.score_change == 1.0
    assert "A12" in followup_by_practice(items)


def test_the_demo_crosses_a_version_change(two_versions, monkeypatch):
    """Six quarters on 1.0, then two closed and the open one on 1.1; the stories stay."""
    from cxgov import demo

    monkeypatch.setattr(services, "register_failing_checks",
                        lambda org: frozenset({"delegated_mandates"}))
    demo._import_feature_steps()
    ctx = demo.demo_create()
    db.session.commit()
    cycles = list(db.session.scalars(select(Cycle).where(Cycle.org_id == ctx.org.id)
                                      .order_by(Cycle.period)))
    assert [c.framework_version for c in cycles] == ["1.0"] * 6 + ["1.1"] * 3
    assert [c.profile_key for c in cycles] == [None] * 6 + ["full"] * 3
    assert [c.status for c in cycles] == ["closed"] * 8 + ["open"]
    first_on_11 = services.cycle_score(cycle=cycles[6], org=ctx.org)
    # read through the map: a kept practice has a previous level, a new one has none
    assert first_on_11.practice("A1").previous_level is not None
    assert first_on_11.practice("D6").previous_level is None
    assert first_on_11.practice("A12").previous_level is not None  # renamed from A11
    latest = services.cycle_score(cycle=cycles[7], org=ctx.org)
    assert "E1" in {p.practice_id for p in latest.perception_flags()}  # the E1 story


def test_dashboard_movers_say_how_a_practice_changed(across, client, make_member):
    org, _old, new = across
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/{new.id}/").get_data(as_text=True)
    movers = page.split('data-testid="movers"', 1)[1].split("</table>", 1)[0]
    assert "Renamed in 1.1 (was A11 in 1.0); its history carries over." in movers
    assert "Merged in 1.1 from B10, B11" in movers


def test_the_report_says_where_a_practice_is_new_or_changed(across):
    """Page, PDF and Word share one context: its practices, gaps, trend and method carry it."""
    from cxgov.reports.selectors import report_context_for_cycle

    org, _old, new = across
    services.cycle_close(cycle=new, org=org, by=None)
    db.session.commit()
    r = report_context_for_cycle(org, new)
    rows = {p.id: p for d in r.dimensions for p in d.practices}
    assert rows["D6"].change_note == "New in 1.1: no earlier score."
    assert rows["A12"].change_note == "Renamed in 1.1 (was A11 in 1.0); its history carries over."
    assert rows["A1"].change_note == ""  # kept
    assert [g.change_note for g in r.gaps if g.practice_id == "D6"] in ([], ["New in 1.1: no earlier score."])
    assert r.trend.version_notes and r.trend.version_notes[0].startswith(
        "From 2026-Q2 the framework is version 1.1 (before: 1.0).")
    assert any(line.startswith("New in 1.1, with no earlier score: D6 ") for line in r.method.version_changes)


def test_a_report_on_one_version_only_says_nothing_about_versions(two_versions, make_org, make_member):
    from cxgov.reports.selectors import report_context_for_cycle

    org = make_org()
    _v10, v11 = versions(two_versions)
    for period in ("2026-Q1", "2026-Q2"):
        cycle = services.cycle_create(org=org, period=period, framework=v11, profile_key="full")
        services.cycle_open(cycle=cycle)
        services.cycle_close(cycle=cycle, org=org, by=None)
    db.session.commit()
    r = report_context_for_cycle(org, cycle)
    assert not any(p.change_note for d in r.dimensions for p in d.practices)
    assert r.trend.version_notes == () and r.method.version_changes == ()


def _card(page: str, testid: str) -> str:
    """Return the <svg> inside the dashboard element marked ``data-testid=testid``."""
    inner = page.split(f'data-testid="{testid}">', 1)[1]
    return inner[: inner.index("</svg>") + len("</svg>")]


def test_the_dashboard_and_the_report_draw_the_same_charts(across, client, make_member):
    """One pipeline: the dashboard's charts are the report's, drawn from the same plain data."""
    from cxgov.reports.figures import build_charts, shows_radar
    from cxgov.reports.selectors import report_context_for_cycle

    org, _old, new = across
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/{new.id}/").get_data(as_text=True)
    report = report_context_for_cycle(org, new)
    drawn = build_charts(report)
    assert _card(page, "trend") == str(drawn.trend)
    profile = _card(page, "dimension-radar") if shows_radar(report.radar) else _card(page, "dimension-bars")
    assert profile == str(drawn.radar)
    # The same numbers, not only the same markup: the quarter before counts as the report counts it.
    assert report.trend.periods == ("2026-Q1", "2026-Q2")


def test_the_trend_marks_the_version_change(across, client, make_member):
    """Dashboard, report and history draw a labelled mark where 1.1 starts (2026-Q2)."""
    from cxgov.reports.figures import build_charts
    from cxgov.reports.selectors import report_context_for_cycle

    org, _old, new = across
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    report = report_context_for_cycle(org, new)
    assert [(m.period, m.version) for m in report.trend.version_marks] == [("2026-Q2", "1.1")]
    assert ">Version 1.1</text>" in str(build_charts(report).trend)
    assert ">Version 1.1</text>" in _card(client.get(f"/o/{org.slug}/cycles/{new.id}/").get_data(as_text=True), "trend")
    services.cycle_close(cycle=new, org=org, by=None)
    db.session.commit()
    history = client.get(f"/o/{org.slug}/cycles/history").get_data(as_text=True)
    assert ">Version 1.1</text>" in history


def test_dashboard_top_gaps_say_how_a_practice_changed(across, client, make_member):
    org, _old, new = across
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/{new.id}/").get_data(as_text=True)
    gaps = page.split('data-testid="top-gaps"', 1)[1].split("</table>", 1)[0]
    assert ">D6<" in gaps.replace('<span class="text-muted">D6</span>', ">D6<")
    assert "New in 1.1: no earlier score." in gaps


def test_history_marks_english_framework_text_on_a_swedish_page(across, client, make_member):
    """WCAG 3.1.2: the fixture frameworks have no Swedish overlay, so every title on the Swedish
    history page is English: each is marked lang="en" inside the Swedish sentence, the sentence
    itself is not."""
    org, _old, new = across
    org.language = "sv"
    services.cycle_close(cycle=new, org=org, by=None)
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/history").get_data(as_text=True)
    assert '<html lang="sv"' in page
    listed = page.split('data-testid="version-change-practices"', 1)[1].split("</ul>", 1)[0]
    v11 = framework_catalog().get("cx-governance", "1.1")
    d6 = v11.practice("D6").title.get("en")
    assert f'D6 <span lang="en">{escape(d6)}</span>' in listed, listed
    assert listed.count('<span lang="en">') >= 3  # new, renamed, merged: one title each
    assert '<li><span lang="en">' not in listed  # the Swedish sentence itself is not marked
    head = page.split('data-testid="history-table"', 1)[1].split("</thead>", 1)[0]
    first = v11.dimensions[0]
    assert f'{first.code}. <span lang="en">{escape(first.title.get("en"))}</span></th>' in head, head
    assert 'title="A. <span' not in head  # attributes keep the plain text


def test_the_dashboard_marks_english_practice_titles_on_a_swedish_page(across, client, make_member):
    """Every practice title listed on the Swedish dashboard (gaps, movers, perception, answers),
    English here for want of an overlay, is marked lang="en", also where it is shortened."""
    org, _old, new = across
    org.language = "sv"
    services.cycle_close(cycle=new, org=org, by=None)
    sponsor = make_member(org, Role.SPONSOR)
    db.session.commit()
    login_as(client, sponsor)
    page = client.get(f"/o/{org.slug}/cycles/{new.id}/").get_data(as_text=True)
    listed = re.findall(r'<span class="text-muted">([A-F]\d+)</span> (.{16})', page)
    assert len(listed) >= 4, listed
    unmarked = [(pid, after) for pid, after in listed if not after.startswith('<span lang="en">')]
    assert not unmarked, unmarked
    v11 = framework_catalog().get("cx-governance", "1.1")
    first = v11.dimensions[0]
    assert f'<td>{first.code}. <span lang="en">{escape(first.title.get("en"))}</span></td>' in page


def test_the_answer_page_marks_english_dimension_titles_on_a_swedish_page(across, client):
    """The dimension tabs (shortened titles) and the "next unanswered" link name English titles
    (no overlay here): each is marked lang="en"."""
    org, _old, new = across
    org.language = "sv"
    db.session.commit()
    respondent = services.cycle_respondents(new)[0]
    v11 = framework_catalog().get("cx-governance", "1.1")
    for practice in v11.dimensions[0].practices:  # all of A answered: the link names the next dimension
        answer(new, respondent, practice.id, "3")
    db.session.commit()
    login_as(client, db.session.get(User, respondent.user_id))
    page = client.get(f"/o/{org.slug}/cycles/{new.id}/answer").get_data(as_text=True)
    assert '<html lang="sv"' in page
    tabs = page.split('class="nav nav-tabs cx-dim-tabs', 1)[1].split("</ul>", 1)[0]
    for dimension in v11.dimensions:
        assert re.search(rf'{dimension.code}\. <span lang="en">[^<]+</span>', tabs), (dimension.code, tabs)
    later = next(d for d in v11.dimensions[1:])
    next_open = page.split("data-next-open", 1)[1].split("</a>", 1)[0]
    assert f'{later.code}. <span lang="en">{escape(later.title.get("en"))}</span>' in next_open, next_open
