"""Time the pure scoring of one cycle: 45 practices x 12 respondents, with 8 cycles of history.

Run: ``.venv/bin/python bench/scoring_bench.py``. The history is scored first (each cycle
against the previous one's result, as closing does), then the current cycle is scored many
times; the figure printed is the median and p95 in milliseconds, plus the JSON round trip a
closed cycle goes through (``to_dict`` -> JSON -> ``from_dict``).
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxgov.framework.model import Framework  # noqa: E402
from cxgov.scoring.engine import Answer, CycleResult, score_cycle  # noqa: E402

PRACTICES, RESPONDENTS, HISTORY, RUNS = 45, 12, 8, 200
GROUPS = ("leadership", "management", "front_line")


def bench_framework() -> Framework:
    """Return a framework of six dimensions and 45 practices, built from a snapshot."""
    texts = [f"Level {n} descriptor" for n in range(1, 6)]
    dims = []
    for d in range(6):
        code = "ABCDEF"[d]
        count = 8 if d < 3 else 7
        dims.append({"key": f"dim{d}", "code": code, "title": f"Dimension {code}", "description": "…",
                     "practices": [{"id": f"{code}{i + 1}", "title": f"Practice {code}{i + 1}",
                                    "good_looks_like": "…", "sources": ["000"], "merges": [],
                                    "levels": texts, "next_steps": texts[:4], "evidence_prompts": ["?"],
                                    "weight": 1.5 if i % 3 == 0 else 1.0, "default_target": 3 + (i % 2),
                                    "register_checks": ["sponsor"] if i == 0 else [], "owner_hint": None}
                                   for i in range(count)]})
    snapshot = {"key": "bench", "version": "1.0", "title": "Bench", "description": "…",
                "level_names": ["Initial", "Emerging", "Defined", "Managed", "Leading"],
                "scoring": {"aggregation": "median", "na_policy": "exclude", "disagreement_spread": 1.0,
                            "low_sample": 3, "perception_gap": 1.0},
                "stages": [{"key": "s0", "name": "Start", "min_index": 0.0},
                           {"key": "s1", "name": "Middle", "min_index": 50.0}],
                "dimensions": dims}
    return Framework.from_snapshot(snapshot)


def answers(framework: Framework, rng: random.Random) -> list[Answer]:
    out = []
    for r in range(RESPONDENTS):
        group = GROUPS[r % 3]
        for p in framework.practices:
            roll = rng.random()
            kind = "na" if roll < 0.03 else "dont_know" if roll < 0.06 else "level"
            out.append(Answer(r, group, p.id, rng.randint(1, 5) if kind == "level" else None, kind))
    return out


def main() -> int:
    framework = bench_framework()
    assert len(framework.practices) == PRACTICES
    rng = random.Random(5)
    previous = None
    for _ in range(HISTORY):
        previous = score_cycle(framework=framework, answers=answers(framework, rng), previous=previous,
                               failing_checks={"sponsor"})
        previous = CycleResult.from_dict(json.loads(json.dumps(previous.to_dict())))
    current = answers(framework, rng)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = score_cycle(framework=framework, answers=current, previous=previous, failing_checks={"sponsor"})
        times.append((time.perf_counter() - started) * 1000)
    round_trip = []
    for _ in range(RUNS):
        started = time.perf_counter()
        CycleResult.from_dict(json.loads(json.dumps(result.to_dict())))
        round_trip.append((time.perf_counter() - started) * 1000)
    times.sort()
    round_trip.sort()
    print(f"scoring {PRACTICES} practices x {RESPONDENTS} respondents ({len(current)} answers), "
          f"{HISTORY} cycles of history, {RUNS} runs")
    print(f"score_cycle: median {statistics.median(times):.2f} ms, p95 {times[int(RUNS * 0.95) - 1]:.2f} ms")
    print(f"stored-result JSON round trip: median {statistics.median(round_trip):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
