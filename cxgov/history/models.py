"""The change log: one row per change to an organisation's data, with before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model

#: Actions a change log entry can record.
CHANGE_ACTIONS: tuple[str, ...] = ("create", "update", "deactivate", "reactivate", "delete", "import")


class ChangeLog(Model):
    """Who changed which object when, and each changed field's value before and after."""

    __table_args__ = (Index("ix_change_log_org_entity", "org_id", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Who made the change; None for the CLI, the demo, or a deleted account.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: What kind of object, e.g. "touchpoint", "person", "action".
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    #: The object's name when the change was made (it may be renamed later).
    entity_label: Mapped[str] = mapped_column(String(300), default="")
    #: One of CHANGE_ACTIONS.
    action: Mapped[str] = mapped_column(String(20))
    #: {field: [before, after]} with JSON-able values; only fields that changed.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The spreadsheet import that made this change, if any.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"), index=True)
    #: The name of the personal access token an API write came through (None for the web and CLI).
    via_token: Mapped[str | None] = mapped_column(String(100))

    user: Mapped[User | None] = relationship()
