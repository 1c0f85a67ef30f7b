"""The per-host limit on heavy work: PDFs queue for a slot instead of taking every core."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from cxgov.ops.limits import heavy_slot, heavy_slots

REPO = Path(__file__).resolve().parents[2]


def test_default_slots_leave_a_core_for_pages(monkeypatch):
    monkeypatch.delenv("CXGOV_HEAVY_SLOTS", raising=False)
    assert heavy_slots() == max(1, (os.cpu_count() or 2) - 1)
    monkeypatch.setenv("CXGOV_HEAVY_SLOTS", "3")
    assert heavy_slots() == 3


def test_a_second_job_waits_for_the_slot(monkeypatch):
    monkeypatch.setenv("CXGOV_HEAVY_SLOTS", "1")
    held = threading.Event()
    release = threading.Event()

    def first() -> None:
        with heavy_slot() as got:
            assert got
            held.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    started = time.monotonic()
    with heavy_slot(wait_seconds=0.3) as got:
        assert not got  # timed out: the caller renders anyway rather than failing
    assert time.monotonic() - started >= 0.3
    release.set()
    thread.join()
    with heavy_slot(wait_seconds=1) as got:
        assert got


def test_a_killed_worker_gives_its_slot_back(monkeypatch):
    monkeypatch.setenv("CXGOV_HEAVY_SLOTS", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nsys.path.insert(0, sys.argv[1])\n"
         "from cxgov.ops.limits import heavy_slot\n"
         "with heavy_slot():\n    print('held', flush=True)\n    time.sleep(60)\n", str(REPO)],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ, CXGOV_HEAVY_SLOTS="1"))
    assert holder.stdout.readline().strip() == "held"
    with heavy_slot(wait_seconds=0.2) as got:
        assert not got
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with heavy_slot(wait_seconds=2) as got:
        assert got


def test_report_pdfs_render_inside_a_slot(app, make_org, monkeypatch):
    from contextlib import contextmanager

    from cxgov.reports import services
    from tests.cycles.helpers import make_cycle

    inside = []
    events = []

    @contextmanager
    def recording_slot(**_kw):
        inside.append(True)
        events.append("slot")
        yield True
        inside.pop()

    def fake_render(context):
        events.append("render inside" if inside else "render outside")
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(services, "heavy_slot", recording_slot)
    monkeypatch.setattr(services, "render_report_pdf", fake_render)
    org = make_org()
    cycle = make_cycle(org, "2026-Q2", status="closed")
    outcome = services.report_pdf_get(org=org, cycle=cycle)
    assert outcome.pdf == b"%PDF-1.7 fake"
    assert events == ["slot", "render inside"]
