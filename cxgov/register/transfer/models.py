"""The uploaded spreadsheet kept between its preview and its confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, utcnow
from ...extensions import Model


#: The life of a pending import: open, then imported or cancelled (closed either way).
PENDING_STATES: tuple[str, ...] = ("open", "imported", "cancelled")


class PendingImport(Model):
    """An uploaded register file awaiting confirmation.

    The preview and the confirmation both rebuild the plan from these bytes, so the browser
    never carries the data. Once applied or cancelled the bytes are dropped but the row stays
    (closed) until it expires, so a second confirmation, or one after a cancel, is told what
    happened instead of finding nothing.
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
    #: One of PENDING_STATES: "open" until it is confirmed ("imported") or "cancelled".
    state: Mapped[str] = mapped_column(String(10), default="open", server_default="open")

    @property
    def is_open(self) -> bool:
        """Return True while the file can still be previewed, confirmed or cancelled."""
        return self.state == "open"
