"""Cycle services: lifecycle, prefill, answers with versions, and the scoring wiring."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cxgov.cycles import services
from cxgov.cycles.invitations import respondents_remind_mail
from cxgov.cycles.models import Cycle, period_next, period_previous, period_valid
from cxgov.extensions import db
from cxgov.framework.catalog import framework_catalog, framework_catalog_clear
from cxgov.orgs.models import Role
from cxgov.scoring.engine import CycleResult
from tests.cycles.helpers import answer, framework, make_cycle


@pytest.fixture
def no_failing_checks(monkeypatch):
    """Make the register report no failing check (the register has its own tests)."""
    state = {"failing": frozenset()}
    monkeypatch.setattr(services, "register_failing_checks", lambda org: state["failing"])
    return state


@pytest.fixture
def team(make_org, make_member):
    org = make_org()
    people = {
        "lead": make_member(org, Role.SPONSOR),
        "manager": make_member(org, Role.RESPONDENT),
        "front1": make_member(org, Role.RESPONDENT),
        "front2": make_member(org, Role.RESPONDENT),
    }
    return org, people


def _respondents(org, people):
    return [(people["lead"], "leadership"), (people["manager"], "management"),
            (people["front1"], "front_line"), (people["front2"], "front_line")]


def test_periods():
    assert period_valid("2026-Q4") and not period_valid("2026-Q5") and not period_valid("26-Q1")
    assert period_previous("2026-Q1") == "2025-Q4" and period_next("2025-Q4") == "2026-Q1"


def test_create_refuses_bad_and_duplicate_periods(app, team, no_failing_checks):
    org, _people = team
    with pytest.raises(services.CycleError, match="not a quarter"):
        services.cycle_create(org=org, period="2026-Q7", framework=framework())
    make_cycle(org, "2026-Q1", status="draft")
    with pytest.raises(services.CycleError, match="already a cycle"):
        services.cycle_create(org=org, period="2026-q1", framework=framework())


def test_lifecycle_and_prefill_from_previous_cycle(app, team, no_failing_checks):
    org, people = team
    first = make_cycle(org, "2026-Q1", status="open", respondents=_respondents(org, people))
    services.cycle_targets_set(cycle=first, targets={"A1": 5, "B3": 2})
    with pytest.raises(services.CycleError, match="only drafts"):
        services.cycle_open(cycle=first)
    services.cycle_close(cycle=first, org=org, by=people["lead"])
    with pytest.raises(services.CycleError, match="only an open cycle"):
        services.cycle_close(cycle=first, org=org, by=None)

    second = services.cycle_create(org=org, period="2026-Q2", framework=framework())
    assert second.status == "draft"
    assert second.targets == {"A1": 5, "B3": 2}
    assert {(r.user_id, r.group) for r in second.respondents} == {
        (u.id, g) for u, g in _respondents(org, people)}
    assert services.cycle_targets(second)["A2"] == framework().target_for(framework().practice("A2"),
                                                                         second.profile_key)


def test_invite_only_answering_members_in_known_groups(app, team, make_member, no_failing_checks):
    org, people = team
    viewer = make_member(org, Role.VIEWER)
    cycle = make_cycle(org, status="draft")
    with pytest.raises(services.CycleError, match="may answer"):
        services.respondent_invite(cycle=cycle, org=org, user_id=viewer.id, group="leadership")
    with pytest.raises(services.CycleError, match="respondent groups"):
        services.respondent_invite(cycle=cycle, org=org, user_id=people["front1"].id, group="board")


def test_stale_version_is_a_conflict_and_keeps_the_stored_answer(app, team, no_failing_checks):
    org, people = team
    cycle = make_cycle(org, respondents=_respondents(org, people))
    r = services.respondent_for(cycle, people["front1"])
    # Two tabs load the sheet: both see no answer (version 0).
    first = answer(cycle, r, "A1", "2", version=0)
    db.session.commit()
    assert first.version_id == 1
    with pytest.raises(services.AnswerConflict):
        answer(cycle, r, "A1", "4", version=0)  # the second tab is stale
    db.session.rollback()
    stored = services.respondent_answers(r)["A1"]
    assert (stored.kind, stored.level, stored.version_id) == ("level", 2, 1)
    # The same value from a stale tab is no conflict, and a fresh version saves.
    assert answer(cycle, r, "A1", "2", version=0).version_id == 1
    assert answer(cycle, r, "A1", "4", version=1).version_id == 2


def test_answer_validation(app, team, no_failing_checks):
    org, people = team
    cycle = make_cycle(org, respondents=_respondents(org, people))
    r = services.respondent_for(cycle, people["front1"])
    for choice, note, message in [("6", "", "level from 1 to 5"), ("3", "x" * 2001, "limit is 2000"),
                                  ("3", "bad\x00char", "control characters")]:
        with pytest.raises(services.CycleError, match=message):
            answer(cycle, r, "A1", choice, note)
    with pytest.raises(services.CycleError, match="not a practice"):
        answer(cycle, r, "Z9", "3")
    na = answer(cycle, r, "A2", "na", "We have no such forum.")
    assert (na.kind, na.level, na.note) == ("na", None, "We have no such forum.")


def test_closed_cycle_refuses_every_save(app, team, no_failing_checks):
    org, people = team
    cycle = make_cycle(org, respondents=_respondents(org, people))
    r = services.respondent_for(cycle, people["front1"])
    answer(cycle, r, "A1", "3")
    services.cycle_close(cycle=cycle, org=org, by=None)
    with pytest.raises(services.CycleError, match="closed"):
        answer(cycle, r, "A1", "4")
    with pytest.raises(services.CycleError, match="closed"):
        services.cycle_targets_set(cycle=cycle, targets={"A1": 5})


def _answer_all(cycle, org, people, levels):
    for key, group in (("lead", "leadership"), ("manager", "management"), ("front1", "front_line"),
                       ("front2", "front_line")):
        r = services.respondent_for(cycle, people[key])
        for pid, level in levels[key].items():
            answer(cycle, r, pid, str(level))


def test_scoring_wiring_matches_the_engine_and_stores_results(app, team, no_failing_checks):
    org, people = team
    cycle = make_cycle(org, respondents=_respondents(org, people))
    services.cycle_targets_set(cycle=cycle, targets={"E1": 5})
    _answer_all(cycle, org, people, {
        "lead": {"E1": 5, "A1": 4}, "manager": {"E1": 4, "A1": 3},
        "front1": {"E1": 2, "A1": 3}, "front2": {"E1": 1}})
    r = services.respondent_for(cycle, people["front2"])
    answer(cycle, r, "A1", "dont_know")
    no_failing_checks["failing"] = frozenset({"delegated_mandates"})

    live = services.cycle_score(cycle=cycle, org=org)
    e1 = live.practice("E1")
    assert e1.level == 3.0  # median of 5, 4, 2, 1
    assert e1.target == 5 and e1.gap == 2.0
    assert e1.upper_level == 4.5 and e1.frontline_level == 1.5 and e1.perception_flag
    assert e1.register_failing and e1.priority == 2.0 * 2.0 * 1.5  # gap x weight x register
    a1 = live.practice("A1")
    assert a1.n_answers == 3 and a1.n_dont_know == 1 and a1.level == 3.0

    stored = services.cycle_close(cycle=cycle, org=org, by=people["lead"])
    assert cycle.results == stored.to_dict()
    assert cycle.closed_failing_checks == ["delegated_mandates"]
    assert CycleResult.from_dict(cycle.results) == live


def test_closed_results_do_not_change_when_yaml_or_register_change(app, team, no_failing_checks, tmp_path):
    org, people = team
    # A private copy of the assessments folder that the test may edit.
    folder = tmp_path / "assessments"
    shutil.copytree(Path(app.config["ASSESSMENTS_DIR"]), folder)
    app.config["ASSESSMENTS_DIR"] = str(folder)
    framework_catalog_clear()
    cycle = make_cycle(org, respondents=_respondents(org, people))
    _answer_all(cycle, org, people, {
        "lead": {"B3": 4, "E1": 4}, "manager": {"B3": 3, "E1": 4},
        "front1": {"B3": 2, "E1": 2}, "front2": {"B3": 2, "E1": 1}})
    services.cycle_close(cycle=cycle, org=org, by=None)
    db.session.commit()
    before = dict(cycle.results)
    page_before = services.cycle_score(cycle=cycle, org=org)

    # 1. The register changes: every check now fails.
    no_failing_checks["failing"] = frozenset({"sponsor", "delegated_mandates"})
    # 2. The framework file changes: weights and default targets of B3 and E1.
    path = next(p for p in folder.glob("cx-governance*.yaml")  # the source file, not an overlay
                if f'version: "{cycle.framework_version}"' in p.read_text()
                and "\nlanguage:" not in p.read_text())
    text = path.read_text()
    path.write_text(text.replace("scoring:\n  aggregation: median", "scoring:\n  aggregation: mean", 1))
    framework_catalog_clear()
    changed = framework_catalog().get("cx-governance", cycle.framework_version)
    assert changed is not None and changed.scoring.aggregation == "mean"
    assert changed.content_hash != cycle.framework_hash

    db.session.expire_all()
    reloaded = db.session.get(Cycle, cycle.id)
    assert reloaded.results == before
    after = services.cycle_score(cycle=reloaded, org=org)
    assert after == page_before
    assert after.practice("E1").register_failing is False
    assert services.cycle_framework(reloaded).scoring.aggregation == "median"

    # An open cycle, by contrast, is live: it sees the register change at once.
    live = make_cycle(org, "2027-Q1", respondents=_respondents(org, people))
    r = services.respondent_for(live, people["front1"])
    answer(live, r, "E1", "1")
    assert services.cycle_score(cycle=live, org=org).practice("E1").register_failing is True
    assert services.cycle_score(cycle=live, org=org).practice("E1").previous_level == \
        page_before.practice("E1").level


def test_change_since_last_quarter_uses_previous_closed_result(app, team, no_failing_checks):
    org, people = team
    q1 = make_cycle(org, "2026-Q1", respondents=_respondents(org, people))
    _answer_all(q1, org, people, {k: {"A1": 2} for k in ("lead", "manager", "front1", "front2")})
    services.cycle_close(cycle=q1, org=org, by=None)
    q2 = services.cycle_create(org=org, period="2026-Q2", framework=framework())
    services.cycle_open(cycle=q2)
    _answer_all(q2, org, people, {k: {"A1": 4} for k in ("lead", "manager", "front1", "front2")})
    result = services.cycle_score(cycle=q2, org=org)
    assert result.practice("A1").change == 2.0
    assert result.previous_index == services.cycle_score(cycle=q1, org=org).index
    # Closing out of period order would make "change since last quarter" wrong.
    services.cycle_close(cycle=q2, org=org, by=None)
    q0 = services.cycle_create(org=org, period="2025-Q4", framework=framework())
    services.cycle_open(cycle=q0)
    with pytest.raises(services.CycleError, match="period order"):
        services.cycle_close(cycle=q0, org=org, by=None)


def test_remind_records_only_non_submitters(app, team, no_failing_checks):
    org, people = team
    cycle = make_cycle(org, respondents=_respondents(org, people))
    done = services.respondent_for(cycle, people["lead"])
    services.respondent_submit(cycle=cycle, respondent=done)
    pending = respondents_remind_mail(cycle=cycle, org=org)
    assert {r.user_id for r in pending} == {people[k].id for k in ("manager", "front1", "front2")}
    assert done.reminded_at is None and all(r.reminded_at for r in pending)
