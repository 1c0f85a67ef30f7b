"""cxgov: CX governance register, maturity self-assessments and gap reports."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from .config import config_from_env

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app; tests and scripts pass config overrides as a dict."""
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update({k: v for k, v in config_from_env().items() if v is not None})
    app.config.update(overrides or {})
    configure_defaults(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def configure_defaults(app: Flask) -> None:
    """Fill in what the environment left open: the SQLite file and a secret key."""
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "cxgov.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    if not app.config.get("SECRET_KEY"):
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            # Several app servers share one PostgreSQL: a key made per server would make each
            # one reject the others' session cookies. The key must come from the environment.
            raise RuntimeError(
                "Set CXGOV_SECRET_KEY (the same on every app server) when the database is not the local SQLite file."
            )
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if not app.config.get("ASSESSMENTS_DIR"):
        app.config["ASSESSMENTS_DIR"] = str(REPO_ROOT / "assessments")
    app.config.setdefault("SQLITE_BUSY_TIMEOUT_MS", 15000)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(REPO_ROOT / "translations"))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def _instance_secret_key(instance: Path) -> str:
    """Return a per-installation secret kept in the instance folder (created once)."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def register_extensions(app: Flask) -> None:
    """Bind database, migrations, login, CSRF and translations to the app."""
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the package).
    from . import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from .db import configure_sqlite
    from .extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the package).
    from .auth.routes import load_user_from_session

    login_manager.user_loader(load_user_from_session)
    from .i18n import forget_request_locale, select_locale  # in the factory, like every extension

    babel.init_app(app, locale_selector=select_locale)
    app.before_request(forget_request_locale)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(
                db.engine,
                app.config["SQLITE_BUSY_TIMEOUT_MS"],
                app.config.get("SQLITE_IMMEDIATE_OUTSIDE_REQUESTS", True),
            )


def register_blueprints(app: Flask) -> None:
    """Attach every feature's blueprint; org-scoped ones must declare roles per view."""
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the
    # package); like BLUEPRINTS(), the API's views and schemas load with the app, not with cxgov.
    from .api.spec import init_api
    from .blueprints import BLUEPRINTS
    from .health import init_health
    from .tenancy import check_org_views_declare_roles

    for blueprint in BLUEPRINTS():
        app.register_blueprint(blueprint)
    init_health(app)
    init_api(app)
    check_org_views_declare_roles(app)


def register_request_hooks(app: Flask) -> None:
    """Security headers on every response; login required everywhere but the public pages."""
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the package).
    from .security import init_security

    init_security(app)


def register_errorhandlers(app: Flask) -> None:
    """Friendly pages for 400/403/404/413/500; a 500 rolls back the request's work."""
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the package).
    from .errors import init_errors

    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    """Globals and filters the templates share."""
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the package).
    from .templating import init_templating

    init_templating(app)


def register_cli(app: Flask) -> None:
    """One ``flask`` command group per noun."""
    # Loaded when an app is built, not by `import cxgov` (pure modules and workers import the package).
    from .cli import COMMANDS

    for command in COMMANDS():
        app.cli.add_command(command)
