"""Time a 10,000-touchpoint register import (preview, then commit) and its export on SQLite.

Run: ``.venv/bin/python bench/register_bench.py`` (prints seconds per step). The targets from
the register issue are under 5 s for the import (preview + commit) and under 1 s for the export.
"""
from __future__ import annotations

import gc
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxgov import create_app  # noqa: E402

JOURNEYS, CHANNELS, TOUCHPOINTS_PER_CELL, PEOPLE = 25, 10, 40, 300
KINDS = ("phone", "web", "app", "store", "email", "chat", "social", "field", "complaints", "other")
STAGES = ("Discover", "Buy", "Start", "Use", "Pay", "Get help", "Change", "Leave")


def bench_tables(seed: int = 4) -> dict[str, list[list[object]]]:
    """Return a register of JOURNEYS x CHANNELS x TOUCHPOINTS_PER_CELL touchpoints as sheet rows."""
    rng = random.Random(seed)
    people = [[f"person{n}@bench.example", f"Pérson {n} Åström", rng.choice(["Manager", "Agent", "Lead"]),
               rng.choice(["Service", "Sales", "Digital"]), True] for n in range(PEOPLE)]
    emails = [p[0] for p in people]
    channels = [[f"Channel {c}", KINDS[c % len(KINDS)], rng.choice(emails), True] for c in range(CHANNELS)]
    journeys = [[f"Journey {j}", f"What customers do in journey {j}", rng.choice(emails), True]
                for j in range(JOURNEYS)]
    touchpoints = []
    for journey in journeys:
        for channel in channels:
            for n in range(TOUCHPOINTS_PER_CELL):
                touchpoints.append([
                    journey[0], channel[0], f"Touchpoint {n:03d}", rng.choice(STAGES), rng.choice(emails),
                    "Calm and in control", "NPS", "+40", rng.random() < 0.2,
                    date(2026, 1, 1) - timedelta(days=rng.randrange(400)), True])
    roles = [[emails[n], "ambassador", date(2025, 1, 1), None, ""] for n in range(CHANNELS)]
    mandates = [["Agents", f"Credit up to {n * 100} SEK", f"{n * 100} SEK", channels[n % CHANNELS][0], True]
                for n in range(1, 11)]
    return {"people": people, "channels": channels, "journeys": journeys, "touchpoints": touchpoints,
            "cx_roles": roles, "mandates": mandates}


def main() -> int:
    from cxgov.extensions import db
    from cxgov.orgs.models import Organisation
    from cxgov.register.transfer import services as transfer
    from cxgov.register.transfer.spreadsheet import write_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            org = Organisation(slug="bench", name="Bench")
            db.session.add(org)
            db.session.commit()
            data = write_xlsx(bench_tables())
            print(f"file: {len(data) / 1024:.0f} KB, {JOURNEYS * CHANNELS * TOUCHPOINTS_PER_CELL} touchpoints")

            def timed(step):
                wall, cpu = time.perf_counter(), time.process_time()
                result = step()
                return result, time.perf_counter() - wall, time.process_time() - cpu

            def preview_step():
                return transfer.import_plan(org=org, checked=transfer.import_read(data=data, filename="bench.xlsx"))

            def commit_step():
                # What the confirmation does: re-plan from the stored bytes, write, commit.
                plan = transfer.import_plan(org=org, checked=transfer.import_read(data=data, filename="bench.xlsx"))
                transfer.import_apply(org=org, plan=plan, by=None, filename="bench.xlsx")
                db.session.commit()
                return plan

            plan, preview_wall, preview_cpu = timed(preview_step)
            assert plan.ok, plan.errors[:5]
            assert plan.added == PEOPLE + CHANNELS + JOURNEYS + JOURNEYS * CHANNELS * TOUCHPOINTS_PER_CELL + 20
            _plan, commit_wall, commit_cpu = timed(commit_step)
            # The export is a request of its own: the import's two plans are gone by then, and the
            # full garbage collection the import's surviving objects make due is paid before it,
            # and shown on its own line. Left due, it fell inside the export (+0.15 s CPU) since
            # the import's allocations changed, and the export figure measured the import's debt.
            del plan, _plan
            _, gc_wall, gc_cpu = timed(gc.collect)
            db.session.expire_all()
            exported, export_wall, export_cpu = timed(lambda: transfer.register_export_xlsx(org=org))
            db.session.commit()
            transfer._CHECKED_CACHE.clear()
            _plan, cold_wall, cold_cpu = timed(preview_step)  # re-import of the same register, nothing cached

    load = os.getloadavg()[0]
    print(f"(wall-clock and CPU seconds; load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"import preview (read + check + plan):                 {preview_wall:5.2f} s wall  {preview_cpu:5.2f} s CPU")
    print(f"import commit (re-plan stored file + write + commit): {commit_wall:5.2f} s wall  {commit_cpu:5.2f} s CPU")
    print(f"import total (target < 5 s):                          {preview_wall + commit_wall:5.2f} s wall  "
          f"{preview_cpu + commit_cpu:5.2f} s CPU")
    print(f"full garbage collection after the import:            {gc_wall:5.2f} s wall  {gc_cpu:5.2f} s CPU")
    print(f"export xlsx (target < 1 s):                           {export_wall:5.2f} s wall  {export_cpu:5.2f} s CPU"
          f"  ({len(exported) / 1024:.0f} KB)")
    print(f"preview of re-importing it (10,000 unchanged rows):   {cold_wall:5.2f} s wall  {cold_cpu:5.2f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
