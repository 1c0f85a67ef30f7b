"""The mail queue and the addresses that asked for no more reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import Model

#: Lifecycle of a queued message: queued -> sending (claimed by one sender) -> sent | failed.
MAIL_STATUSES: tuple[str, ...] = ("queued", "sending", "sent", "failed")
#: What a message is for; reminders and digests can be stopped by their recipient.
MAIL_KINDS: tuple[str, ...] = ("invitation", "reminder", "action_digest", "member_invitation", "set_password")
#: Kinds a recipient may unsubscribe from (an invitation or a password link is not a reminder).
STOPPABLE_KINDS: frozenset[str] = frozenset({"reminder", "action_digest"})


class MailMessage(Model):
    """One e-mail to one recipient, stored before it is sent."""

    __table_args__ = (Index("ix_mail_message_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The organisation whose branding the message carries; None for platform mail.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The cycle respondent the message is about (invitations and reminders), for the status column.
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: Extra headers (List-Unsubscribe and its one-click partner).
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: Delivery attempts so far; the next waits longer (backoff) until MAX_ATTEMPTS.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When a sender claimed it; a claim older than the stale limit is taken back (crashed sender).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The claiming sender's random mark: only the sender whose mark is on a row sends it.
    claim: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last SMTP error, for the sponsor's "failed" status and the operator.
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MailOptOut(Model):
    """An address that asked one organisation for no more mail of one kind."""

    __table_args__ = (UniqueConstraint("org_id", "email", "kind", name="uq_mail_opt_out"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: Lower-cased address.
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
