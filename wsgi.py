"""The WSGI entry point for production servers: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Configuration comes from ``CXGOV_*`` environment variables. The schema is not touched
here: run ``flask db upgrade`` as its own step before starting (or restarting) the servers.
"""
from cxgov import create_app

app = create_app()
