"""The production entry points: gunicorn.conf.py and wsgi.py."""
from __future__ import annotations

import importlib.util
import os
import runpy
from pathlib import Path

from tests.conftest import database_url_for_tests

REPO = Path(__file__).resolve().parents[2]


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    # The config file sets defaults in os.environ (CXGOV_PDF_HELPER): keep them out of the
    # apps the rest of the test session creates.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for key in ("CXGOV_BIND", "CXGOV_WORKERS", "CXGOV_THREADS", "CXGOV_TIMEOUT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(REPO / "gunicorn.conf.py"))


def test_gunicorn_config_serves_slow_pdfs_without_starving_pages(monkeypatch):
    conf = _gunicorn_settings(monkeypatch)
    assert conf["worker_class"] == "gthread" and conf["threads"] >= 2
    assert conf["timeout"] >= 60 and conf["graceful_timeout"] > 0
    assert 3 <= conf["workers"] <= 9
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["preload_app"] is True and callable(conf["post_fork"])  # see the next test
    assert conf["keepalive"] == 0  # a request is never pinned to a busy worker
    assert os.environ.get("CXGOV_PDF_HELPER") == "1"  # PDFs in a niced helper process
    assert conf["bind"] == "127.0.0.1:8000"
    assert "%(M)s" in conf["access_log_format"]  # request time in the access log
    module, _, name = conf["logger_class"].rpartition(".")
    assert getattr(importlib.import_module(module), name)


def test_creating_the_app_opens_no_database_connection(monkeypatch, _schema):
    """What makes preload_app safe: the master has no connection that forked workers could share."""
    monkeypatch.setenv("CXGOV_DATABASE_URL", database_url_for_tests())
    monkeypatch.setenv("CXGOV_SECRET_KEY", "preload")
    app = runpy.run_path(str(REPO / "wsgi.py"))["app"]
    from cxgov.extensions import db

    with app.app_context():
        pool = db.engine.pool
        assert pool.checkedin() == 0 and pool.checkedout() == 0


def test_gunicorn_config_reads_the_environment(monkeypatch):
    conf = _gunicorn_settings(monkeypatch, CXGOV_BIND="0.0.0.0:9000", CXGOV_WORKERS="3", CXGOV_TIMEOUT="90")
    assert (conf["bind"], conf["workers"], conf["timeout"]) == ("0.0.0.0:9000", 3, 90)


def test_wsgi_exposes_the_app_configured_from_the_environment(monkeypatch, _schema):
    monkeypatch.setenv("CXGOV_DATABASE_URL", database_url_for_tests())
    monkeypatch.setenv("CXGOV_SECRET_KEY", "from-the-environment")
    namespace = runpy.run_path(str(REPO / "wsgi.py"))
    app = namespace["app"]
    assert app.config["SECRET_KEY"] == "from-the-environment"
    response = app.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}
    with app.app_context():
        from cxgov.extensions import db

        db.engine.dispose()
