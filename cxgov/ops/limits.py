"""A per-host limit on CPU-heavy work (report PDFs), shared by every gunicorn worker.

A report PDF takes seconds of CPU. Two rendering at once on a 2-core machine take both cores,
and every page request waits behind them. Heavy work therefore takes one of N slots first
(N = ``CXGOV_HEAVY_SLOTS``, default one less than the cores, at least 1). The slots are lock
files held with ``flock``: shared by all worker processes on the host, released by the kernel
when a worker dies (even by SIGKILL), and a request waiting for one sleeps without holding the
GIL, so its worker's other threads keep serving pages. The files hold no data.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import IO, Iterator

from ..config import setting

#: How long a request waits for a slot before it renders anyway (below gunicorn's 60 s timeout).
WAIT_SECONDS = 40.0


def heavy_slots() -> int:
    """Return how many heavy jobs may run at once on this host."""
    configured = (setting("HEAVY_SLOTS") or "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, (os.cpu_count() or 2) - 1)


def _slot_dir() -> Path:
    directory = Path(tempfile.gettempdir()) / f"cxgov-heavy-{os.getuid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory


@contextlib.contextmanager
def heavy_slot(*, wait_seconds: float = WAIT_SECONDS) -> Iterator[bool]:
    """Hold one heavy-work slot while the block runs; yield False if none came in time."""
    slots = heavy_slots()
    directory = _slot_dir()
    deadline = time.monotonic() + wait_seconds
    held: IO[str] | None = None
    while held is None:
        for index in range(slots):
            handle = open(directory / f"slot-{index}.lock", "a+")  # noqa: SIM115 (kept open while held)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            held = handle
            break
        if held is None:
            if time.monotonic() >= deadline:
                break  # better a slow page than a failed download
            time.sleep(0.05)
    try:
        yield held is not None
    finally:
        if held is not None:
            fcntl.flock(held, fcntl.LOCK_UN)
            held.close()
