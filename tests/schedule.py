"""How ``make test`` shares the suite between its two test processes (pytest-xdist, ``--dist loadgroup``).

Some tests share a fixture that is expensive to make and made once per test process: the
accessibility crawl's demo site (the demo workspace on its own server, a link crawl as every
role that plans the pages, one browser tab that switches between the roles' session cookies)
and the no-English crawl's demo; the API fuzzing's cases, drawn once per process. With plain
``--dist load`` both processes made each of them. Here every test of such a set is sent to one process, as one unit of work,
while the other process runs the rest of the suite; the units are dealt out largest first, so
these start at once and the single tests fill in behind them.

xdist's own ``xdist_group`` mark would say the same, but it works by renaming the test's node id,
which pytest 9 no longer allows (the mark is silently ignored: measured, every group spread
over both processes). So the sets are named here by node id prefix.
"""
from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

#: node id prefix -> the name of the set whose tests must share one test process.
SAME_PROCESS = {
    # The demo site, its page plan and the role logins (tests/e2e/test_accessibility.py).
    "tests/e2e/test_accessibility.py::test_every_page_passes_axe_for_every_role": "a11y-demo-site",
    "tests/e2e/test_accessibility.py::test_every_role_reaches_its_pages_without_an_error": "a11y-demo-site",
    "tests/e2e/test_accessibility.py::test_the_groups_share_out_every_planned_page_once": "a11y-demo-site",
    "tests/e2e/test_accessibility.py::test_colour_contrast_is_checked_on_one_page_of_every_endpoint": "a11y-demo-site",
    # The no-English crawl's demo, one test per language (tests/i18n/test_untranslated_pages.py).
    "tests/i18n/test_untranslated_pages.py::test_no_english_is_left_on_any_page": "i18n-demo",
    # The API fuzzing's cases, drawn once per process and sent as each of the six callers
    # (tests/api/test_fuzz.py): drawing them is about 2 s of CPU, sending them about 1 s per caller.
    "tests/api/test_fuzz.py::test_every_operation_conforms_and_refusals_write_nothing": "api-fuzz-cases",
}


def same_process_set(nodeid: str) -> str:
    """Return the unit of work ``nodeid`` belongs to: its set's name, or the test itself."""
    return next((name for prefix, name in SAME_PROCESS.items() if nodeid.startswith(prefix)), nodeid)


class SameProcessScheduling(LoadScopeScheduling):
    """``--dist loadgroup`` with the sets above as the groups; every other test is a unit of its own.

    LoadScopeScheduling deals out the largest units first (``--loadscope-reorder``, xdist's
    default) and gives a process a new unit when it has at most two tests left.
    """

    def _split_scope(self, nodeid: str) -> str:
        return same_process_set(nodeid)
