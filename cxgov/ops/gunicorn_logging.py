"""gunicorn's access log without secrets: set-password tokens in paths are masked.

A set-password link carries a one-time token in its path; gunicorn would otherwise write it
to the access log (request line and referer), where anyone reading logs could use it.
"""
from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

#: Paths whose last segment is a secret.
SECRET_PATH = re.compile(r"(/set-password/)[^/?#\s\"]+")


def redact(text: str) -> str:
    """Return ``text`` with every set-password token replaced by ``[redacted]``."""
    return SECRET_PATH.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):
    """The stock gunicorn logger, with secrets masked in every value it can print."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # every string atom: the request line, path, referer, and the {header}i / {environ}e ones
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
