"""Time a failed login for an unknown address against a wrong password for a real account.

Run: ``.venv/bin/python bench/login_timing.py``. Uses the production password hash (Werkzeug's
scrypt) through Flask's test client on a SQLite file, so the figures are server time per
request. Before issue 12 the unknown address answered in ~7 ms and the wrong password in
~104 ms (the hash ran only for real accounts), which told anyone whether an address had an
account; the two medians should now be within a few milliseconds of each other.
"""
from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxgov import create_app

ROUNDS = 15


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "LOGIN_MAX_FAILURES": 10_000})
        logging.getLogger("cxgov.security").disabled = True  # a line per attempt would drown the figures
        with app.app_context():
            from cxgov.auth.services import user_create
            from cxgov.extensions import db

            db.create_all()
            user_create(email="real@bench.example", name="Real", password="the right password")
            db.session.commit()
        client = app.test_client()
        cases = {"wrong password, real account": "real@bench.example",
                 "unknown address": "nobody@bench.example"}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for n in range(ROUNDS + 1):
            for name, email in cases.items():
                start = time.perf_counter()
                response = client.post("/login", data={"email": email, "password": "a wrong password"},
                                       environ_base={"REMOTE_ADDR": f"192.0.2.{n % 200}"})
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.status_code
                if n:  # the first round warms up (and makes the stand-in hash once)
                    times[name].append(elapsed)
        for name, values in times.items():
            print(f"{name:32s} median {statistics.median(values):6.1f} ms  "
                  f"(min {min(values):.1f}, max {max(values):.1f}, n={len(values)})")
        gap = statistics.median(times["wrong password, real account"]) - statistics.median(times["unknown address"])
        print(f"{'difference of the medians':32s} {gap:+6.1f} ms")


if __name__ == "__main__":
    main()
