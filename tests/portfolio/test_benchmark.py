"""The anonymised benchmark: threshold, hand-computed percentiles, opt-out, and no leaks (canaries)."""
from __future__ import annotations

import io
import json

import pytest
from docx import Document

from cxgov.cycles.models import Cycle
from cxgov.extensions import db as _db
from cxgov.orgs.models import Role
from cxgov.portfolio.benchmark import benchmark_for_cycle, percentile_rank, quartiles
from cxgov.reports.selectors import report_context_for_cycle
from cxgov.reports.word import report_docx
from tests.cycles.helpers import make_cycle

from .helpers import closed_cycle

#: Peer figures chosen so that no exact figure can appear by accident in a page.
PEER_INDEXES = [31.37, 42.19, 53.71, 64.83, 76.29]


@pytest.fixture
def consultant(make_user):
    return make_user(is_consultant=True, name="Helena Strand")


@pytest.fixture
def client_cycle(make_org, consultant):
    """The client's closed cycle with index 55 and every dimension at 50 (stored results)."""
    org = make_org(slug="nordlys", name="Nordlys", industry="Energy", consultant=consultant)
    cycle = make_cycle(org, period="2026-Q2", status="closed")
    results = json.loads(json.dumps(cycle.results))
    results["index"] = 55.0
    for dim in results["dimensions"]:
        dim["index"] = 50.0
    cycle.results = results
    _db.session.commit()
    return cycle


def add_peers(make_org, consultant, cycle: Cycle, indexes, *, prefix="canary-peer", industry="Energy",
              opt_out=False):
    orgs = []
    for n, index in enumerate(indexes):
        org = make_org(slug=f"{prefix}-{n}", name=f"Canary Peer {prefix} {n}", industry=industry,
                       consultant=consultant, benchmark_opt_out=opt_out)
        dims = {d["key"]: index - 10 for d in cycle.results["dimensions"]}
        closed_cycle(org, "2026-Q1", index - 20, dimensions=dims, framework_key=cycle.framework_key,
                     version=cycle.framework_version, profile_key=cycle.profile_key)  # only the latest counts
        closed_cycle(org, "2026-Q2", index, dimensions=dims, framework_key=cycle.framework_key,
                     version=cycle.framework_version, profile_key=cycle.profile_key)
        orgs.append(org)
    _db.session.commit()
    return orgs


def test_statistics_by_hand():
    assert percentile_rank(55.0, PEER_INDEXES) == 60.0  # 3 of 5 below
    assert percentile_rank(53.71, PEER_INDEXES) == 50.0  # 2 below, 1 equal counts half
    assert quartiles([30, 40, 50, 60, 70]) == (40, 50, 60)
    assert quartiles([1, 2, 3, 4]) == (1.75, 2.5, 3.25)  # linear interpolation


def test_four_contributors_show_nothing(client, login, make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[:4])
    assert benchmark_for_cycle(client_cycle) is None
    login(client, consultant)
    page = client.get(f"/o/nordlys/reports/{client_cycle.id}").data.decode()
    assert 'data-testid="report-benchmark"' not in page


def test_five_contributors_show_hand_computed_figures(make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES)
    view = benchmark_for_cycle(client_cycle)
    assert view is not None and view.peers == 5
    # by hand: sorted 31.37 42.19 53.71 64.83 76.29 -> Q1 42.19, median 53.71, Q3 64.83; 55 beats 3 of 5
    assert (view.index.value, view.index.percentile) == (55, 60)
    assert (view.index.q1, view.index.median, view.index.q3) == (42, 54, 65)
    assert view.dimensions, "every dimension is placed too"
    for dim in view.dimensions:  # peers' dimensions are index - 10; the client's are 50
        assert (dim.value, dim.percentile, dim.q1, dim.median, dim.q3) == (50, 60, 32, 44, 55)  # 3 of 5 below


def test_an_opted_out_organisation_is_never_counted(make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[:4])
    add_peers(make_org, consultant, client_cycle, [99.99], prefix="opted", opt_out=True)
    assert benchmark_for_cycle(client_cycle) is None  # 4 contribute, the fifth opted out
    add_peers(make_org, consultant, client_cycle, [PEER_INDEXES[4]], prefix="late")
    view = benchmark_for_cycle(client_cycle)
    assert view.peers == 5 and view.index.q3 == 65  # 99.99 would have moved Q3 to 76


def test_other_consultancies_and_other_framework_versions_do_not_count(make_org, make_user, consultant,
                                                                        client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[:4])
    add_peers(make_org, make_user(is_consultant=True), client_cycle, [50.0, 60.0], prefix="elsewhere")
    org = make_org(slug="old-version", name="Old", consultant=consultant)
    closed_cycle(org, "2026-Q2", 50.0, framework_key=client_cycle.framework_key, version="0.9")
    _db.session.commit()
    assert benchmark_for_cycle(client_cycle) is None


@pytest.mark.app_config(BENCHMARK_MIN_PEERS=3)
def test_the_threshold_cannot_go_below_five(make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[:4])
    assert benchmark_for_cycle(client_cycle) is None


@pytest.mark.app_config(BENCHMARK_MIN_PEERS=6)
def test_the_threshold_can_be_raised(make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES)
    assert benchmark_for_cycle(client_cycle) is None


def test_by_industry_counts_only_the_same_industry(make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES)
    assert benchmark_for_cycle(client_cycle, by_industry=True).industry == "Energy"
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES, prefix="bank", industry="Bank")
    assert benchmark_for_cycle(client_cycle, by_industry=True).peers == 5
    assert benchmark_for_cycle(client_cycle).peers == 10


def test_no_other_organisation_leaks_into_page_report_context_or_cli(client, login, make_org, make_member,
                                                                      consultant, client_cycle, runner):
    peers = add_peers(make_org, consultant, client_cycle, PEER_INDEXES)
    canaries = [p.name for p in peers] + [p.slug for p in peers] + ["Canary Peer", "canary-peer"]
    canaries += [f"{v}" for v in PEER_INDEXES] + [f"{v:.1f}" for v in PEER_INDEXES]
    canaries += [f"{v - 10:.2f}" for v in PEER_INDEXES] + [f"{v - 10:.1f}" for v in PEER_INDEXES]

    sponsor = make_member(client_cycle_org(client_cycle), Role.SPONSOR)
    login(client, sponsor)
    page = client.get(f"/o/nordlys/reports/{client_cycle.id}").data.decode()
    assert 'data-testid="report-benchmark"' in page
    context = json.dumps(report_context_for_cycle(client_cycle_org(client_cycle), client_cycle).to_dict(),
                         default=str)
    cli = runner.invoke(args=["benchmark", "show", "nordlys", "2026-Q2"])
    assert cli.exit_code == 0 and "among 5 other clients" in cli.output
    report = report_context_for_cycle(client_cycle_org(client_cycle), client_cycle)
    word = Document(io.BytesIO(report_docx(report)))
    word_text = "\n".join([p.text for p in word.paragraphs]
                           + [cell.text for t in word.tables for row in t.rows for cell in row.cells])
    assert "Benchmark" in word_text and "among 5 other client organisations" in word_text
    for text in (page, context, cli.output, word_text):
        for canary in canaries:
            assert canary not in text, canary


def test_cli_says_not_enough_data_and_refuses_bad_input(runner, make_org, consultant, client_cycle):
    add_peers(make_org, consultant, client_cycle, PEER_INDEXES[:4])
    result = runner.invoke(args=["benchmark", "show", "nordlys", "2026-Q2"])
    assert result.exit_code == 0 and "Not enough data" in result.output
    assert runner.invoke(args=["benchmark", "show", "nope", "2026-Q2"]).exit_code != 0
    assert runner.invoke(args=["benchmark", "show", "nordlys", "1999-Q9"]).exit_code != 0


def test_settings_opt_out_is_saved(client, login, make_member, client_cycle):
    org = client_cycle_org(client_cycle)
    login(client, make_member(org, Role.SPONSOR))
    response = client.post("/o/nordlys/settings", data={"name": "Nordlys", "industry": "Energy", "language": "en",
                                                        "benchmark_opt_out": "y"})
    assert response.status_code == 302
    _db.session.refresh(org)
    assert org.benchmark_opt_out is True


def client_cycle_org(cycle):
    from cxgov.orgs.models import Organisation

    return _db.session.get(Organisation, cycle.org_id)
