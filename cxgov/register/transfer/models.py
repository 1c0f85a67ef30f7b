"""The uploaded spreadsheet kept between its preview and its confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, utcnow
from ...extensions import Model


class PendingImport(Model):
    """An uploaded register file awaiting confirmation.

    The preview and the confirmation both rebuild the plan from these bytes, so the browser
    never carries the data; the file is deleted once applied or cancelled, and expires.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: Who uploaded it (any register editor of the organisation may confirm or cancel it).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The file as uploaded, at most spreadsheet.MAX_FILE_BYTES.
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: The name the user's computer gave it; shown, never used to decide its type.
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: For a CSV, the register table chosen in the form ("" = from the name or header).
    table: Mapped[str] = mapped_column(String(20), default="")
    #: Identifies the exact bytes (shown in the preview, recorded in the security log).
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
