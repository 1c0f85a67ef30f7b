"""Run a snippet in a child process with an address-space and time limit (parser bombs).

A bomb must fail fast and small inside the child; if it does not, the child dies on the limit
instead of taking the test machine down, and the test fails with what the child printed.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The child may use this much address space: the interpreter, Flask and PyYAML fit well inside.
MEMORY_LIMIT = 768 * 1024 * 1024
TIME_LIMIT_SECONDS = 60  # mostly the child importing Flask on a busy machine

_PRELUDE = f"""
import resource, sys, tracemalloc
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
sys.path.insert(0, {str(REPO)!r})
"""


def run_bounded(code: str) -> str:
    """Run ``code`` in a child under the memory and time limits; return its stdout."""
    try:
        done = subprocess.run([sys.executable, "-c", _PRELUDE + textwrap.dedent(code)],
                              capture_output=True, text=True, timeout=TIME_LIMIT_SECONDS, cwd=REPO)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the child ran longer than {TIME_LIMIT_SECONDS} s") from None
    assert done.returncode == 0, f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout
