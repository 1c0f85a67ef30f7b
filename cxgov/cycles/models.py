"""Quarterly self-assessment cycles: the cycle, its respondents and their answers.

A cycle keeps the exact framework it was opened with (``framework_snapshot`` and its
``framework_hash``), so neither a later edit of the YAML nor a new framework version changes
what an old cycle asked or how it scores. Closing a cycle stores the computed result as
JSON (``CycleResult.to_dict()``); a closed cycle's numbers are read from there, never
recomputed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model

#: Lifecycle of a cycle, in order.
CYCLE_STATUSES: tuple[str, ...] = ("draft", "open", "closed")
#: What an answer can be: a level 1..5, not applicable, or don't know.
ANSWER_KINDS: tuple[str, ...] = ("level", "na", "dont_know")
#: Evidence notes are a few sentences, not documents.
NOTE_MAX_CHARS = 2000
PERIOD_RE = re.compile(r"^(20[0-9]{2})-Q([1-4])$")


def period_valid(period: str) -> bool:
    """Return True for a quarter written as ``YYYY-Qn`` (2000-2099, n = 1..4)."""
    return bool(PERIOD_RE.match(period or ""))


def period_previous(period: str) -> str:
    """Return the quarter before ``period`` (``2026-Q1`` -> ``2025-Q4``)."""
    match = PERIOD_RE.match(period)
    if not match:
        raise ValueError(f"not a period: {period!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"


def period_next(period: str) -> str:
    """Return the quarter after ``period`` (``2025-Q4`` -> ``2026-Q1``)."""
    match = PERIOD_RE.match(period)
    if not match:
        raise ValueError(f"not a period: {period!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    return f"{year + 1}-Q1" if quarter == 4 else f"{year}-Q{quarter + 1}"


class Cycle(Model):
    """One organisation's self-assessment for one quarter."""

    __table_args__ = (UniqueConstraint("org_id", "period", name="uq_cycle_org_id_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The quarter, ``YYYY-Qn``; sorts as text in time order, one cycle per org and period.
    period: Mapped[str] = mapped_column(String(7))
    #: Which framework and version the cycle asks (labels; the snapshot is the truth).
    framework_key: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[str] = mapped_column(String(32))
    #: ``Framework.to_snapshot()`` at creation, so later YAML edits never change this cycle.
    framework_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``Framework.content_hash`` of the snapshot: identifies the exact content asked.
    framework_hash: Mapped[str] = mapped_column(String(64))
    #: draft (being prepared) -> open (respondents answer) -> closed (frozen, results stored).
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: When answers are due; shown to respondents and in the reminder text.
    due_date: Mapped[date | None] = mapped_column(Date)
    #: Key of the snapshot's target profile (e.g. "essentials"): its targets are the defaults
    #: and its optional practices may be skipped. None: the practices' own default_target.
    profile_key: Mapped[str | None] = mapped_column(String(40))
    #: practice id -> target level 1..5 set for this cycle; missing ids use the profile's target.
    targets: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Who signed the cycle off; None for the CLI, the demo or a deleted account.
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: ``CycleResult.to_dict()`` stored at close; None while the cycle is not closed.
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The register checks that failed at close (they feed the stored priorities).
    closed_failing_checks: Mapped[list[str] | None] = mapped_column(JSON)
    #: Days before the due date on which those who have not submitted get a reminder mail.
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: The entries of ``reminder_days`` already sent, so a schedule fires once per offset.
    reminders_sent: Mapped[list[int]] = mapped_column(JSON, default=list)

    closed_by: Mapped[User | None] = relationship()
    respondents: Mapped[list["Respondent"]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", passive_deletes=True, order_by="Respondent.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


class Respondent(Model):
    """A person invited to answer one cycle, in one respondent group.

    Either a member (``user``, who logs in) or a person without an account (``name`` and
    ``email``), who answers through a personal link.
    """

    __table_args__ = (
        UniqueConstraint("cycle_id", "user_id", name="uq_respondent_cycle_id_user_id"),
        UniqueConstraint("cycle_id", "email", name="uq_respondent_cycle_id_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: Key of one of the organisation's respondent groups (leadership, front_line...).
    group: Mapped[str] = mapped_column(String(40))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the respondent says they are done; None while still answering.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last time the sponsor reminded this person (the reminder list records it).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: How many reminders this person has been sent for this cycle.
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Name and address of a respondent without an account (None for members: see ``user``).
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    #: The language this person reads mail and answers in; None means the organisation's.
    language: Mapped[str | None] = mapped_column(String(8))
    #: SHA-256 of the personal answer link's token (never the token); None: no live link.
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: First time the personal link was opened (the sponsor's "opened" status).
    link_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cycle: Mapped[Cycle] = relationship(back_populates="respondents")
    #: The member answering; None for a respondent without an account (answers by link).
    user: Mapped[User | None] = relationship()

    @property
    def display_name(self) -> str:
        return self.user.name if self.user is not None else self.name

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user is not None else (self.email or "")


class Answer(Model):
    """One respondent's answer to one practice; the latest save wins, stale saves conflict."""

    __table_args__ = (UniqueConstraint("respondent_id", "practice_id", name="uq_answer_respondent_id_practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    #: Practice id within the cycle's framework snapshot, e.g. "B3".
    practice_id: Mapped[str] = mapped_column(String(10))
    #: "level", "na" (not applicable) or "dont_know"; only "level" carries a level.
    kind: Mapped[str] = mapped_column(String(10))
    level: Mapped[int | None] = mapped_column(Integer)
    #: Optional evidence: what the respondent bases the answer on (at most 2,000 characters).
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: Optimistic lock: a save names the version it started from; an older one is a conflict.
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}
