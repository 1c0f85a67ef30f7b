"""Time building the Flask app, as production and as the test suite build it (CPU, not wall).

Run: ``.venv/bin/python bench/app_build_bench.py [runs]``. Every test builds a fresh app, so the
app build is paid about 1,400 times per suite run. Printed, as median CPU milliseconds over
``runs`` builds (default 30) after one warm-up build:

- ``create_app``: the production factory on a temporary SQLite file, and each of its steps;
- ``make_test_app``: the tests' factory (tests/conftest.py, with its memoised URL builders,
  framework catalogue and template code);
- the test ``app`` fixture's whole cycle: build, app context, empty the tables, dispose;
- the first ``/api/v1/openapi.json`` of a fresh app (where writing the OpenAPI document is paid).

CPU time (``time.process_time``) is used because the machine is shared: wall time mostly shows
the other processes' load.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cxgov  # noqa: E402

import cxgov.api.spec  # noqa: E402

#: The factory's steps (it looks each up by name at call time), and the API's part of the blueprints.
STEPS = (
    (cxgov, "configure_defaults"),
    (cxgov, "register_extensions"),
    (cxgov, "register_blueprints"),
    (cxgov.api.spec, "init_api"),
    (cxgov, "register_request_hooks"),
    (cxgov, "register_errorhandlers"),
    (cxgov, "register_template_helpers"),
    (cxgov, "register_cli"),
)


def cpu_ms(action: Callable[[], Any], runs: int) -> float:
    """Return the median CPU milliseconds of ``action`` over ``runs`` calls after one warm-up."""
    action()
    spent = []
    for _ in range(runs):
        start = time.process_time()
        action()
        spent.append(time.process_time() - start)
    return statistics.median(spent) * 1000


def step_times(build: Callable[[], Any], runs: int) -> dict[str, float]:
    """Return each create_app step's median CPU milliseconds (the factory looks them up by name)."""
    spent: dict[str, list[float]] = {name: [] for _, name in STEPS}
    originals = {name: getattr(module, name) for module, name in STEPS}

    def timed(name: str) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return originals[name](*args, **kwargs)
            finally:
                spent[name].append(time.process_time() - start)

        return run

    for module, name in STEPS:
        setattr(module, name, timed(name))
    try:
        for _ in range(runs):
            build()
    finally:
        for module, name in STEPS:
            setattr(module, name, originals[name])
    return {name: statistics.median(values) * 1000 for name, values in spent.items()}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    folder = Path(tempfile.mkdtemp(prefix="cxgov-app-bench-"))
    production = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}", "SECRET_KEY": "bench"}

    def build_production() -> Any:
        return cxgov.create_app(dict(production))

    print(f"create_app (production factory): {cpu_ms(build_production, runs):.1f} ms CPU median of {runs}")
    for name, ms in step_times(build_production, runs).items():
        print(f"  {'  of which ' if name == 'init_api' else ''}{name:<26} {ms:6.1f} ms")

    def first_spec() -> None:
        app = build_production()
        start = time.process_time()
        response = app.test_client().get("/api/v1/openapi.json")
        first_spec.ms.append((time.process_time() - start) * 1000)  # type: ignore[attr-defined]
        assert response.status_code == 200, response.status_code

    first_spec.ms = []  # type: ignore[attr-defined]
    for _ in range(min(runs, 10) + 1):
        first_spec()
    print(f"first /api/v1/openapi.json of a fresh app: {statistics.median(first_spec.ms[1:]):.1f} ms CPU")  # type: ignore[attr-defined]

    # Imported only now: tests/conftest.py patches werkzeug and Jinja for every app built after
    # its import, which the production figures above must not include.
    from tests import conftest
    from cxgov.extensions import db

    print(f"make_test_app (tests/conftest.py):  {cpu_ms(conftest.make_test_app, runs):.1f} ms CPU median of {runs}")
    schema = conftest.make_test_app()
    with schema.app_context():
        db.create_all()

    def fixture_cycle() -> None:
        app = conftest.make_test_app()
        with app.app_context():
            db.session.remove()
            conftest._empty_all_tables()
            db.engine.dispose()

    print(f"app fixture (build, context, empty tables, dispose): {cpu_ms(fixture_cycle, runs):.1f} ms CPU")


if __name__ == "__main__":
    main()
