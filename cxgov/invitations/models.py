"""Pending invitations: a role in an organisation offered to an account, waiting for its consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model, db
from ..orgs.models import Organisation, Role


class Invitation(Model):
    """An offer of ``role`` in ``organisation`` to one account; a membership only once accepted.

    Until the person accepts, the organisation does not appear for them and the organisation
    learns nothing about the account beyond the e-mail address its sponsor typed.
    """

    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The invited account (created with the invitation when the address was new).
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The address as the inviter typed it (normalised): all the inviter's pages ever show.
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    #: Who invited (None from the command line or an organisation import without a user).
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
