"""Time the consultant's portfolio page for 20 clients and count its SQL queries (5 vs 20 clients).

Run: ``.venv/bin/python bench/portfolio_bench.py``. Each client has a register of 60
touchpoints, 4 closed quarters and an open one with 10 respondents, and 8 actions. Requests
go through Flask's test client on a SQLite file: the figure is the server's time per request.
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from cxgov import create_app  # noqa: E402

REQUESTS = 30
PERIODS = ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")


def build_client(n: int, consultant, rng: random.Random) -> None:
    """Create one client organisation with register, cycles, respondents and actions."""
    from cxgov.actions.models import Action
    from cxgov.auth.models import User
    from cxgov.cycles.models import Cycle, Respondent
    from cxgov.extensions import db
    from cxgov.orgs.models import Membership, Organisation, Role
    from cxgov.register.models import Channel, Journey, Person, Touchpoint

    org = Organisation(slug=f"client-{n}", name=f"Client {n}", industry=rng.choice(["Energy", "Bank", "Retail"]),
                       service_promise="We answer within a day." if n % 2 else "")
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=consultant.id, org_id=org.id, role=Role.CONSULTANT))
    people = [Person(org_id=org.id, name=f"P{n}-{i}", active=i != 3) for i in range(12)]
    channels = [Channel(org_id=org.id, name=f"C{i}", kind="complaints" if i == 0 else "phone") for i in range(6)]
    journeys = [Journey(org_id=org.id, name=f"J{i}") for i in range(5)]
    db.session.add_all(people + channels + journeys)
    db.session.flush()
    for i in range(60):
        db.session.add(Touchpoint(org_id=org.id, journey_id=journeys[i % 5].id, channel_id=channels[i % 6].id,
                                  name=f"T{i}", owner_id=rng.choice(people).id if rng.random() > .1 else None,
                                  last_reviewed=date.today() - timedelta(days=rng.randint(0, 400))))
    index = rng.uniform(30, 60)
    for period in PERIODS:
        index += rng.uniform(-3, 6)
        db.session.add(Cycle(org_id=org.id, period=period, framework_key="cx-governance", framework_version="1.0",
                             framework_snapshot={}, framework_hash="h", status="closed",
                             results={"index": index, "stage_key": "defined", "change": 2.0}))
    open_cycle = Cycle(org_id=org.id, period="2026-Q3", framework_key="cx-governance", framework_version="1.0",
                       framework_snapshot={}, framework_hash="h", status="open",
                       due_date=date.today() + timedelta(days=rng.randint(-5, 20)))
    db.session.add(open_cycle)
    db.session.flush()
    for i in range(10):
        user = User(email=f"r{n}-{i}@bench.example", name=f"R {i}")
        user.set_password("bench-password-1")
        db.session.add(user)
        db.session.flush()
        db.session.add(Respondent(org_id=org.id, cycle_id=open_cycle.id, user_id=user.id, group="leadership",
                                  submitted_at=datetime.now(timezone.utc) if i < 6 else None))
    for i in range(8):
        db.session.add(Action(org_id=org.id, title=f"A{i}", status=rng.choice(["planned", "in_progress", "done"]),
                              due_date=date.today() + timedelta(days=rng.randint(-30, 60))))


def main() -> int:
    from cxgov.auth.models import User
    from cxgov.extensions import db

    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.create_all()
            consultant = User(email="consultant@bench.example", name="Consultant", is_consultant=True)
            consultant.set_password("bench-password-1")
            db.session.add(consultant)
            db.session.flush()
            counts = {}
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = consultant.get_id()
                session["_fresh"] = True
            for target in (5, 20):
                while db.session.query(User).filter(User.email.like("r%-0@bench.example")).count() < target:
                    build_client(db.session.query(User).filter(User.email.like("r%-0@bench.example")).count(),
                                 consultant, rng)
                    db.session.commit()
                statements: list[str] = []

                def record(conn, cursor, statement, *args):
                    if statement.split(" ", 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
                        statements.append(statement)

                client.get("/portfolio")  # warm
                db.session.expire_all()
                event.listen(db.engine, "before_cursor_execute", record)
                assert client.get("/portfolio").status_code == 200
                event.remove(db.engine, "before_cursor_execute", record)
                counts[target] = len(statements)
            print(f"portfolio SQL queries: {counts[5]} for 5 clients, {counts[20]} for 20 clients")
            times = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                response = client.get("/portfolio")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            times.sort()
            print(f"portfolio page, 20 clients x 60 touchpoints: median {statistics.median(times):.1f} ms, "
                  f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms ({REQUESTS} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
