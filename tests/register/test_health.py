"""The register health checks as pure functions: each finds its gap and clears when it is fixed."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from cxgov.framework.checks import REGISTER_CHECKS
from cxgov.register.health import (
    CHECK_FUNCTIONS,
    ChannelRow,
    CheckResult,
    CxRoleRow,
    JourneyRow,
    MandateRow,
    PersonRow,
    RegisterSnapshot,
    TouchpointRow,
    health_score,
    practice_map,
    register_snapshot,
    run_health_checks,
)

TODAY = date(2026, 11, 22)
LONG_AGO = date(2020, 1, 1)


def healthy() -> RegisterSnapshot:
    """A small register where every check passes: 8 touchpoints spread over 4 owners."""
    people = tuple(PersonRow(i, f"Person {i}", f"p{i}@x.example", True) for i in range(1, 11))
    channels = (ChannelRow(1, "Phone", "phone", 1, True), ChannelRow(2, "Complaints", "complaints", 2, True))
    journeys = (JourneyRow(1, "Move in", 3, True), JourneyRow(2, "Move out", 4, True))
    touchpoints = tuple(
        TouchpointRow(i, f"TP {i}", 1 + i % 2, 1 + (i // 2) % 2, 1 + i % 4, TODAY - timedelta(days=10), True)
        for i in range(1, 9))
    roles = (
        CxRoleRow(1, 5, "cx_sponsor", LONG_AGO, None),
        CxRoleRow(2, 6, "ambassador", LONG_AGO, None),
        CxRoleRow(3, 7, "ambassador", LONG_AGO, None),
        CxRoleRow(4, 8, "customer_board", LONG_AGO, None),
        CxRoleRow(5, 9, "customer_board", LONG_AGO, None),
        CxRoleRow(6, 10, "customer_board", LONG_AGO, None),
        CxRoleRow(7, 1, "insight_manager", LONG_AGO, None),
        CxRoleRow(8, 2, "omnichannel_lead", LONG_AGO, None),
    )
    mandates = (MandateRow(1, "Agents", "Credit a fee", 1, True),)
    return RegisterSnapshot(org_id=1, service_promise="We answer within a day.", people=people, channels=channels,
                            journeys=journeys, touchpoints=touchpoints, roles=roles, mandates=mandates)


def statuses(snapshot: RegisterSnapshot) -> dict[str, str]:
    return {r.key: r.status for r in run_health_checks(snapshot, TODAY, practices={}).results}


def test_every_register_check_has_a_function_and_the_healthy_register_passes_all():
    assert set(CHECK_FUNCTIONS) == set(REGISTER_CHECKS)
    report = run_health_checks(healthy(), TODAY, practices={})
    assert [r.key for r in report.results] == list(REGISTER_CHECKS)
    assert all(r.status == "ok" and r.count == 0 for r in report.results), statuses(healthy())
    assert report.score == 100


def _touchpoint(snap, tp_id, **changes):
    return replace(snap, touchpoints=tuple(replace(t, **changes) if t.id == tp_id else t for t in snap.touchpoints))


def _roles_without(snap, kind):
    return replace(snap, roles=tuple(r for r in snap.roles if r.role != kind))


def _add_role(snap, person_id, kind, until=None):
    new = CxRoleRow(100 + len(snap.roles), person_id, kind, LONG_AGO, until)
    return replace(snap, roles=snap.roles + (new,))


GAPS = {
    "touchpoints_unowned": lambda s: _touchpoint(s, 3, owner_id=None),
    "journeys_unowned": lambda s: replace(s, journeys=(replace(s.journeys[0], owner_id=None),) + s.journeys[1:]),
    "channels_without_manager": lambda s: replace(s, channels=(replace(s.channels[0], manager_id=None),) + s.channels[1:]),
    "sponsor": lambda s: _roles_without(s, "cx_sponsor"),
    "ambassadors_per_channel": lambda s: replace(s, roles=tuple(r for r in s.roles if r.id != 3)),
    "customer_board": lambda s: replace(s, roles=tuple(r for r in s.roles if r.id != 6)),
    "insight_manager": lambda s: _roles_without(s, "insight_manager"),
    "complaints_channel": lambda s: replace(s, channels=(s.channels[0], replace(s.channels[1], kind="email"))),
    "omnichannel_lead": lambda s: _roles_without(s, "omnichannel_lead"),
    "service_promise": lambda s: replace(s, service_promise="   "),
    "delegated_mandates": lambda s: replace(s, mandates=(replace(s.mandates[0], active=False),)),
    "inactive_owners": lambda s: replace(s, people=tuple(replace(p, active=False) if p.id == 4 else p for p in s.people)),
    "owner_concentration": lambda s: replace(s, touchpoints=tuple(
        replace(t, owner_id=1) if t.id in (2, 3, 4) else t for t in s.touchpoints)),
    "touchpoints_reviewed": lambda s: _touchpoint(s, 5, last_reviewed=TODAY - timedelta(days=184)),
}


@pytest.mark.parametrize("key", list(REGISTER_CHECKS))
def test_each_check_detects_its_gap_and_only_that_gap(key):
    broken = GAPS[key](healthy())
    result = statuses(broken)
    assert result[key] != "ok", key
    others = {k: v for k, v in result.items() if k != key and v != "ok"}
    # Losing an inactive journey owner's person also makes inactive_owners fail; nothing else may.
    assert not others, others


@pytest.mark.parametrize("key", list(REGISTER_CHECKS))
def test_each_check_names_what_is_wrong(key):
    broken = GAPS[key](healthy())
    report = run_health_checks(broken, TODAY, practices={})
    result = report.result(key)
    assert result.count >= 1
    assert result.detail
    assert report.score < 100


def test_offending_rows_point_at_the_rows():
    snap = _touchpoint(_touchpoint(healthy(), 3, owner_id=None), 6, owner_id=None)
    result = run_health_checks(snap, TODAY, practices={}).result("touchpoints_unowned")
    assert result.status == "fail" and result.count == 2
    assert [(o.kind, o.id) for o in result.offending] == [("touchpoint", 3), ("touchpoint", 6)]
    assert result.offending[0].label == "TP 3 (Move out · Complaints)"


def test_fixing_a_gap_clears_it():
    broken = GAPS["touchpoints_unowned"](healthy())
    fixed = _touchpoint(broken, 3, owner_id=2)
    assert statuses(fixed)["touchpoints_unowned"] == "ok"


def test_two_sponsors_fail_and_list_both():
    snap = _add_role(healthy(), 9, "cx_sponsor")
    result = run_health_checks(snap, TODAY, practices={}).result("sponsor")
    assert result.status == "fail"
    assert {o.id for o in result.offending} == {5, 9}


def test_ended_roles_and_inactive_people_do_not_count():
    snap = _roles_without(healthy(), "cx_sponsor")
    assert statuses(_add_role(snap, 5, "cx_sponsor", until=TODAY - timedelta(days=1)))["sponsor"] == "fail"
    assert statuses(_add_role(snap, 5, "cx_sponsor", until=TODAY))["sponsor"] == "ok"  # last day still counts
    inactive = replace(snap, people=tuple(replace(p, active=False) if p.id == 5 else p for p in snap.people))
    assert statuses(_add_role(inactive, 5, "cx_sponsor"))["sponsor"] == "fail"


def test_customer_board_with_one_or_two_members_warns_and_with_none_fails():
    two = replace(healthy(), roles=tuple(r for r in healthy().roles if r.id != 6))
    assert statuses(two)["customer_board"] == "warn"
    none = _roles_without(healthy(), "customer_board")
    assert statuses(none)["customer_board"] == "fail"


def test_review_age_boundary_is_183_days():
    assert statuses(_touchpoint(healthy(), 5, last_reviewed=TODAY - timedelta(days=183)))["touchpoints_reviewed"] == "ok"
    assert statuses(_touchpoint(healthy(), 5, last_reviewed=None))["touchpoints_reviewed"] == "fail"


def test_owner_concentration_boundary_is_a_quarter():
    # 8 touchpoints: owning 2 (25 %) is fine, owning 3 (37.5 %) is not.
    two = replace(healthy(), touchpoints=tuple(replace(t, owner_id=1 if t.id in (1, 2) else 2 + t.id % 3)
                                               for t in healthy().touchpoints))
    assert statuses(two)["owner_concentration"] == "ok"


def test_inactive_touchpoints_journeys_and_channels_do_not_count():
    snap = _touchpoint(healthy(), 3, owner_id=None, active=False)
    assert statuses(snap)["touchpoints_unowned"] == "ok"
    unowned_on_closed_channel = replace(_touchpoint(healthy(), 3, owner_id=None),
                                        channels=tuple(replace(c, active=False) if c.id == 2 else c
                                                       for c in healthy().channels))
    assert statuses(unowned_on_closed_channel)["touchpoints_unowned"] == "ok"


def test_empty_register_says_not_enough_data_instead_of_failing_what_it_cannot_judge():
    report = run_health_checks(RegisterSnapshot(org_id=1, service_promise=""), TODAY, practices={})
    assert report.counts() == {"ok": 0, "warn": 0, "fail": 7, "na": 7}
    na = {r.key for r in report.results if r.status == "na"}
    assert na == {"touchpoints_unowned", "journeys_unowned", "channels_without_manager", "ambassadors_per_channel",
                  "inactive_owners", "owner_concentration", "touchpoints_reviewed"}
    assert not na & {r.key for r in report.failing}
    assert report.score == 0  # the seven checks that can be judged all fail


def test_score_formula():
    def results(*statuses_):
        return [CheckResult(key=str(i), title="", status=s, count=0) for i, s in enumerate(statuses_)]

    # 62.5 shows as 63: half up, like every displayed figure (Python's round gives 62).
    assert health_score(results("ok", "ok", "fail", "warn")) == 63
    assert health_score(results("ok", "na", "fail")) == 50
    assert health_score(results("fail")) == 0
    assert health_score(results("na")) == 0
    assert health_score([]) == 0


def test_score_counts_partial_progress_so_fixing_one_of_six_unowned_touchpoints_moves_it():
    snap = healthy()
    for tp_id in range(1, 7):
        snap = _touchpoint(snap, tp_id, owner_id=None)
    six = run_health_checks(snap, TODAY, practices={})
    assert six.result("touchpoints_unowned").progress == 2 / 8
    five = run_health_checks(_touchpoint(snap, 1, owner_id=1), TODAY, practices={})
    assert five.result("touchpoints_unowned").progress == 3 / 8
    assert five.score > six.score
    # by hand: 13 checks pass fully, the unowned check is 3/8 and concentration is fine
    assert five.score == round(100 * (13 + 3 / 8) / 14)


def test_customer_board_progress_is_the_share_of_the_three_members():
    one = _roles_without(healthy(), "customer_board")
    one = _add_role(one, 8, "customer_board")
    assert run_health_checks(one, TODAY, practices={}).result("customer_board").progress == 1 / 3


def test_practice_ids_come_from_the_framework(app):
    mapping = practice_map()
    assert "B3" in mapping["sponsor"]
    assert "C7" in mapping["complaints_channel"]
    report = run_health_checks(healthy(), TODAY)
    assert report.result("service_promise").practice_ids == tuple(mapping["service_promise"])


def test_the_checks_name_the_practices_of_the_organisations_own_framework_version(app, db, make_org):
    """An organisation whose newest cycle runs on 1.0 sees 1.0's practices; 1.1 adds B12 to the
    sponsor check, which only an organisation on 1.1 (or without any cycle) is shown."""
    from cxgov.cycles import services as cycle_services
    from cxgov.framework.catalog import framework_catalog
    from cxgov.register.health import health_framework, register_health

    catalog = framework_catalog()
    on_10, on_11, fresh = make_org(slug="on-10"), make_org(slug="on-11"), make_org(slug="fresh")
    cycle_services.cycle_create(org=on_10, period="2026-Q1", framework=catalog.get("cx-governance", "1.0"))
    cycle_services.cycle_create(org=on_11, period="2026-Q1", framework=catalog.get("cx-governance", "1.0"))
    cycle_services.cycle_create(org=on_11, period="2026-Q2", framework=catalog.get("cx-governance", "1.1"))
    db.session.flush()
    assert health_framework(on_10).version == "1.0"
    assert health_framework(on_11).version == "1.1"
    assert health_framework(fresh).version == catalog.get("cx-governance").version == "1.1"
    assert register_health(on_10).result("sponsor").practice_ids == ("B3",)
    assert register_health(on_11).result("sponsor").practice_ids == ("B3", "B12")
    assert register_health(fresh).result("sponsor").practice_ids == ("B3", "B12")


def test_the_report_cannot_be_changed_in_place(db, make_org):
    """The register memo shares one report across requests, keyed by its digest."""
    report = run_health_checks(register_snapshot(make_org()), TODAY, practices={})
    assert isinstance(report.results, tuple)
    with pytest.raises(AttributeError):
        report.results.append(report.results[0])  # type: ignore[attr-defined]
