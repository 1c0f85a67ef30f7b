"""User accounts and one-time set-password links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import UTCDateTime, utcnow
from ..extensions import Model

MIN_PASSWORD_LENGTH = 10


def new_token() -> str:
    """Return a fresh unguessable token for URLs and session binding."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the stored form of a one-time token (we never store the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class User(UserMixin, Model):
    """A person who can log in. Membership in organisations gives them roles."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased login e-mail, unique across the platform.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Werkzeug's scrypt hash; empty until the user sets a password through their link.
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    #: Deactivated users cannot log in and every session of theirs ends.
    active: Mapped[bool] = mapped_column(default=True)
    #: Platform administrators create consultant accounts.
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Consultants may create client organisations (and become their consultant).
    is_consultant: Mapped[bool] = mapped_column(default=False)
    #: Part of every session cookie; rotating it ends all sessions of this user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)
    #: Consultant branding for reports: firm name and accent colour.
    firm_name: Mapped[str | None] = mapped_column(String(200))
    brand_accent: Mapped[str | None] = mapped_column(String(7))
    #: The language this person reads the interface and the framework in; None follows the
    #: organisation's language (and the browser outside an organisation). See cxgov.i18n.
    language: Mapped[str | None] = mapped_column(String(8))
    brand_logo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Membership lives in cxgov.orgs, which builds on this module: importing it here, even only
    # for the checker, would make an import cycle, so the name stays a string SQLAlchemy resolves.
    memberships: Mapped[list["Membership"]] = relationship(  # type: ignore[name-defined]  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Bind the login session to the current session token (see ``rotate_session_token``)."""
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` and end every other session of this user."""

        # Tests set a cheap method; production keeps Werkzeug's scrypt default.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        """Return True when ``password`` matches (False when no password is set yet)."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def rotate_session_token(self) -> None:
        """End every session of this user: old cookies carry the old token."""
        self.session_token = new_token()


class SetPasswordLink(Model):
    """A one-time link that lets a newly added user choose their password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: sha256 of the token in the URL; a leaked database does not leak usable links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()

    def usable(self) -> bool:
        """Return True while the link is unused and not expired."""
        return self.used_at is None and self.expires_at > utcnow()
