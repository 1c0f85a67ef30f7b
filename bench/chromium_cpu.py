"""Count the CPU seconds Chromium spends under a pytest run (``/usr/bin/time`` cannot see them).

    PYTHONPATH=bench /usr/bin/time -v .venv/bin/python -m pytest tests/e2e -p chromium_cpu -q

Playwright's Chromium processes are never reaped up to the test process, so ``/usr/bin/time``
and ``getrusage`` leave out their CPU (axe-core, layout, rendering): for ``tests/e2e`` that was
190 s on top of the 103 s they showed (docs/development-speed.md). This plugin samples ``/proc``
every 0.2 s, keeps the last user + system time of every Chromium process under the test run
(xdist workers included) and prints the sum when the run ends. A process that lives less than
0.2 s may be missed: the figure is a floor.
"""

from __future__ import annotations

import os
import re
import threading
import time

_TICK = os.sysconf("SC_CLK_TCK")
_seen: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds last seen
_kind: dict[tuple[int, int], str] = {}  # (pid, start time) -> renderer, gpu-process, utility, browser ...
_stop = threading.Event()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


def _sample(root: int) -> None:
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if "chrom" not in comm.lower():
            continue
        fields = stat.rsplit(")", 1)[1].split()
        key = (pid, int(fields[19]))
        _seen[key] = (int(fields[11]) + int(fields[12])) / _TICK
        if key not in _kind:
            _kind[key] = _process_kind(pid)


def _process_kind(pid: int) -> str:
    """Return Chromium's name for the process's job (``--type=``; the browser process has none)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read()
    except OSError:
        return "?"
    # Chromium's child processes rewrite their command line into one space-separated string.
    found = re.search(rb"--type=([\w-]+)", command)
    return found.group(1).decode() if found else "browser"


def _loop(root: int) -> None:
    while not _stop.is_set():
        _sample(root)
        time.sleep(0.2)


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    threading.Thread(target=_loop, args=(os.getpid(),), daemon=True).start()


def pytest_unconfigure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    _stop.set()
    kinds: dict[str, list[float]] = {}
    for key, seconds in _seen.items():
        kinds.setdefault(_kind.get(key, "?"), []).append(seconds)
    shares = ", ".join(f"{kind} {sum(times):.1f} s ({len(times)})" for kind, times in
                       sorted(kinds.items(), key=lambda item: -sum(item[1])))
    print(f"\nChromium CPU (sampled): {sum(_seen.values()):.1f} s over {len(_seen)} processes: {shares}")
