"""The PDF cache: one rendered report per cycle and set of inputs, kept in the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class ReportPdfCache(db.Model):
    """A rendered PDF, found again by the cheap inputs key or by the report context's hash.

    Kept in the database (not on local disk) so several app servers share it.
    """

    __table_args__ = (Index("ix_report_pdf_cache_cycle_inputs", "cycle_id", "inputs_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The cycle the report describes; its PDFs go when the cycle goes.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    #: sha256 of the report's inputs (row counts, last changes, branding, date, templates).
    inputs_key: Mapped[str] = mapped_column(String(64))
    #: sha256 of the canonical report context without its generation time.
    context_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: The PDF itself.
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
