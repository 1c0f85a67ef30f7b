"""Time the organisation overview (the start page, ``/o/<org>/``) with 1,000 and 10,000 touchpoints.

Run: ``.venv/bin/python bench/overview_bench.py``. Requests go through Flask's test client on a
SQLite file, so the figures are the server's time per request (no network). Two cases per size:

- *unchanged register*: the page asked again while nobody edits the register (the common case);
- *register just edited*: one touchpoint renamed and committed before every request, so anything
  kept from the previous request about the register is stale and must be read again.

The page's SQL statement count is printed too.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_bench import build_org, count_queries, login  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from cxgov import create_app  # noqa: E402

REQUESTS = 20
SIZES = (1_000, 10_000)


def timed(client, path: str, before_each=None) -> tuple[float, float, float]:
    """Return the median wall ms, p95 wall ms and median CPU ms of ``REQUESTS`` requests."""
    for _ in range(3):
        client.get(path)  # warm caches (framework snapshot, templates)
    walls, cpus = [], []
    for _ in range(REQUESTS):
        if before_each is not None:
            before_each()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200
    walls.sort()
    return statistics.median(walls), walls[int(len(walls) * 0.95) - 1], statistics.median(cpus)


def main() -> int:
    from cxgov.extensions import db
    from cxgov.register.models import Touchpoint

    rng = random.Random(7)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.create_all()
            for size in SIZES:
                slug = f"o{size}"
                _org, sponsor, _cycle = build_org(slug=slug, respondents=6, cycles=4, touchpoints=size, rng=rng)
                client = app.test_client()
                login(client, sponsor)
                path = f"/o/{slug}/"
                first_id = db.session.scalar(select(Touchpoint.id).where(Touchpoint.name == "Touchpoint 0")
                                             .where(Touchpoint.org_id == _org.id))
                renames = iter(range(1_000_000))

                def edit_register(first_id=first_id, renames=renames) -> None:
                    db.session.execute(update(Touchpoint).where(Touchpoint.id == first_id)
                                       .values(name=f"Touchpoint 0 ({next(renames)})",
                                               version_id=Touchpoint.version_id + 1))
                    db.session.commit()

                unchanged = timed(client, path)
                edited = timed(client, path, edit_register)
                queries = count_queries(client, path)
                rows.append((size, unchanged, edited, queries))

    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; median of {REQUESTS} requests)")
    for size, unchanged, edited, queries in rows:
        print(f"overview, {size:>6,} touchpoints, unchanged register: median {unchanged[0]:6.1f} ms wall "
              f"(p95 {unchanged[1]:6.1f}), {unchanged[2]:6.1f} ms CPU; {queries} SQL statements")
        print(f"overview, {size:>6,} touchpoints, register just edited: median {edited[0]:6.1f} ms wall "
              f"(p95 {edited[1]:6.1f}), {edited[2]:6.1f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
