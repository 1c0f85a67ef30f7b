"""Frameworks uploaded through the UI, kept in the database beside ``assessments/*.yaml``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import Model


class FrameworkUpload(Model):
    """One framework YAML uploaded by a consultant or admin; immutable once stored."""

    __tablename__ = "framework_upload"
    #: Versions are immutable: a changed framework must carry a new version.
    __table_args__ = (UniqueConstraint("key", "version", name="uq_framework_upload_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The framework key from the YAML, e.g. "cx-governance"; copied out for lookups.
    key: Mapped[str] = mapped_column(String(64), index=True)
    #: The framework version from the YAML, e.g. "1.1".
    version: Mapped[str] = mapped_column(String(32))
    #: The file name as uploaded (sanitised), shown as the framework's source.
    filename: Mapped[str] = mapped_column(String(255))
    #: The YAML exactly as uploaded; the catalogue re-validates it on every load.
    yaml_text: Mapped[str] = mapped_column(Text)
    #: The framework's content hash (sha256 of its canonical snapshot).
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The consultancy the upload belongs to (:func:`cxgov.framework.scope.firm_of` the uploader);
    #: offered only in that firm's client organisations. None: a platform default, offered everywhere
    #: (an admin's upload, or one an admin published with ``flask framework publish``).
    firm: Mapped[str | None] = mapped_column(String(220), index=True)
    #: Who uploaded it; kept when the account is deleted, so the framework stays.
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
