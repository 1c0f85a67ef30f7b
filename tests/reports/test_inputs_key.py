"""The PDF cache key is derived from the report's gathered inputs, not listed beside them."""
from __future__ import annotations

import dataclasses

import pytest

from cxgov.extensions import db
from cxgov.reports import selectors
from cxgov.reports.context import Narrative
from cxgov.reports.selectors import (
    ReportInputs,
    report_context_for_cycle,
    report_context_from,
    report_inputs,
    report_inputs_key,
)
from tests.portfolio.test_benchmark import PEER_INDEXES, add_peers, client_cycle, consultant  # noqa: F401
from tests.portfolio.test_benchmark import client_cycle_org


def test_an_input_added_to_the_gathered_inputs_is_in_the_key(client_cycle):
    """A new field of ReportInputs changes the key with no change to the key's code."""
    inputs = report_inputs(client_cycle_org(client_cycle), client_cycle)
    Extended = dataclasses.make_dataclass("Extended", [("new_input", str)], bases=(ReportInputs,), frozen=True)
    plain = {f.name: getattr(inputs, f.name) for f in dataclasses.fields(inputs)}
    one, other = Extended(**plain, new_input="a"), Extended(**plain, new_input="b")
    assert report_inputs_key(one) != report_inputs_key(other)
    assert report_inputs_key(one) == report_inputs_key(Extended(**plain, new_input="a"))


def test_every_gathered_input_takes_part_in_the_key(client_cycle):
    inputs = report_inputs(client_cycle_org(client_cycle), client_cycle)
    key = report_inputs_key(inputs)
    assert report_inputs_key(report_inputs(client_cycle_org(client_cycle), client_cycle)) == key  # stable
    changed = {
        "period": "2026-Q3",
        "profile": "Another profile",
        "narrative": Narrative(summary="Written by hand."),
        "owners": {"sponsor": "Someone else"},
        "evidence_notes": {"A1": [("leadership", "A new note")]},
        "data_timestamp": None,
        "register_state": "ok" if inputs.register_state != "ok" else "empty",
        "history": (),
        "result": dataclasses.replace(inputs.result, index=(inputs.result.index or 0) + 1),
        "org": dataclasses.replace(inputs.org, language="sv"),
        "branding": dataclasses.replace(inputs.branding, accent="#000000"),
        "health": dataclasses.replace(inputs.health, score=inputs.health.score - 1),
    }
    for name, value in changed.items():
        assert report_inputs_key(dataclasses.replace(inputs, **{name: value})) != key, name


def test_the_context_is_built_from_the_inputs_alone(client_cycle, monkeypatch):
    """No query once the inputs are gathered: what builds the context is what makes the key."""
    org = client_cycle_org(client_cycle)
    inputs = report_inputs(org, client_cycle)
    expected = report_context_for_cycle(org, client_cycle).context_hash()

    def no_database(*_args, **_kwargs):
        pytest.fail("the context read the database after its inputs were gathered")

    monkeypatch.setattr(db.session, "execute", no_database)
    monkeypatch.setattr(db.session, "scalar", no_database)
    monkeypatch.setattr(db.session, "scalars", no_database)
    assert report_context_from(inputs).context_hash() == expected


def test_a_peer_closing_a_quarter_changes_the_key(make_org, consultant, client_cycle):  # noqa: F811
    """The benchmark reads other organisations' cycles; the hand-listed key never saw them."""
    org = client_cycle_org(client_cycle)
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[:4])
    before = report_inputs(org, client_cycle)
    assert before.benchmark is None  # four peers: not enough to show
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[4:], prefix="fifth")
    after = report_inputs(org, client_cycle)
    assert after.benchmark is not None and after.benchmark.peers == 5
    assert report_inputs_key(after) != report_inputs_key(before)


def test_a_framework_or_result_is_serialised_once_per_object(client_cycle, monkeypatch):
    inputs = report_inputs(client_cycle_org(client_cycle), client_cycle)
    report_inputs_key(inputs)
    seen = []
    real = selectors.json.dumps
    monkeypatch.setattr(selectors.json, "dumps", lambda value, **kw: seen.append(value) or real(value, **kw))
    report_inputs_key(inputs)
    assert not any(type(v[1]).__name__ in ("Framework", "CycleResult") for v in seen if isinstance(v, list))
