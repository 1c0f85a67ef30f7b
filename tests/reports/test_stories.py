"""The automatic draft finds the demo's stories, and never calls an empty register evidence."""
from __future__ import annotations

from sqlalchemy import select

from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.reports.narrative import plain
from cxgov.reports.selectors import report_context_for_cycle
from cxgov.reports.stories import PracticeFacts, Side, auto_draft
from tests.conftest import demo_workspace_copy


def _demo_context(period: str = "2026-Q3"):
    context = demo_workspace_copy()  # the demo, built once per test process
    cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == context.org.id, Cycle.period == period))
    return report_context_for_cycle(context.org, cycle)


def test_the_draft_finds_the_e1_perception_story_and_the_a1_contradicting_notes(app):
    r = _demo_context()
    perception = [s for s in r.stories if s.kind == "perception"]
    assert perception[0].practice_id == "E1"  # leadership 5.0, front line 2.0: the widest
    assert perception[0].high.group == "Leadership" and perception[0].high.level == 5.0
    assert perception[0].low.group == "Front line" and perception[0].low.level == 2.0
    contradiction = next(s for s in r.stories if s.kind == "contradiction" and s.practice_id == "A1")
    assert "Every detractor gets a call-back within 48 hours" in contradiction.text
    assert "rarely hear back" in contradiction.text
    summary = plain(r.narrative.summary)
    assert "E1" in summary and "Every detractor gets a call-back" in summary
    assert len(r.narrative.key_messages) == 3
    assert "E1" in r.narrative.key_messages[0]
    assert r.narrative.automatic


def test_the_draft_calls_out_a_done_action_without_effect(app):
    r = _demo_context()
    a10 = next(a for a in r.actions.done if a.practice_id == "A10")
    assert a10.warning  # done, yet its register check still fails and its level did not move
    assert any(s.kind == "no_effect" and s.practice_id == "A10" for s in r.stories)
    assert not a10.title.startswith("A10")  # the practice title is not repeated in the action column


def test_an_empty_register_is_missing_evidence_never_confirmation(app, make_org, make_member):
    from tests.cycles.helpers import make_cycle

    org = make_org(slug="fresh")
    sponsor = make_member(org)
    cycle = make_cycle(org, "2026-Q3", status="closed", respondents=[(sponsor, "leadership")])
    db.session.commit()
    r = report_context_for_cycle(org, cycle)
    assert r.method.register_state == "empty"
    assert not any(g.register_failing for g in r.gaps)
    assert all(g.evidence in ("missing", "") for g in r.gaps)
    assert not any(s.kind == "confirmed" for s in r.stories)
    text = plain(r.narrative.summary) + " ".join(r.summary.sentences) + " ".join(r.narrative.key_messages)
    assert "confirms" not in text
    assert "have no owner" not in text


def test_confirmation_needs_a_failing_check_and_a_register_with_content():
    practice = PracticeFacts(id="B1", title="Own every touchpoint", level=2.0, target=4, change=None,
                             previous_level=None, groups=(Side("Leadership", 2.0, 3, ()),),
                             register_checks=("touchpoints_unowned",),
                             failing_checks=("Touchpoints without owner",))
    kwargs = dict(index=40.0, change=None, stage="Emerging", previous_period=None, practices=[practice],
                  gap_ids=["B1"], done_actions=[], perception_threshold=1.0, first_steps=[])
    assert [s.kind for s in auto_draft(evidence_state="ok", **kwargs).stories] == ["confirmed"]
    for state in ("empty", "thin", "unchecked"):
        draft = auto_draft(evidence_state=state, **kwargs)
        assert [s.kind for s in draft.stories] == ["missing_evidence"]
        assert "confirms" not in draft.summary
