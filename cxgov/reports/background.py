"""Lay out an issued version's PDF just after issuing, in the background, so nobody waits.

Issuing stores the version's text, numbers and Word file and commits; the PDF follows a
moment later from a worker thread of this process (which hands the layout to the low-priority
helper process when ``PDF_HELPER`` is on). Until it is stored the version's page says it is
being laid out and refreshes itself. If the process dies first, the next request for the
PDF lays it out (see routes.version_pdf), so a version never stays without its PDF.

``REPORT_RENDER_SYNC`` (tests) lays it out in the request instead, after the commit.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

from ..extensions import db
from .models import ReportVersion
from .versions import report_version_render

log = logging.getLogger(__name__)
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf")
        return _executor


def _render(app: Flask, version_id: int) -> None:

    with app.app_context():
        try:
            version = db.session.get(ReportVersion, version_id)
            if version is not None and version.pdf is None:
                report_version_render(version=version)
                db.session.commit()
        except Exception:  # logged; the download route lays it out on demand instead
            db.session.rollback()
            log.exception("report version %s: PDF layout failed", version_id)
        finally:
            db.session.remove()


def report_pdf_render_soon(version_id: int) -> None:
    """Lay out the version's PDF now, off the request (call after the version is committed)."""
    # current_app is typed as Flask but is a proxy; _get_current_object is Flask's way to the app.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REPORT_RENDER_SYNC"):  # in this request's own session
        version = db.session.get(ReportVersion, version_id)
        if version is not None:
            report_version_render(version=version)
            db.session.commit()
        return
    _pool().submit(_render, app, version_id)
