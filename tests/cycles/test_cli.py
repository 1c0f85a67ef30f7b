"""``flask cycle``: list, open, close, scores and export, with clear errors and exit status 1."""
from __future__ import annotations

import openpyxl
import pytest

from cxgov.cycles import services
from cxgov.extensions import db
from cxgov.numbers import fmt_index
from cxgov.orgs.models import Role
from tests.cycles.helpers import answer, make_cycle


@pytest.fixture(autouse=True)
def no_failing_checks(monkeypatch):
    monkeypatch.setattr(services, "register_failing_checks", lambda org: frozenset())


@pytest.fixture
def org_with_cycle(app, make_org, make_member):
    org = make_org(slug="acme")
    people = [(make_member(org, Role.RESPONDENT, name=f"P{i}"), g)
              for i, g in enumerate(("leadership", "management", "front_line"))]
    cycle = make_cycle(org, "2026-Q3", respondents=people)
    for user, _g in people:
        r = services.respondent_for(cycle, user)
        answer(cycle, r, "A1", "3")
        answer(cycle, r, "E1", "2")
    db.session.commit()
    return org, cycle


def test_open_close_list_scores_export(runner, org_with_cycle, tmp_path):
    org, cycle = org_with_cycle
    result = runner.invoke(args=["cycle", "close", "acme", "2026-Q3"])
    assert result.exit_code == 0, result.output
    index = services.cycle_score(cycle=cycle, org=org).index
    assert f"index {fmt_index(index)}." in result.output  # the dashboard's and the report's rounding

    result = runner.invoke(args=["cycle", "open", "acme", "2026-Q4", "--due", "2026-12-20"])
    assert result.exit_code == 0, result.output
    assert "3 respondents from the previous cycle" in result.output
    q4 = services.cycle_by_period(org, "2026-Q4")
    assert q4.status == "open" and str(q4.due_date) == "2026-12-20"

    result = runner.invoke(args=["cycle", "list", "acme"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["2026-Q4\topen\t-", f"2026-Q3\tclosed\t{fmt_index(index)}"]

    result = runner.invoke(args=["cycle", "scores", "acme", "2026-Q3"])
    assert result.exit_code == 0
    assert "E. Empowerment and delegated mandates" in result.output
    assert f"Index: {fmt_index(index)} " in result.output

    out = tmp_path / "q3.xlsx"
    result = runner.invoke(args=["cycle", "export", "acme", "2026-Q3", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Answers", "Practices", "Dimensions"]
    assert book["Answers"].max_row == 1 + 6


def test_open_draft_created_in_ui(runner, app, make_org):
    org = make_org(slug="beta")
    make_cycle(org, "2026-Q1", status="draft")
    db.session.commit()
    result = runner.invoke(args=["cycle", "open", "beta", "2026-Q1"])
    assert result.exit_code == 0 and "open" in result.output


@pytest.mark.parametrize("args, message", [
    (["cycle", "list", "nope"], "No organisation"),
    (["cycle", "open", "acme", "2026-Q5"], "not a quarter"),
    (["cycle", "open", "acme", "2026-Q3"], "only drafts can be opened"),
    (["cycle", "open", "acme", "2027-Q1", "--framework", "nope"], "No valid framework"),
    (["cycle", "open", "acme", "2027-Q1", "--due", "tomorrow"], "not a date"),
    (["cycle", "close", "acme", "2025-Q1"], "no cycle for 2025-Q1"),
    (["cycle", "scores", "acme", "x"], "not a quarter"),
    (["cycle", "export", "acme", "2026-Q3", "out.csv"], "must end in .xlsx"),
])
def test_bad_input_exits_1_and_changes_nothing(runner, org_with_cycle, args, message):
    org, _cycle = org_with_cycle
    before = [(c.period, c.status) for c in services.cycles_for_org(org)]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert message in result.output
    db.session.expire_all()
    assert [(c.period, c.status) for c in services.cycles_for_org(org)] == before


def test_scores_name_dimensions_and_stage_in_the_cli_language(runner, org_with_cycle):
    """The table's words were Swedish but its dimension titles and stage English (Text's str())."""
    result = runner.invoke(args=["cycle", "scores", "acme", "2026-Q3"], env={"CXGOV_LANG": "sv"})
    assert result.exit_code == 0, result.output
    assert "A. Insikt och feedbackloopar" in result.output
    assert "Insight and feedback loops" not in result.output
    stage = result.output.splitlines()[-1].split("Stadium: ", 1)[1].split(" (")[0]
    assert stage in {"Reaktiv", "Medveten", "Strukturerad", "Styrd", "Kunddriven"}, result.output
