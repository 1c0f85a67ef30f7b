"""Uploading a framework YAML: validated by the loader, stored once per key and version."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from .catalog import framework_catalog, version_tuple
from .loader import Message, Problem
from .model import Framework
from .models import FrameworkUpload
from .scope import firm_of
from .translations import load_framework_text_translated

#: A real framework is a few hundred KB at most; anything larger is refused unread.
MAX_UPLOAD_BYTES = 1_000_000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class FrameworkUploadError(ValueError):
    """An upload that is refused; ``problems`` lists what the loader found, if anything.

    The message is a lazy gettext string, translated when read: the form shows it in the
    uploader's language and the security log in its own (:func:`cxgov.audit.log_text`).
    """

    def __init__(self, message: Message, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def safe_filename(filename: str) -> str:
    """Return ``filename`` without its directories and odd characters (``framework.yaml``)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _SAFE_NAME.sub("_", name).strip("._")[:120]
    return name or "framework.yaml"


def framework_upload_decode(data: bytes) -> str:
    """Return the upload as text, refusing empty, too large, binary and non-UTF-8 files."""
    if not data:
        raise FrameworkUploadError(_l("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise FrameworkUploadError(
            _l(
                "The file is larger than %(limit)s KB; a framework is usually well under 300 KB.",
                limit=MAX_UPLOAD_BYTES // 1000,
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FrameworkUploadError(
            _l(
                "The file is not UTF-8 text (byte %(pos)d cannot be read). Save it as UTF-8 and upload it again.",
                pos=error.start,
            )
        ) from None
    if "\x00" in text:
        raise FrameworkUploadError(_l("The file is not a text file."))
    return text


def framework_upload_create(*, data: bytes, filename: str, by: User | None) -> tuple[FrameworkUpload, Framework]:
    """Validate an uploaded framework YAML and store it; raise FrameworkUploadError if refused."""
    name = safe_filename(filename)
    text = framework_upload_decode(data)
    result = load_framework_text_translated(text, name)
    if result.framework is None:
        raise FrameworkUploadError(
            _ln(
                "The framework was not saved: %(num)d problem to fix.",
                "The framework was not saved: %(num)d problems to fix.",
                len(result.problems),
            ),
            result.problems,
        )
    framework = result.framework
    existing = framework_catalog().get(framework.key, framework.version)
    stored = db.session.scalars(
        select(FrameworkUpload).where(
            FrameworkUpload.key == framework.key, FrameworkUpload.version == framework.version
        )
    ).first()
    existing_hash = (
        existing.content_hash if existing is not None else (stored.content_hash if stored is not None else None)
    )
    if existing_hash is not None:
        if existing_hash == framework.content_hash:
            raise FrameworkUploadError(
                _l(
                    "Version %(version)s of “%(key)s” is already in the library with exactly this content.",
                    version=framework.version,
                    key=framework.key,
                )
            )
        raise FrameworkUploadError(
            _l(
                "Version %(version)s of “%(key)s” already exists with "
                "different content. Versions never change, so that old "
                "assessments keep their meaning: give your file a new "
                "version (e.g. %(suggestion)s) and upload it again.",
                version=framework.version,
                key=framework.key,
                suggestion=next_version(framework.key),
            )
        )
    upload = FrameworkUpload(
        key=framework.key,
        version=framework.version,
        filename=name,
        yaml_text=text,
        content_hash=framework.content_hash,
        uploaded_by=by.id if by is not None else None,
        firm=firm_of(by),
    )
    db.session.add(upload)
    db.session.flush()
    return upload, framework


def next_version(key: str) -> str:
    """Suggest the next free minor version of ``key`` (``1.0`` -> ``1.1``)."""

    taken = {f.version for f in framework_catalog().all_versions(key)}
    taken |= set(db.session.scalars(select(FrameworkUpload.version).where(FrameworkUpload.key == key)))
    newest = max(taken, key=version_tuple, default="1.0")
    parts = list(version_tuple(newest)) if version_tuple(newest) != (-1,) else [1, 0]
    if len(parts) == 1:
        parts.append(0)
    while True:
        parts[-1] += 1
        candidate = ".".join(str(p) for p in parts)
        if candidate not in taken:
            return candidate
