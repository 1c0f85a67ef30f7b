"""Report PDFs laid out in a low-priority helper process, so that pages keep the CPU.

A PDF takes most of a second of CPU; a page takes tens of milliseconds. On a small server a
render in a web worker competes with page requests as an equal, and pages wait. With
``CXGOV_PDF_HELPER`` on (gunicorn.conf.py turns it on), each web worker hands its renders to
one helper process of its own, started on the worker's first PDF and running at a lower CPU
priority (``CXGOV_PDF_HELPER_NICE``, default 10): the kernel then gives page requests the CPU
first, and renders use what is left. The helper gets the final HTML and returns the PDF; it
has no database access and keeps nothing. It dies with its worker (even a SIGKILLed one).

Without the setting (tests, the CLI, ``run.py``) PDFs are laid out in the calling thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from flask import current_app

from cxgov.charts import DEFAULT_ACCENT

from .context import ReportContext
from .render import render_document, render_pdf_html, report_html_class

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_pid = 0


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the worker that started it dies."""
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _helper_start(nice: int) -> None:
    _die_with_parent()
    with contextlib.suppress(OSError):
        os.nice(nice)
    report_html_class()  # import WeasyPrint now, not during the first request
    _freeze_survivors()


def _freeze_survivors() -> None:
    """Move everything alive now (imports, fonts, stylesheets) out of the collector's sight.

    The helper keeps nothing between renders, and a render leaves no cyclic garbage
    (pdf_garbage), so a full collection would only walk these ~80,000 long-lived objects again:
    ~40 ms of CPU each time one falls due. gunicorn.conf.py does the same for the workers.
    """
    gc.collect()
    gc.freeze()


def _helper() -> ProcessPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            # spawn: a web worker runs threads, and forking a threaded process is unsafe.
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_helper_start,
                initargs=(current_app.config["PDF_HELPER_NICE"],),
            )
            _pool_pid = os.getpid()
        return _pool


_WARM_DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"/><title>warm</title></head>'
    '<body class="rp rp-pdf"><section class="rp-section"><h2>Warm</h2><p>1.0</p></section></body></html>'
)


def _warm(accent: str) -> int:
    """Lay out a one-line report in the helper: fonts, stylesheets and layout code get loaded."""
    size = len(render_document(_WARM_DOCUMENT, accent)[0])
    _freeze_survivors()  # what the first layout loaded stays for the helper's life
    return size


def helper_warm() -> None:
    """Start this worker's PDF helper and warm it now, so the first real PDF starts hot.

    gunicorn.conf.py calls this when a worker starts; without ``PDF_HELPER`` it does nothing.
    The warm-up runs in the helper process while the worker already serves pages.
    """
    if not current_app.config.get("PDF_HELPER"):
        return

    _helper().submit(_warm, DEFAULT_ACCENT)


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def render_report_pdf(context: ReportContext) -> bytes:
    """Return the report's PDF, laid out in the helper process when that is configured."""
    html = render_pdf_html(context)
    if not current_app.config.get("PDF_HELPER"):
        return render_document(html, context.cover.accent)[0]
    pool = _helper()
    try:
        return pool.submit(render_document, html, context.cover.accent).result()[0]
    except BrokenProcessPool:
        _discard(pool)  # the helper died (killed, out of memory): start another, try once more
    return _helper().submit(render_document, html, context.cover.accent).result()[0]
