"""Counts read right in English and in the reader's language ("1 respondents" was a bug).

The register's health details, the report's low-sample note and a CLI summary, each with a
count of one and of several, in English and (through the compiled catalogue) in Swedish.
"""
from __future__ import annotations

from dataclasses import replace

from flask_babel import force_locale

from cxgov.register.health import CHECK_FUNCTIONS
from cxgov.reports.context import PracticeRow
from tests.register.test_health import TODAY, healthy


def _detail(key: str, snapshot) -> str:
    return CHECK_FUNCTIONS[key](snapshot, TODAY)[3]


def _with_inactive_owner(touchpoints_owned: int):
    """The healthy register with person 10 (who owns nothing there) inactive, owning that many touchpoints."""
    snap = healthy()
    people = tuple(replace(p, active=False) if p.id == 10 else p for p in snap.people)
    touchpoints = tuple(replace(t, owner_id=10) if i < touchpoints_owned else t
                        for i, t in enumerate(snap.touchpoints))
    return replace(snap, people=people, touchpoints=touchpoints)


def test_one_inactive_owner_is_one_person_not_one_people(app):
    with app.test_request_context():
        one = _detail("inactive_owners", _with_inactive_owner(1))
        several = _detail("inactive_owners", _with_inactive_owner(3))
    assert "1 thing is owned by 1 inactive person." in one
    assert "3 things are owned by 1 inactive person." in several


def test_a_single_touchpoint_is_singular_and_swedish_follows_the_catalogue(app):
    snap = healthy()
    single = replace(snap, touchpoints=snap.touchpoints[:1])
    with app.test_request_context():
        assert _detail("owner_concentration", single) == \
            "Only 1 touchpoint: too few to judge concentration."
        with force_locale("sv"):
            swedish = _detail("owner_concentration", single)
            several = _detail("owner_concentration", replace(snap, touchpoints=snap.touchpoints[:3]))
    assert swedish == "Bara 1 kontaktpunkt: för få för att bedöma koncentrationen."
    assert several == "Bara 3 kontaktpunkter: för få för att bedöma koncentrationen."


def test_a_board_of_one_member(app):
    snap = healthy()
    roles = tuple(r for r in snap.roles if r.role != "customer_board" or r.id == 4)
    with app.test_request_context():
        assert _detail("customer_board", replace(snap, roles=roles)) == \
            "The customer board has 1 member (at least 3 needed)."


def test_no_answers_is_not_only_0_answers(app):
    """The report's warnings for a practice with a low sample (PracticeRow.flags: page, PDF and Word)."""
    row = PracticeRow(id="A1", title="T", level=None, target=3, gap=None, spread=None, n_answers=0, n_na=0,
                      n_dont_know=0, disagreement=False, low_sample=True, change=None, perception_gap=None,
                      perception_flag=False, group_scores=(), failing_checks=(), notes=(), more_notes=0)
    with app.test_request_context():
        texts = [replace(row, n_answers=n).flags() for n in (0, 1, 2)]
    assert texts == [["No answers"], ["Only 1 answer"], ["Only 2 answers"]]


def test_report_commands_speak_their_lang(app, runner, tmp_path):
    """`flask report pdf ... --lang sv`: the refusal is in Swedish, without --lang in the default language."""
    out = str(tmp_path / "x.pdf")
    swedish = runner.invoke(args=["report", "pdf", "nosuch", "2026-Q3", "-o", out, "--lang", "sv"])
    default = runner.invoke(args=["report", "pdf", "nosuch", "2026-Q3", "-o", out])
    assert swedish.exit_code == 1 and "Ingen organisation har kortnamnet ”nosuch”." in swedish.output
    assert default.exit_code == 1 and "No organisation with the short name “nosuch”." in default.output
