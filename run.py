"""Start cxgov on the embedded SQLite database, with a demo workspace on first start.

    python run.py [--host 127.0.0.1] [--port 5000] [--no-demo]

Applies the migrations first (the app never creates tables behind Alembic's back).
"""
from __future__ import annotations

import argparse

from flask_migrate import upgrade

from cxgov import create_app
from cxgov.demo import database_is_empty, demo_banner, demo_create, demo_exists
from cxgov.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description="Run cxgov locally.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--no-demo", action="store_true", help="do not create the demo workspace")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        upgrade()
        if not args.no_demo and database_is_empty():
            print("Creating the demo workspace (first start)...", flush=True)
            demo_create()
            db.session.commit()
        has_demo = demo_exists()
    base_url = f"http://{args.host}:{args.port}"
    if has_demo:
        print(demo_banner(base_url), flush=True)
    else:
        print(f"cxgov is running at {base_url}", flush=True)
    app.run(host=args.host, port=args.port, debug=False, threaded=True)


if __name__ == "__main__":
    main()
