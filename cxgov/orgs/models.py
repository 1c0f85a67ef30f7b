"""Client organisations, memberships with roles, and stored files (logos)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model, db
from ..messages import N_


class Role(str, enum.Enum):
    """What a member may do in one organisation."""

    CONSULTANT = "consultant"  # full control of the organisations they serve, reports
    SPONSOR = "sponsor"  # the CX sponsor: members, cycles, targets, sign-off
    AMBASSADOR = "ambassador"  # edits the register, answers assessments
    RESPONDENT = "respondent"  # answers assessments assigned to them
    VIEWER = "viewer"  # reads dashboards and reports

    @property
    def label(self) -> str:
        return {
            "consultant": gettext("Consultant"),
            "sponsor": gettext("CX sponsor"),
            "ambassador": gettext("Ambassador"),
            "respondent": gettext("Respondent"),
            "viewer": gettext("Viewer"),
        }[self.value]


#: Role sets used by views; one place decides who may do what.
MANAGE = frozenset({Role.CONSULTANT, Role.SPONSOR})
EDIT_REGISTER = frozenset({Role.CONSULTANT, Role.SPONSOR, Role.AMBASSADOR})
ANSWER = frozenset({Role.CONSULTANT, Role.SPONSOR, Role.AMBASSADOR, Role.RESPONDENT})
READ = frozenset(Role)

DEFAULT_RESPONDENT_GROUPS: list[dict[str, str]] = [
    {"key": "leadership", "label": N_("Leadership"), "side": "upper"},
    {"key": "management", "label": N_("Management"), "side": "upper"},
    {"key": "front_line", "label": N_("Front line"), "side": "frontline"},
]


class StoredFile(Model):
    """A file kept in the database (logos), so app servers share no local disk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  #: e.g. "org_logo", "firm_logo"
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Organisation(Model):
    """A client organisation; every piece of client data hangs off one of these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL identifier; every organisation-scoped URL carries it.
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(120), default="")
    #: UI and report language (en now; sv and da later).
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: The written service promise; empty means none (a register gap).
    service_promise: Mapped[str] = mapped_column(Text, default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    #: Respondent groups for assessments: [{key, label, side: upper|frontline}]
    respondent_groups: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=lambda: [dict(g) for g in DEFAULT_RESPONDENT_GROUPS]
    )
    #: Report branding set per organisation (overrides the consultant's).
    brand_firm_name: Mapped[str | None] = mapped_column(String(200))
    brand_accent: Mapped[str | None] = mapped_column(String(7))
    #: True keeps this client's results out of the anonymised benchmark of the consultancy's
    #: other clients (it can still see its own benchmark).
    benchmark_opt_out: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    logo: Mapped[StoredFile | None] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    def group_label(self, key: str) -> str:
        """Return the display label of a respondent group key, in the reader's language.

        The default groups' English labels are catalogue entries; an organisation's own
        labels are not, and gettext gives them back unchanged.
        """
        for group in self.respondent_groups or DEFAULT_RESPONDENT_GROUPS:
            if group["key"] == key:
                label = group["label"]  # not a literal in the call: the extractor would take "label"
                return gettext(label)
        return key


class Membership(Model):
    """A user's role in one organisation."""

    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
