"""Personal access tokens: how a program calls the API on behalf of one user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..orgs.models import Organisation

#: Every token starts with this, so secret scanners (and people) recognise a leaked one.
TOKEN_PREFIX = "cxg_pat_"


class ApiToken(Model):
    """A personal access token; the secret itself is shown once and never stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: What the user calls it ("Power BI", "HR sync"); names the token in history and the log.
    name: Mapped[str] = mapped_column(String(100))
    #: sha256 of the whole secret (prefix included); the secret has 256 bits, so no salt is needed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the secret, shown in lists so a user can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(20))
    #: The one organisation the token may reach; None: every organisation the user is a member of.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: A read-only token is refused every write, whatever the user's role.
    read_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: None: never expires.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Updated at most once a minute, on answered requests only (a refused one writes nothing).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Revoked tokens are kept (the history names them) but never authenticate again.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    org: Mapped[Organisation | None] = relationship()

    def usable(self, now: datetime) -> bool:
        """Return True when the token is neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
