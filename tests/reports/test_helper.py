"""Report PDFs laid out in the low-priority helper process (gunicorn's setting)."""

from __future__ import annotations

import gc
import os
import signal
import time

import pytest

from cxgov.extensions import db
from cxgov.reports import helper
from tests.conftest import login_as
from tests.pdftext import pdftotext
from tests.reports.test_routes import setup  # noqa: F401 (the fixture)


@pytest.fixture
def helper_on(app):
    app.config["PDF_HELPER"] = True
    # Niced by one step, not production's ten: the test sees the helper run below its worker all the
    # same, and on a busy machine (the other test process, other jobs) a helper at ten gets so little
    # CPU that starting it and laying out one report took 287 s of wall time for 5.6 s of CPU.
    app.config["PDF_HELPER_NICE"] = 1
    yield
    app.config["PDF_HELPER"] = False
    if helper._pool is not None:
        helper._pool.shutdown(wait=True, cancel_futures=True)
        helper._pool = None


def _helper_pid() -> int:
    assert helper._pool is not None
    (pid,) = helper._pool._processes  # one helper per worker
    return pid


def test_pdf_is_laid_out_in_a_niced_helper_that_is_replaced_when_it_dies(client, setup, helper_on):
    org, _, cycle, _, consultant = setup
    login_as(client, consultant)
    url = f"/o/{org.slug}/reports/{cycle.id}/report.pdf"

    first = client.get(url)
    assert first.status_code == 200
    assert "Ålesund Kraft ÆØÅ" in pdftotext(first.data)
    pid = _helper_pid()
    assert pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)

    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and os.path.exists(f"/proc/{pid}")
        and "Z" not in open(f"/proc/{pid}/stat").read().split()[2]
    ):
        time.sleep(0.05)
    org.brand_firm_name = "Nordic Brand Partners"  # a change, so the PDF is rendered again
    db.session.commit()
    second = client.get(url)
    assert second.status_code == 200
    assert "Nordic Brand Partners" in pdftotext(second.data)
    assert _helper_pid() != pid


def test_a_starting_worker_starts_and_warms_its_helper(app, helper_on, monkeypatch):
    """gunicorn's post_worker_init starts the helper and lays out a small report there at once."""
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parents[2] / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    monkeypatch.setenv("CXGOV_PDF_HELPER", "0")  # the module sets a default for later apps; keep ours
    spec.loader.exec_module(conf)
    assert helper._pool is None
    conf.post_worker_init(SimpleNamespace(app=SimpleNamespace(callable=app), wsgi=None))
    pid = _helper_pid()  # started by the hook, before any request
    # The warm-up was the helper's first job: it has loaded fonts, stylesheets and layout code.
    assert helper._pool.submit(helper._warm, "#1f5f8b").result(timeout=120) > 1000
    assert _helper_pid() == pid
    # What the warm-up loaded is frozen: a full collection never walks it again.
    assert helper._pool.submit(gc.get_freeze_count).result(timeout=60) > 10_000


def test_without_the_helper_setting_warming_does_nothing(app):
    with app.app_context():
        helper.helper_warm()
    assert helper._pool is None
