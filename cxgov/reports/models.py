"""Report rows: the PDF cache of live reports, the editable draft, and the issued versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import Model


class ReportPdfCache(Model):
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


class ReportDraft(Model):
    """The report of a cycle while the consultant (or sponsor) still edits it: one per cycle.

    Only the consultant's words live here; the numbers are read live from the cycle, so a
    draft follows every change until it is issued.
    """

    __table_args__ = (UniqueConstraint("cycle_id", name="uq_report_draft_cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    #: The executive summary (light formatting); "" means "use the automatic draft".
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Up to three key messages; empty means "use the automatic ones".
    key_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: practice id -> the consultant's comment on that prioritised gap.
    gap_comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Roadmap steps per quarter.
    per_quarter: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class ReportVersion(Model):
    """An issued report: its numbers, text, PDF and Word file frozen, numbered v1, v2 ... per cycle.

    Nothing that changes later (answers, register, framework files, the draft) is read
    again: the context is stored as issued and the files are stored as bytes, so a download
    of v1 is the same file forever.
    """

    __table_args__ = (UniqueConstraint("cycle_id", "number", name="uq_report_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    #: 1, 2, ... within the cycle.
    number: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The report context as issued (ReportContext.to_dict()), the source of every output.
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    context_hash: Mapped[str] = mapped_column(String(64))
    #: The PDF, laid out in the background just after issuing; None until it is ready.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The Word file, written at issue.
    docx: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Why the PDF could not be laid out, if it failed ("" otherwise).
    pdf_error: Mapped[str] = mapped_column(String(300), default="")
