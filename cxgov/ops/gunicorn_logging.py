"""Access logs without secrets: set-password and personal answer-link tokens are masked.

A set-password link and a respondent's personal answer link carry a token in their path;
gunicorn (and the development server that ``run.py`` starts) would otherwise write it to the
access log (request line and referer), where anyone reading logs could use it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

#: Paths whose last segment is a secret (the answer pages' own fixed names are not).
SECRET_PATH = re.compile(r"(/set-password/|/answer/(?!(?:save|submit|done)\b))[^/?#\s\"]+")


def redact(text: str) -> str:
    """Return ``text`` with every token in a secret path replaced by ``[redacted]``."""
    return SECRET_PATH.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """A logging filter for werkzeug's development-server log: the same masking."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingLogger(Logger):
    """The stock gunicorn logger, with secrets masked in every value it can print."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # every string atom: the request line, path, referer, and the {header}i / {environ}e ones
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
