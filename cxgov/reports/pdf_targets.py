"""Lay out the contents page twice, not three times: a fix for WeasyPrint 70's target counters.

The contents' page numbers are ``target-counter(url(#anchor), page)``. WeasyPrint's
``compute_content_list`` files the target's missing ``page`` counter under the anchor, but it
reuses its local name for that list (``missing_counters = missing_target_counters.setdefault(
...)``), so the same list is also handed on as the box's *own* missing counters. A box that
misses its own page counter is laid out again whenever its page's counters change, and they do
once the page count is known: the cover page, which holds the contents, was laid out a third
time for nothing (about 20 ms of a one-second report). The page numbers themselves reach the
contents through the target's own path (``cache_target_page_counters``), which this leaves as
it is. Installed once, only on the WeasyPrint release it was written against.
"""

from __future__ import annotations

from typing import Any

from weasyprint.css.targets import TargetCollector


def target_counters_install() -> None:
    """Stop a target counter's page from counting as the box's own missing counter.

    Called once, by cxgov.reports.weasyprint_patches (which checks the WeasyPrint release).
    """
    original = TargetCollector.collect_missing_counters

    def collect_missing_counters(
        self: TargetCollector,
        parent_box: Any,
        css_token: str,
        parse_again_function: Any,
        missing_counters: list[str],
        missing_target_counters: dict[Any, list[str]],
    ) -> None:
        # The very list of a target's counters came back as the box's own: the reused name.
        if any(missing_counters is counters for counters in missing_target_counters.values()):
            missing_counters = []
        original(self, parent_box, css_token, parse_again_function, missing_counters, missing_target_counters)

    TargetCollector.collect_missing_counters = collect_missing_counters
