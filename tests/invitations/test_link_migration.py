"""An upgraded installation keeps no set-password link the one-live-link rule would not have issued."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
import sqlalchemy as sa
from sqlalchemy import select

from cxgov.auth.models import SetPasswordLink, hash_token
from cxgov.db import UTCDateTime
from cxgov.extensions import db
from tests.conftest import make_test_app
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)

BEFORE = "c3d18e5a7b42"  # the newest revision before the surplus links were spent

# The user table as it was at BEFORE: the model has columns added by later revisions.
USER_AT_BEFORE = sa.table(
    "user", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("name", sa.String),
    sa.column("password_hash", sa.String), sa.column("active", sa.Boolean), sa.column("is_admin", sa.Boolean),
    sa.column("is_consultant", sa.Boolean), sa.column("session_token", sa.String),
    sa.column("created_at", UTCDateTime()),
)


def _old_user(email: str, password_hash: str) -> int:
    values = dict(email=email, name=email.split("@")[0], password_hash=password_hash, active=True,
                  is_admin=False, is_consultant=False, session_token=email, created_at=datetime.now(UTC))
    return db.session.execute(sa.insert(USER_AT_BEFORE).values(**values).returning(USER_AT_BEFORE.c.id)).scalar_one()


def test_upgrade_spends_every_link_but_the_first_of_an_account_without_password(empty_database_url):  # noqa: F811
    app = make_test_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        waiting = _old_user("waiting@x.example", "")
        active = _old_user("active@x.example", "pbkdf2:sha256:1$x$y")
        expires = datetime.now(UTC) + timedelta(days=7)
        for user, token in [(waiting, "first"), (waiting, "added-by-b"), (active, "used"), (active, "left-live"),
                            (waiting, "added-by-c")]:
            db.session.add(SetPasswordLink(user_id=user, token_hash=hash_token(token), expires_at=expires,
                                           used_at=datetime.now(UTC) if token == "used" else None))
        db.session.commit()

        upgrade()
        live = {link.token_hash for link in db.session.scalars(select(SetPasswordLink)) if link.used_at is None}
        assert live == {hash_token("first")}
        db.session.remove()
        db.engine.dispose()
