"""Actions, their progress notes, and the cycles an open action was carried into.

An action usually starts from a gap of a closed or open cycle (``source_cycle_id``): the
framework's next step for the practice's current level, owned by someone from the register.
When the next cycle opens, every action still open is linked to it (:class:`ActionCycleLink`),
so that quarter's dashboard and report can ask "what did we do, and did the score move?".
Actions are never deleted by the app: done and dropped ones stay in the history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..history.services import snapshot
from ..register.models import Person, Touchpoint

#: Lifecycle of an action; planned and in_progress are "open".
ACTION_STATUSES: tuple[str, ...] = ("planned", "in_progress", "done", "dropped")
OPEN_STATUSES: tuple[str, ...] = ("planned", "in_progress")
TITLE_MAX = 300
DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
DROP_REASON_MAX = 1000


def status_label(status: str) -> str:
    """Return the display label of an action status."""

    return {"planned": _("Planned"), "in_progress": _("In progress"), "done": _("Done"), "dropped": _("Dropped")}.get(
        status, status
    )


def _notes_newest_first() -> list[ColumnElement[Any]]:
    """Return the order of an action's notes: newest first, the later-written first on a tie."""
    return [ActionNote.at.desc(), ActionNote.id.desc()]


class Action(Model):
    """One owned, dated improvement step for a practice or a touchpoint."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: Practice id in the framework (e.g. "A2"); None when the action is about a touchpoint only.
    practice_id: Mapped[str | None] = mapped_column(String(10), index=True)
    #: The touchpoint the action improves, when it is about one moment of a journey.
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoint.id", ondelete="SET NULL"), index=True)
    #: The cycle whose gap created it; None for actions made by hand.
    source_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    #: What to do: prefilled from the framework's next step, edited freely.
    description: Mapped[str] = mapped_column(Text, default="")
    #: The person in the register accountable for it; None is unassigned.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    #: One of ACTION_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="planned")
    #: Why it was dropped; required for status "dropped", kept when it is reopened for the record.
    drop_reason: Mapped[str] = mapped_column(String(DROP_REASON_MAX), default="")
    #: When it was marked done; cleared when it is reopened.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The gap's priority when the action was made (gap x weight x register factor); sorts the plan.
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    #: Who made it; None for the CLI, the demo or a deleted account.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: Optimistic lock: the edit form carries it; a save from an older version is a conflict.
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])
    touchpoint: Mapped[Touchpoint | None] = relationship(foreign_keys=[touchpoint_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    notes: Mapped[list["ActionNote"]] = relationship(
        back_populates="action",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=_notes_newest_first,
    )

    #: The change log's entity type for actions.
    change_type = "action"

    @property
    def label(self) -> str:
        """Return the text the change history keeps for this action."""
        return self.title[:300]

    @property
    def is_open(self) -> bool:
        """Return True while the action is planned or in progress."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        """Return True when the action is open and its due date has passed."""
        today = today or date.today()
        return self.is_open and self.due_date is not None and self.due_date < today

    @property
    def status_label(self) -> str:
        """Return the translated status."""
        return status_label(self.status)

    def as_record(self) -> dict[str, Any]:
        """Return the fields the change history compares."""

        return snapshot(self, ACTION_HISTORY_FIELDS)


#: Fields written to the change history on create and update.
ACTION_HISTORY_FIELDS: tuple[str, ...] = (
    "practice_id",
    "touchpoint_id",
    "source_cycle_id",
    "title",
    "description",
    "owner_id",
    "due_date",
    "status",
    "drop_reason",
    "done_at",
    "priority",
)


class ActionNote(Model):
    """A dated progress note on an action ("supplier contract signed, pilot starts in May")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    #: When the progress happened (defaults to when the note was written).
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who wrote it; None for the CLI, the demo or a deleted account.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)

    action: Mapped[Action] = relationship(back_populates="notes")
    user: Mapped[User | None] = relationship()


class ActionCycleLink(Model):
    """An open action carried into a newly opened cycle, to be followed up in that quarter."""

    __table_args__ = (UniqueConstraint("action_id", "cycle_id", name="uq_action_cycle_link_action_cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    #: The cycle the action was carried into (opened while the action was still open).
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    #: The action's status when it was carried (planned or in_progress).
    status_then: Mapped[str] = mapped_column(String(20))
    carried_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
