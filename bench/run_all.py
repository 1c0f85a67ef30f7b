"""Run every figure-printing benchmark in turn (the load test has its own command).

    .venv/bin/python bench/run_all.py

Each script prints its own figures; this only runs them in one go so a session's note
can quote them all from one run.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ["scoring_bench.py", "dashboard_bench.py", "overview_bench.py", "register_bench.py", "report_bench.py",
           "login_timing.py", "portfolio_bench.py"]


def main() -> int:
    failed = []
    for script in SCRIPTS:
        print(f"\n=== {script}", flush=True)
        if subprocess.call([sys.executable, str(BENCH / script)], cwd=BENCH.parent) != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
