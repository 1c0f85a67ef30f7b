"""The shipped framework covers the practice catalogue and reads well enough for clients."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from cxgov.framework.checks import REGISTER_CHECKS
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR, load_framework_file
from cxgov.framework.model import Framework

REPO = Path(__file__).resolve().parents[2]
# ../shared beside the checkout (main), or one level higher from a worktree (/work/wt/NAME)
CATALOGUE = next((base / "shared" / "practice-catalogue.md" for base in (REPO.parent, REPO.parent.parent)
                  if (base / "shared" / "practice-catalogue.md").exists()),
                 REPO.parent / "shared" / "practice-catalogue.md")
EXPECTED_DIMENSIONS = [
    ("insight", "A"), ("governance", "B"), ("journeys", "C"),
    ("promise", "D"), ("empowerment", "E"), ("employee", "F"),
]


@pytest.fixture(scope="module")
def framework() -> Framework:
    result = load_framework_file(DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml")
    assert result.problems == [], [str(p) for p in result.problems]
    assert result.framework is not None
    return result.framework


@pytest.fixture(scope="module")
def catalogue_ids() -> list[str]:
    """Return every practice id listed in the shared practice catalogue."""
    if not CATALOGUE.exists():
        pytest.skip(f"practice catalogue not found at {CATALOGUE}; coverage cannot be checked")
    ids = re.findall(r"^- ([A-F][0-9]+) ", CATALOGUE.read_text(encoding="utf-8"), re.M)
    assert len(ids) > 30, "catalogue format changed: too few practice lines recognised"
    return ids


def test_dimensions_and_codes(framework: Framework) -> None:
    assert [(d.key, d.code) for d in framework.dimensions] == EXPECTED_DIMENSIONS
    assert [str(d.title) for d in framework.dimensions] == [
        "Insight and feedback loops", "Governance and organisation", "Journeys and channels",
        "Service promise and culture", "Empowerment and delegated mandates",
        "Employee experience",
    ]


def test_header_fields(framework: Framework) -> None:
    assert framework.key == "cx-governance" and framework.version == "1.0"
    assert [str(n) for n in framework.level_names] == [
        "Initial", "Emerging", "Defined", "Managed", "Leading"]
    scoring = framework.scoring
    assert (scoring.aggregation, scoring.na_policy, scoring.disagreement_spread,
            scoring.low_sample, scoring.perception_gap) == ("median", "exclude", 1.0, 3, 1.0)
    assert 4 <= len(framework.stages) <= 5
    assert framework.stages[0].min_index == 0
    assert all(s.description is not None for s in framework.stages)


def test_practice_count_in_range(framework: Framework) -> None:
    assert 35 <= len(framework.practices) <= 45


def test_every_catalogue_id_is_a_practice_or_merged(framework: Framework,
                                                     catalogue_ids: list[str]) -> None:
    present = {p.id for p in framework.practices}
    merged = {m for p in framework.practices for m in p.merges}
    missing = [cid for cid in catalogue_ids if cid not in present | merged]
    assert missing == []
    assert present <= set(catalogue_ids), "practice ids should keep the catalogue's ids"


def test_practices_per_dimension_match_catalogue(framework: Framework,
                                                 catalogue_ids: list[str]) -> None:
    listed = Counter(cid[0] for cid in catalogue_ids)
    merged = Counter(m[0] for p in framework.practices for m in p.merges)
    for dimension in framework.dimensions:
        assert len(dimension.practices) >= listed[dimension.code] - merged[dimension.code], \
            dimension.code


def test_merged_practices_cite_the_merged_sources(framework: Framework) -> None:
    """A merge must not lose an article: the merged practice's sources come along."""
    if not CATALOGUE.exists():
        pytest.skip(f"practice catalogue not found at {CATALOGUE}")
    text = CATALOGUE.read_text(encoding="utf-8")
    blocks = re.split(r"^- (?=[A-F][0-9]+ )", text, flags=re.M)
    # a practice's entry ends at the next blank line or heading
    entries = [re.split(r"\n\s*\n|\n#", b)[0] for b in blocks[1:]]
    sources = {e.split()[0]: set(re.findall(r"\b(00[0-4])\b", e)) for e in entries}
    assert sources["F6"] == {"002"}, "catalogue format changed"
    for practice in framework.practices:
        for cid in (practice.id, *practice.merges):
            assert sources[cid] <= set(practice.sources), (practice.id, cid)


def test_every_practice_is_complete(framework: Framework) -> None:
    for p in framework.practices:
        assert len(p.levels) == 5 and len(p.next_steps) == 4, p.id
        assert 2 <= len(p.evidence_prompts) <= 4, p.id
        assert 1 <= p.default_target <= 5 and p.weight > 0, p.id
        assert set(p.register_checks) <= set(REGISTER_CHECKS), p.id
        assert len(str(p.good_looks_like).split()) >= 25, f"{p.id}: good_looks_like too thin"
        # level descriptors must differ, or two respondents cannot tell levels apart
        assert len({str(level) for level in p.levels}) == 5, p.id


def test_next_steps_name_an_owner(framework: Framework) -> None:
    for p in framework.practices:
        assert p.owner_hint is not None, p.id
        for step in p.next_steps:
            # "The CX sponsor ...", "Each channel manager ...", "HR ...": the owner comes first
            assert re.match(r"(The|Each|HR)\b", str(step)), f"{p.id}: '{step}' names no owner"


def test_no_filler_text(framework: Framework) -> None:
    filler = re.compile(r"\b(lorem|TODO|TBD|etc\.\.\.|xxx)\b", re.I)
    for p in framework.practices:
        texts = [p.title, p.good_looks_like, *p.levels, *p.next_steps, *p.evidence_prompts]
        for text in texts:
            assert not filler.search(str(text)), (p.id, str(text))


@pytest.mark.parametrize(("practice_id", "checks"), [
    ("B1", {"touchpoints_unowned", "journeys_unowned", "touchpoints_reviewed"}),
    ("B2", {"customer_board"}),
    ("B3", {"sponsor"}),
    ("B4", {"ambassadors_per_channel"}),
    ("B7", {"omnichannel_lead", "channels_without_manager"}),
    ("A10", {"insight_manager"}),
    ("C7", {"complaints_channel"}),
    ("D1", {"service_promise"}),
    ("E1", {"delegated_mandates"}),
])
def test_register_checks_on_core_practices(framework: Framework, practice_id: str,
                                           checks: set[str]) -> None:
    assert checks <= set(framework.practice(practice_id).register_checks)


def test_some_core_practices_weigh_more(framework: Framework) -> None:
    heavy = {p.id for p in framework.practices if p.weight > 1}
    assert {"B1", "B3", "D1", "E1"} <= heavy
    assert len(heavy) < len(framework.practices) / 2
