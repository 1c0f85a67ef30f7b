"""Property-based fuzzing of every API operation against its own OpenAPI spec (schemathesis).

For each caller (a member of the organisation with each role, and a member of another
organisation) and each operation in the spec, a few generated requests, valid and invalid, with
the organisation in the URL and, half the time, ids of rows that exist. Every response must
conform to the spec (status, content type, body schema) and never be a 500; a refused
request (any 4xx) must write nothing, compared with the tenancy matrix's fingerprint.

The number of examples per operation is ``CXGOV_API_FUZZ_EXAMPLES`` (default 3), so the suite
stays fast; raise it for a deeper run, e.g. ``CXGOV_API_FUZZ_EXAMPLES=50 pytest tests/api/test_fuzz.py``.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.api.access import ROW_IDS, TOKENS, token_key
from tests.conftest import pdf_layout_fake
from tests.report_stand_ins import use_word_charts_parsed_only
from tests.fingerprint import Fingerprint
from tests.test_tenancy import fingerprint, fresh_world

EXAMPLES = int(os.environ.get("CXGOV_API_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CALLERS = [*(("own", role) for role in Role), ("other", Role.CONSULTANT)]
#: figures for the run summary: caller -> (requests, seconds)
TIMINGS: dict[str, tuple[int, float]] = {}


def _known_ids(path: str, ids: dict) -> dict:
    """Return path parameters that name rows of the organisation, for ``path``'s parameters."""
    known = {"cycle_id": ids["cycle_closed"], "action_id": ids["action"], "number": 1,
             "key": ids["api_fw_key"], "version": ids["api_fw_version"]}
    if "/reports/" in path:
        known["cycle_id"] = ids["report_cycle"]
    if "/follow-up" in path:
        known["cycle_id"] = ids["action_cycle"]
    for table, id_key in ROW_IDS.items():
        if f"/register/{table}/" in path:
            known["row_id"] = ids[id_key]
    return {name: value for name, value in known.items() if "{" + name + "}" in path}


#: operation label -> the cases hypothesis drew for it, in order, kept by the test process.
#: Every caller is sent the same cases: with ``derandomize`` the seed is the digest of the test
#: function, which is the same for every caller and operation, and the strategies do not depend
#: on the caller (its token goes into the call, not the case), so hypothesis drew exactly the same
#: cases for each of the six callers (checked: 180 equal cases each). They are drawn once, by the
#: process's first caller, and sent again by the others: the drawing (strategies built and
#: validated, examples generated) was about half of this test's CPU.
DRAWN: dict[str, list[Case]] = {}


@pytest.mark.app_config(API_RATE_LIMIT=0, REPORT_RENDER_SYNC=True)
@pytest.mark.parametrize("caller", CALLERS, ids=[f"{key}-{role.value}" for key, role in CALLERS])
def test_every_operation_conforms_and_refusals_write_nothing(app, make_org, make_member, monkeypatch, caller):
    pdf_layout_fake(monkeypatch)  # the fuzzing checks the contract, not the layout
    use_word_charts_parsed_only(monkeypatch)  # ... nor the Word file's chart pictures
    world = fresh_world(make_org, make_member)
    own = world.orgs["own"]
    user = world.members[caller]
    headers = {"Authorization": f"Bearer {TOKENS[token_key(user)]}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    started, calls = time.perf_counter(), 0
    unchanged: list[Fingerprint] = []  # the fingerprint after the last refused request (the world has not changed since)

    def send(case: Case) -> None:
        """Send ``case`` as the caller, to this test's app, and check the answer."""
        nonlocal calls
        label, path = case.operation.label, case.operation.path
        db.session.rollback()
        before = unchanged.pop() if unchanged else fingerprint()
        response = case.call(headers=headers, app=app)
        calls += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        if response.status_code >= 400:
            db.session.rollback()
            after = fingerprint()
            assert after == before, (label, response.status_code, "a refused request wrote")
            unchanged.append(after)
        if caller[0] == "other" and "{org_slug}" in path:
            # Never served, never told "forbidden" (which would confirm the organisation exists).
            # 405: werkzeug's router answers it for an id beyond the path converter's maximum.
            assert response.status_code in (401, 404, 405, 422), (label, response.status_code)

    for operation in operations:
        if operation.label in DRAWN:
            for case in DRAWN[operation.label]:
                try:
                    send(case)
                except Exception as failure:
                    failure.add_note(f"drawn case: {case!r}")
                    raise
            continue
        known = _known_ids(operation.path, world.ids["own"])
        # With rows that exist, an update says If-Match: * (whatever the version is) half the time,
        # so the fuzzing reaches the write path and not only the 412/428 answers.
        if_match = {"If-Match": "*"} if operation.method.lower() == "patch" else {}
        strategies = [operation.as_strategy(mode, path_parameters=fixed, headers=headers_)
                      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                      for fixed, headers_ in (({"org_slug": own.slug}, {}),
                                              ({"org_slug": own.slug, **known}, {}),
                                              ({"org_slug": own.slug, **known}, if_match))]
        drawn: list[Case] = []

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(*strategies))
        def run(case) -> None:
            drawn.append(case)  # noqa: B023 (run is called in this iteration, below)
            send(case)

        run()
        DRAWN[operation.label] = drawn  # only when every case passed: a failing one is drawn again
    TIMINGS["-".join((caller[0], caller[1].value))] = (calls, time.perf_counter() - started)
    print(f"\napi fuzz {caller[0]}-{caller[1].value}: {calls} requests over {len(operations)} operations "
          f"in {time.perf_counter() - started:.1f} s")
