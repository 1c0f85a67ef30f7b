"""The governance register's tables.

Every row belongs to one organisation. Editable rows carry ``version_id`` as SQLAlchemy's
version counter: an UPDATE names the version it read, so a save based on a stale copy
fails instead of silently overwriting someone else's change (optimistic locking).
Rows are deactivated rather than deleted, so history and old reports keep their names.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..messages import N_

#: Kinds of channel; "complaints" marks a complaints channel (a health check looks for one).
CHANNEL_KINDS: tuple[str, ...] = (
    "phone",
    "web",
    "app",
    "store",
    "email",
    "chat",
    "social",
    "field",
    "complaints",
    "other",
)

#: CX roles a person can hold over time.
CX_ROLE_KINDS: tuple[str, ...] = (
    "cx_sponsor",
    "ambassador",
    "customer_board",
    "insight_manager",
    "cx_team",
    "omnichannel_lead",
)

#: Touchpoint stages offered in forms (free text is allowed; these keep lists tidy).
#: English, marked with N_: forms offer them in the reader's language.
STAGES: tuple[str, ...] = (
    N_("Discover"),
    N_("Buy"),
    N_("Start"),
    N_("Use"),
    N_("Pay"),
    N_("Get help"),
    N_("Change"),
    N_("Leave"),
)


def channel_kind_label(kind: str) -> str:
    """Return the display label of a channel kind."""
    return {
        "phone": _("Phone"),
        "web": _("Web"),
        "app": _("App"),
        "store": _("Store"),
        "email": _("E-mail"),
        "chat": _("Chat"),
        "social": _("Social media"),
        "field": _("Field service"),
        "complaints": _("Complaints"),
        "other": _("Other"),
    }.get(kind, kind)


def cx_role_label(role: str) -> str:
    """Return the display label of a CX role kind."""
    return {
        "cx_sponsor": _("CX sponsor"),
        "ambassador": _("CX ambassador"),
        "customer_board": _("Customer board member"),
        "insight_manager": _("Insight manager"),
        "cx_team": _("CX team member"),
        "omnichannel_lead": _("Omnichannel lead"),
    }.get(role, role)


class _Versioned:
    """Columns shared by every editable register row: timestamps and the version counter."""

    #: Incremented by SQLAlchemy on every UPDATE; edit forms carry it to detect stale saves.
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Last change of any field (shown in lists; history has the detail).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version_id}


class Person(_Versioned, Model):
    """Someone in the client organisation who can own things; need not be a cxgov user."""

    __table_args__ = (
        UniqueConstraint("org_id", "email", name="uq_person_org_id_email"),
        # One person of an organisation per cxgov account. The write path refuses a second link
        # in words (under the organisation's row lock); this holds whatever writes the row.
        Index(
            "uq_person_org_id_user_id",
            "org_id",
            "user_id",
            unique=True,
            sqlite_where=text("user_id IS NOT NULL"),
            postgresql_where=text("user_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Lower-cased; the natural key for imports and owner columns. None for people without one.
    email: Mapped[str | None] = mapped_column(String(254))
    title: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    #: Inactive people (left, on leave) should own nothing; a health check lists those who do.
    active: Mapped[bool] = mapped_column(default=True)
    #: The cxgov account of this person, when they have one (one person per account in an organisation).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    user: Mapped[User | None] = relationship()
    roles: Mapped[list["CxRole"]] = relationship(back_populates="person", passive_deletes=True, order_by="CxRole.since")

    @property
    def label(self) -> str:
        """Return the name shown in history and lists."""
        return self.name


class Channel(_Versioned, Model):
    """A way customers reach the organisation (phone, web, store, ...), with its manager."""

    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_channel_org_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: One of CHANNEL_KINDS.
    kind: Mapped[str] = mapped_column(String(20), default="other")
    #: The channel manager; None is a register gap.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    manager: Mapped[Person | None] = relationship(foreign_keys=[manager_id])

    @property
    def label(self) -> str:
        """Return the name shown in history and lists."""
        return self.name


class Journey(_Versioned, Model):
    """A customer journey (e.g. "Move in"), owned end to end by one person."""

    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_journey_org_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The journey owner; None is a register gap.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])

    @property
    def label(self) -> str:
        """Return the name shown in history and lists."""
        return self.name


class Touchpoint(_Versioned, Model):
    """One moment where a customer meets the organisation on a journey, in a channel."""

    __table_args__ = (
        UniqueConstraint(
            "org_id", "journey_id", "channel_id", "name", name="uq_touchpoint_org_id_journey_channel_name"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journey.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Journey stage, e.g. "Discover", "Buy", "Use", "Get help", "Leave".
    stage: Mapped[str] = mapped_column(String(100), default="")
    #: The person accountable for this touchpoint; None means unowned (a register gap).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    #: The feeling the customer should leave with.
    desired_feeling: Mapped[str] = mapped_column(String(300), default="")
    #: The KPI that shows whether the feeling is achieved, and its target.
    kpi: Mapped[str] = mapped_column(String(200), default="")
    kpi_target: Mapped[str] = mapped_column(String(100), default="")
    #: A hygiene factor: customers only notice it when it fails.
    hygiene_factor: Mapped[bool] = mapped_column(default=False)
    #: When the owner last reviewed it; older than two quarters is a register gap.
    last_reviewed: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)

    journey: Mapped[Journey] = relationship()
    channel: Mapped[Channel] = relationship()
    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])

    @property
    def label(self) -> str:
        """Return the name shown in history and lists (the name alone is not unique)."""
        journey = self.journey.name if self.journey else "?"
        channel = self.channel.name if self.channel else "?"
        return f"{self.name} ({journey} · {channel})"


class CxRole(_Versioned, Model):
    """A CX role a person holds over a period (sponsor, ambassador, customer board, ...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: One of CX_ROLE_KINDS.
    role: Mapped[str] = mapped_column(String(30))
    since: Mapped[date] = mapped_column(Date)
    #: Last day in the role; the role is active while until is None or today or later.
    until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    person: Mapped[Person] = relationship(back_populates="roles")

    def is_active(self, today: date | None = None) -> bool:
        """Return True while the role is held on ``today`` (default: today)."""
        today = today or date.today()
        return self.since <= today and (self.until is None or self.until >= today)

    @property
    def active(self) -> bool:
        """Return True while the role is held today."""
        return self.is_active()

    @property
    def label(self) -> str:
        """Return the text shown in history and lists."""
        person = self.person.name if self.person else "?"
        return f"{cx_role_label(self.role)}: {person}"


class DelegatedMandate(_Versioned, Model):
    """What a role or team may decide on the spot, up to what limit, in which channel."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The role or team that may decide, e.g. "Customer service agents".
    holder: Mapped[str] = mapped_column(String(200))
    #: What they may decide without asking, e.g. "Credit a disputed fee".
    decision: Mapped[str] = mapped_column(String(500))
    #: The limit of the mandate, e.g. "up to 2,000 SEK".
    limit: Mapped[str] = mapped_column(String(200), default="")
    #: The channel the mandate applies in; None means every channel.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    channel: Mapped[Channel | None] = relationship()

    @property
    def label(self) -> str:
        """Return the text shown in history and lists."""
        return f"{self.holder}: {self.decision}"[:300]


class ImportBatch(Model):
    """One spreadsheet import; the history entries it wrote point back at it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who imported; None once the account is gone.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: "xlsx" or "csv".
    kind: Mapped[str] = mapped_column(String(10))
    rows_added: Mapped[int] = mapped_column(default=0)
    rows_changed: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)

    user: Mapped[User | None] = relationship()
