"""Print what every test pays before its own work: CPU (and wall) milliseconds per test.

Run: ``.venv/bin/python bench/fixed_cost_bench.py``. Runs bench/fixed_cost_cases.py with the tests'
own fixtures (tests/conftest.py) in one process and prints, per kind of test, the median CPU
milliseconds of the whole test (setup, call, teardown, the collector after it) and of each phase,
leaving out each kind's first three rounds (imports, the framework catalogue, first compiles).
Then it times what SQLite waits for in a temporary folder on the disk and in /dev/shm: a
connection with the app's pragmas, five commits, the close (the last close checkpoints the
write-ahead log). CPU time is the figure to compare on a shared machine; wall time shows the load.
"""

from __future__ import annotations

import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_ROUNDS = 3
#: The temporary folder before tests/conftest.py moves it (to /dev/shm when it can).
DEFAULT_TEMPORARY_FOLDER = tempfile.gettempdir()


class PerTestTimes:
    """A pytest plugin that records each test's CPU and wall time, and its phases' CPU time."""

    def __init__(self) -> None:
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.phases: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    @staticmethod
    def kind(item: pytest.Item) -> str:
        return re.sub(r"\[.*", "", item.name)

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        cpu, wall = time.process_time(), time.perf_counter()
        yield
        self.cpu[self.kind(item)].append((time.process_time() - cpu) * 1000)
        self.wall[self.kind(item)].append((time.perf_counter() - wall) * 1000)

    def _phase(self, item: pytest.Item, phase: str):
        cpu = time.process_time()
        yield
        self.phases[self.kind(item)][phase].append((time.process_time() - cpu) * 1000)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        yield from self._phase(item, "setup")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        yield from self._phase(item, "call")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None):
        yield from self._phase(item, "teardown")


def median(values: list[float]) -> float:
    return statistics.median(values[SKIPPED_ROUNDS:] or values)


def sqlite_waits(folder: str, rounds: int = 30) -> tuple[float, float, float]:
    """Return median wall ms of five commits and of the close, and mean CPU ms per round, in ``folder``."""
    path = Path(tempfile.mkdtemp(dir=folder)) / "bench.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.commit()
    setup.close()
    commits, closes, cpu = [], [], []
    for round_ in range(rounds):
        started_cpu = time.process_time()
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=15000", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        for _ in range(5):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t VALUES (?)", (round_,))
            connection.execute("COMMIT")
        commits.append((time.perf_counter() - started) * 1000)
        connection.execute("DELETE FROM t")
        started = time.perf_counter()
        connection.close()
        closes.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    for file in path.parent.iterdir():
        file.unlink()
    path.parent.rmdir()
    return statistics.median(commits), statistics.median(closes), statistics.mean(cpu)


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    times = PerTestTimes()
    status = pytest.main(
        ["bench/fixed_cost_cases.py", "-p", "tests.conftest", "-p", "no:cacheprovider", "-q", "-o", "addopts="],
        plugins=[times],
    )
    if status != 0:
        return int(status)
    print(f"\nPer test, median of rounds {SKIPPED_ROUNDS + 1}-{len(next(iter(times.cpu.values())))} (ms):")
    for kind, cpu in times.cpu.items():
        phases = "  ".join(f"{phase} {median(values):5.1f}" for phase, values in times.phases[kind].items())
        print(f"  {kind:34s} CPU {median(cpu):6.1f}  ({phases})  wall {median(times.wall[kind]):7.1f}")
    print("\nSQLite, connect with the app's pragmas + 5 commits + close (ms):")
    for folder in (DEFAULT_TEMPORARY_FOLDER, "/dev/shm"):
        if os.access(folder, os.W_OK):
            commits, close, cpu = sqlite_waits(folder)
            print(f"  in {folder}: 5 commits {commits:6.2f} wall, close {close:6.2f} wall, CPU {cpu:5.2f} per round")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
