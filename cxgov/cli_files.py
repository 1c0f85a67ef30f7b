"""The one way a command writes an exported file: write it, log the export, commit."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from .audit import security_event
from .extensions import db


def export_file_write(path: str | Path, data: bytes, *, detail: str, org_id: int | None = None) -> None:
    """Write ``data`` to ``path``, record the export in the security log and commit.

    A path that cannot be written is a clear message and nothing is logged.
    """
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise click.ClickException(
            _("Could not write %(file)s: %(error)s", file=str(path), error=error.strerror or error)
        ) from None
    security_event("export", detail=detail, org_id=org_id)
    db.session.commit()
