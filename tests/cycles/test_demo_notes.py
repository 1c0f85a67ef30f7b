"""Demo evidence notes read like a real client's: specific to practice and group, never canned."""
from __future__ import annotations

from collections import Counter

import yaml
from sqlalchemy import select

from cxgov.cycles.demo import demo_notes
from cxgov.cycles.models import Answer, Cycle, Respondent
from cxgov.extensions import db
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR

GROUPS = {"leadership", "management", "front_line"}


def _shipped_practice_ids() -> set[str]:
    ids: set[str] = set()
    for path in DEFAULT_FRAMEWORK_DIR.glob("cx-governance*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("language"):
            continue  # a translation overlay (cx-governance-1.1.sv.yaml): the source has the ids
        ids |= {p["id"] for d in data["dimensions"] for p in d["practices"]}
    return ids


def test_every_practice_of_every_version_has_notes_for_every_group() -> None:
    notes, _stories = demo_notes()
    shipped = _shipped_practice_ids()
    assert {"A1", "E1", "A12", "E3", "F7"} <= shipped | set(notes)
    assert shipped <= set(notes), sorted(shipped - set(notes))
    assert set(notes) <= shipped, "notes for a practice no framework has"
    for practice_id, by_group in notes.items():
        assert set(by_group) == GROUPS, practice_id
        for group, texts in by_group.items():
            assert len(texts) >= 2, (practice_id, group)
            assert all(isinstance(t, str) and len(t.split()) >= 4 for t in texts), (practice_id, group)


def test_no_stock_phrase_is_reused() -> None:
    notes, _stories = demo_notes()
    every = [t for by_group in notes.values() for texts in by_group.values() for t in texts]
    assert [t for t, n in Counter(every).items() if n > 1] == []
    # the 1.0 demo put "see the customer board minutes" under a training practice
    for practice_id, by_group in notes.items():
        if practice_id != "B2":
            assert not any("board minutes" in t for texts in by_group.values() for t in texts), \
                practice_id


def test_stories_the_report_quotes_are_notes_of_their_practice_and_group() -> None:
    notes, stories = demo_notes()
    assert stories["A1"]["leadership"] == "Every detractor gets a call-back within 48 hours."
    assert "rarely hear back" in stories["A1"]["front_line"]
    assert set(stories["E1"]) == {"leadership", "front_line"}
    for practice_id, by_group in stories.items():
        for group, story in by_group.items():
            assert story in notes[practice_id][group], (practice_id, group)


def test_demo_answers_carry_the_right_notes_and_every_quarter_tells_the_stories(app, demo_workspace) -> None:
    ctx = demo_workspace  # built by demo_create once per test process, copied for each test
    notes, stories = demo_notes()
    rows = db.session.execute(
        select(Cycle.period, Cycle.status, Answer.practice_id, Respondent.group, Answer.note)
        .join(Answer, Answer.cycle_id == Cycle.id)
        .join(Respondent, Respondent.id == Answer.respondent_id)
        .where(Cycle.org_id == ctx.org.id, Answer.note != "")).all()
    assert len(rows) > 100
    for _period, _status, practice_id, group, note in rows:
        assert note in notes[practice_id][group], (practice_id, group, note)
    assert len({note for *_rest, note in rows}) > 150  # varied, not five phrases
    closed = {period for period, status, *_rest in rows if status == "closed"}
    assert len(closed) == 8
    # the shipped 1.1 beside 1.0: six quarters on 1.0, then 2026-Q2, 2026-Q3 and the open one on 1.1
    versions = db.session.execute(select(Cycle.period, Cycle.framework_version)
                                  .where(Cycle.org_id == ctx.org.id).order_by(Cycle.period)).all()
    assert [v for _p, v in versions] == ["1.0"] * 6 + ["1.1"] * 3
    assert any(practice_id in {"A12", "E3", "F7"} for _p, _s, practice_id, _g, _n in rows)
    for period in closed:
        told = {(p, g, n) for per, _s, p, g, n in rows if per == period}
        for practice_id, by_group in stories.items():
            for group, story in by_group.items():
                assert (practice_id, group, story) in told, (period, practice_id, group)
