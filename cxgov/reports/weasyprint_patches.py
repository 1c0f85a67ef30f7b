"""The report's patches to WeasyPrint 70, installed together, once, on that release only.

Each patch makes the report's PDF cheaper to lay out, write or free, or more accessible, without
changing what WeasyPrint 70 draws: tests/reports/test_pdf_speedups.py compares the bytes with and
without the layout patches; tests/reports/test_pdf_render_speedups.py shows pdf_garbage leaves the
bytes as they were and pdf_compress (deflate level 6, pydyf's streams) changes only the
compressed bytes, not what they decompress to; pdf_lang adds each element's language to the tag
tree. They replace functions inside WeasyPrint's modules, so they are written against that one
release: on any other, none is installed and WeasyPrint's own code runs (slower, and without
per-element ``/Lang``).
"""

from __future__ import annotations

import threading

import weasyprint

from . import pdf_compress, pdf_garbage, pdf_lang, pdf_percentages, pdf_targets, svg_memo, svg_text

_lock = threading.Lock()
_installed: bool | None = None


def weasyprint_patches_install() -> bool:
    """Install every patch the first time (thread-safe); return whether they are on."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = weasyprint.__version__.startswith("70.")
            if _installed:
                svg_text.svg_text_whole_runs_install()
                svg_memo.svg_parsing_memo_install()
                pdf_targets.target_counters_install()
                pdf_percentages.fast_percentages_install()
                pdf_lang.element_lang_install()
                pdf_compress.stream_compression_install()
                pdf_garbage.render_cycles_install()
        return _installed
