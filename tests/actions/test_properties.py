"""Properties: exported text never turns into a formula; status changes keep done_at and reasons consistent."""
from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgov.actions import services
from cxgov.extensions import db
from cxgov.register.transfer.spreadsheet import csv_unescape
from cxgov.sheets import FORMULA_PREFIXES, Sheet, csv_bytes

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(texts)
def test_csv_cells_never_start_a_formula(value):
    """The one CSV writer (every export's) neutralises formula-like text reversibly."""
    text = csv_bytes(Sheet("Action plan", ["Title"], [[value]])).decode("utf-8-sig")
    (cell,) = list(csv.reader(io.StringIO(text, newline="")))[1]
    assert not cell.startswith(FORMULA_PREFIXES)
    # an apostrophe is added only before (apostrophes and) a formula character, and the
    # register import strips exactly that one again
    assert cell in (value, "'" + value)
    assert csv_unescape(cell) == value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["planned", "in_progress", "done", "dropped"]),
                          st.sampled_from(["", "  ", "No budget."])), min_size=1, max_size=8))
def test_status_changes_keep_done_at_and_reasons_consistent(app, make_org, steps):
    org = make_org()
    action = services.action_create(org=org, by=None, title="Charter", practice_id="A2")
    db.session.commit()
    for status, reason in steps:
        before = (action.status, action.done_at, action.drop_reason, action.version_id)
        try:
            services.action_update(org=org, action=action, by=None, version_id=action.version_id,
                                   status=status, drop_reason=reason)
        except services.ActionError:
            db.session.rollback()
            action = db.session.get(type(action), action.id)
            assert (action.status, action.done_at, action.drop_reason, action.version_id) == before
            assert status == "dropped" and not reason.strip()
        db.session.commit()
        assert (action.done_at is not None) == (action.status == "done")
        assert action.status != "dropped" or action.drop_reason
