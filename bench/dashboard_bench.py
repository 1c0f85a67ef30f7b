"""Time the cycle dashboard on an organisation with 1,000 touchpoints and 20 cycles, and count
its SQL queries for 6 vs 12 respondents and 10 vs 20 cycles (the count must not grow).

Run: ``.venv/bin/python bench/dashboard_bench.py``. Requests go through Flask's test client
on a SQLite file, so the time is the server's time per request (no network). Both the open
cycle's dashboard (scored live, with the register's health checks) and a closed cycle's
dashboard (read from the stored result) are timed.
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from cxgov import create_app  # noqa: E402

REQUESTS = 30
GROUPS = ("leadership", "management", "front_line")


def build_org(*, slug: str, respondents: int, cycles: int, touchpoints: int, rng: random.Random):
    """Create an org with a register of ``touchpoints`` and ``cycles`` cycles; return (org, sponsor)."""
    from cxgov.auth.models import User
    from cxgov.cycles import services
    from cxgov.cycles.models import Answer, period_next
    from cxgov.extensions import db
    from cxgov.framework.catalog import framework_catalog
    from cxgov.orgs.models import Membership, Organisation, Role
    from cxgov.register.models import Channel, Journey, Person, Touchpoint

    org = Organisation(slug=slug, name=slug.title())
    db.session.add(org)
    db.session.flush()
    users = []
    for n in range(respondents + 1):
        user = User(email=f"{slug}{n}@bench.example", name=f"Person {n}")
        user.set_password("bench-password-1")
        db.session.add(user)
        users.append(user)
    db.session.flush()
    sponsor = users[0]
    db.session.add(Membership(user_id=sponsor.id, org_id=org.id, role=Role.SPONSOR))
    for user in users[1:]:
        db.session.add(Membership(user_id=user.id, org_id=org.id, role=Role.RESPONDENT))
    people = [Person(org_id=org.id, name=f"Owner {n}", email=f"owner{n}@{slug}.example") for n in range(60)]
    channels = [Channel(org_id=org.id, name=f"Channel {n}", kind="phone") for n in range(10)]
    journeys = [Journey(org_id=org.id, name=f"Journey {n}") for n in range(10)]
    db.session.add_all(people + channels + journeys)
    db.session.flush()
    for n in range(touchpoints):
        db.session.add(Touchpoint(org_id=org.id, journey_id=journeys[n % 10].id, channel_id=channels[(n // 10) % 10].id,
                                  name=f"Touchpoint {n}", stage="Use",
                                  owner_id=people[n % 60].id if n % 7 else None,
                                  last_reviewed=date(2026, 1, 1) - timedelta(days=n % 400)))
    db.session.flush()
    framework = framework_catalog().get("cx-governance")
    period = "2021-Q1"
    cycle = None
    for number in range(cycles):
        cycle = services.cycle_create(org=org, period=period, framework=framework)
        if number == 0:
            for k, user in enumerate(users[1:]):
                services.respondent_invite(cycle=cycle, org=org, user_id=user.id, group=GROUPS[k % 3])
        services.cycle_open(cycle=cycle)
        rows = [{"org_id": org.id, "cycle_id": cycle.id, "respondent_id": r.id, "practice_id": p.id,
                 "kind": "level", "level": rng.randint(1, 5), "note": "Evidence" if rng.random() < 0.1 else "",
                 "version_id": 1}
                for r in cycle.respondents for p in framework.practices]
        db.session.execute(insert(Answer), rows)
        if number < cycles - 1:
            services.cycle_close(cycle=cycle, org=org, by=None)
        period = period_next(period)
    db.session.commit()
    return org, sponsor, cycle


def count_queries(client, path: str) -> int:
    from cxgov.extensions import db

    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        with client.application.app_context():  # a fresh ``g`` per request, as in production
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(seen)


def timed(client, path: str) -> tuple[float, float]:
    for _ in range(3):
        client.get(path)  # warm caches (framework snapshot, templates)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def login(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def main() -> int:
    from cxgov.extensions import db

    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            big, sponsor, open_cycle = build_org(slug="big", respondents=12, cycles=20, touchpoints=1000, rng=rng)
            print(f"setup: 1,000 touchpoints, 20 cycles x 12 respondents x 42 practices "
                  f"in {time.perf_counter() - started:.1f} s")
            client = app.test_client()
            login(client, sponsor)
            closed_id = open_cycle.id - 1
            for label, path in (("open cycle (live score + register checks)", f"/o/big/cycles/{open_cycle.id}/"),
                                ("closed cycle (stored result)", f"/o/big/cycles/{closed_id}/"),
                                ("history (20 quarters)", "/o/big/cycles/history"),
                                ("cycle list (20 cycles)", "/o/big/cycles/")):
                median, p95 = timed(client, path)
                print(f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms over {REQUESTS} requests")

            counts = {}
            for respondents, cycles in ((6, 10), (12, 10), (6, 20), (12, 20)):
                slug = f"q{respondents}x{cycles}"
                org, user, cycle = build_org(slug=slug, respondents=respondents, cycles=cycles, touchpoints=100, rng=rng)
                c = app.test_client()
                login(c, user)
                counts[(respondents, cycles)] = (count_queries(c, f"/o/{slug}/cycles/{cycle.id}/"),
                                                 count_queries(c, f"/o/{slug}/cycles/{cycle.id - 1}/"))
            for (respondents, cycles), (live, stored) in counts.items():
                print(f"SQL queries, {respondents:>2} respondents, {cycles} cycles: open dashboard {live}, "
                      f"closed dashboard {stored}")
            grows = len({v for v in counts.values()}) != 1
            print("query count grows with respondents or cycles: " + ("YES (bad)" if grows else "no"))
            return 1 if grows else 0


if __name__ == "__main__":
    raise SystemExit(main())
