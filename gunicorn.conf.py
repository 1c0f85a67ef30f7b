"""gunicorn settings for cxgov: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden from the environment (``CXGOV_BIND``, ``CXGOV_WORKERS``,
``CXGOV_THREADS``, ``CXGOV_TIMEOUT``...) so one file serves every installation.

Why these values:
- gthread workers: a thread waiting on a slow request (a PDF, an import) leaves the worker's
  other threads to answer page requests meanwhile, and the other workers too.
- PDF helper processes (CXGOV_PDF_HELPER, on by default here): each worker lays out report
  PDFs in a helper process of its own at a lower CPU priority, so page requests get the CPU
  first while a PDF renders (see cxgov/reports/helper.py).
- timeout 60 s: long enough for the largest PDF, short enough that a stuck worker is
  replaced. A killed or recycled worker is replaced by the arbiter at once.
- max_requests + jitter: workers are recycled now and then (bounded memory growth from
  WeasyPrint/pandas) and never all at the same moment.
- preload_app True: the app is imported once, in the master, and every worker is forked
  from it, so a replaced worker (recycled, crashed or SIGKILLed) serves at once instead of
  spending a second of CPU on imports while the others are busy. create_app() opens no
  database connection, and post_fork() drops any a pool might hold, so no connection or
  SQLite handle is ever shared between processes. Code changes need a restart, not a HUP.
"""
from __future__ import annotations

import gc
import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


os.environ.setdefault("CXGOV_PDF_HELPER", "1")  # read by create_app()

bind = os.environ.get("CXGOV_BIND", "127.0.0.1:8000")
worker_class = "gthread"
#: The classic 2 x cores + 1, capped: more processes than that only add memory and DB connections.
workers = _env_int("CXGOV_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
threads = _env_int("CXGOV_THREADS", 4)
timeout = _env_int("CXGOV_TIMEOUT", 60)
graceful_timeout = _env_int("CXGOV_GRACEFUL_TIMEOUT", 30)
#: No keep-alive: a gthread worker keeps a kept-alive connection to itself, so its client then
#: waits behind that worker's busy threads while other workers idle (client-side page p95
#: 160 ms with keep-alive, 91 ms without, PostgreSQL load test). Without it each request goes to
#: whichever worker accepts it first. A reverse proxy in front keeps browsers' connections alive.
keepalive = _env_int("CXGOV_KEEPALIVE", 0)
max_requests = _env_int("CXGOV_MAX_REQUESTS", 2000)
max_requests_jitter = _env_int("CXGOV_MAX_REQUESTS_JITTER", 200)
preload_app = os.environ.get("CXGOV_PRELOAD", "1") not in ("0", "false", "no", "off")


def pre_fork(server, worker):
    """Move the master's objects out of the garbage collector's sight before each fork.

    Workers then never walk (nor copy, by touching their headers) the preloaded app's objects.
    """
    gc.freeze()


def post_fork(server, worker):
    """Give the new worker its own database connections (none are open yet; be sure)."""
    app = getattr(worker.app, "callable", None)
    if app is None:  # not preloaded: the worker builds its own app
        return
    from cxgov.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
def post_worker_init(worker):
    """Start the worker's PDF helper and warm it, so no one waits for a cold first PDF (~15 s)."""
    app = getattr(worker.app, "callable", None) or worker.wsgi
    from cxgov.reports.helper import helper_warm

    with app.app_context():
        helper_warm()


#: gunicorn >= 24 opens a control socket in ~/.gunicorn by default; several instances on one
#: host would share it, and cxgov does not need run-time control (use signals: HUP, TERM).
control_socket_disable = True
#: Refuse absurd request lines and headers early (uploads are limited by the app itself).
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("CXGOV_ACCESS_LOG", "-")
errorlog = os.environ.get("CXGOV_ERROR_LOG", "-")
loglevel = os.environ.get("CXGOV_LOG_LEVEL", "info")
#: Remote address, time, request line, status, bytes, duration in ms (%(M)s), user agent.
#: The stock logger with set-password tokens masked (they travel in the URL path).
logger_class = "cxgov.ops.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
#: Behind a reverse proxy on the same host, trust its X-Forwarded-* headers only.
forwarded_allow_ips = os.environ.get("CXGOV_FORWARDED_ALLOW_IPS", "127.0.0.1")
