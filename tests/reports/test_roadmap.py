"""Roadmap sequencing against a hand-made dependency graph: dependencies first, then priority, capped."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cxgov.reports.roadmap import next_periods, prerequisites, roadmap_sequence

# sponsor -> customer board -> insight manager -> feedback loops; E1 needs the sponsor too.
GRAPH = {"B2": ["B3"], "A10": ["B2"], "A1": ["A10"], "A2": ["A10"], "E1": ["B3"], "C1": []}


def test_dependencies_come_first_even_when_their_priority_is_lower():
    # Priority order puts the loops first, the sponsor fifth and the board last.
    seq = roadmap_sequence(["A1", "A2", "C1", "E1", "B3", "B2", "A10"], depends_on=GRAPH, per_quarter=3)
    assert seq.quarters == (("C1", "B3"), ("E1", "B2"), ("A10",))
    assert seq.later == ("A1", "A2")


def test_the_cap_holds_and_priority_orders_independent_steps():
    seq = roadmap_sequence(["C1", "B3", "X", "Y", "Z"], depends_on=GRAPH, per_quarter=2)
    assert seq.quarters == (("C1", "B3"), ("X", "Y"), ("Z",))


def test_a_dependency_through_a_practice_without_a_step_still_orders():
    # A1 waits for B2 through A10, which is at target and has no step of its own.
    seq = roadmap_sequence(["A1", "B2"], depends_on=GRAPH, per_quarter=5)
    assert seq.quarters[0] == ("B2",) and seq.quarters[1] == ("A1",)
    assert prerequisites(["A1", "B2"], GRAPH) == {"A1": {"B2"}, "B2": set()}


def test_a_cycle_leaves_its_steps_for_later_instead_of_looping():
    seq = roadmap_sequence(["P", "Q", "R"], depends_on={"P": ["Q"], "Q": ["P"]}, per_quarter=3)
    assert seq.quarters[0] == ("R",) and set(seq.later) == {"P", "Q"}


def test_quarters_follow_the_cycle():
    assert next_periods("2026-Q3") == ("2026-Q4", "2027-Q1", "2027-Q2")


# The framework validator refusing a cycle in depends_on is tested with the 1.1 format
# (tests/framework/test_format_11.py::test_dependency_cycle_is_refused_naming_the_cycle).


ids = st.lists(st.sampled_from(list("ABCDEFGHIJ")), unique=True, min_size=1, max_size=10)


@given(ids, st.dictionaries(st.sampled_from(list("ABCDEFGHIJ")),
                            st.lists(st.sampled_from(list("ABCDEFGHIJ")), max_size=3), max_size=10),
       st.integers(1, 4))
def test_never_before_a_dependency_and_never_over_the_cap(order, graph, cap):
    seq = roadmap_sequence(order, depends_on=graph, per_quarter=cap)
    where = {pid: q for q, pids in enumerate(seq.quarters) for pid in pids}
    waits = prerequisites(order, graph)
    for q, pids in enumerate(seq.quarters):
        assert len(pids) <= cap
        for pid in pids:
            assert all(dep in where and where[dep] < q for dep in waits[pid])
    assert sorted(where) + sorted(seq.later) == sorted(where) + sorted(set(order) - set(where))
