"""An upgraded installation keeps no set-password link the one-live-link rule would not have issued."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import select

from cxgov.auth.models import SetPasswordLink, User, hash_token
from cxgov.extensions import db
from tests.conftest import make_test_app
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)

BEFORE = "c3d18e5a7b42"  # the newest revision before the surplus links were spent


def test_upgrade_spends_every_link_but_the_first_of_an_account_without_password(empty_database_url):  # noqa: F811
    app = make_test_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        waiting = User(email="waiting@x.example", name="Waiting", password_hash="")
        active = User(email="active@x.example", name="Active", password_hash="pbkdf2:sha256:1$x$y")
        db.session.add_all([waiting, active])
        db.session.flush()
        expires = datetime.now(UTC) + timedelta(days=7)
        for user, token in [(waiting, "first"), (waiting, "added-by-b"), (active, "used"), (active, "left-live"),
                            (waiting, "added-by-c")]:
            db.session.add(SetPasswordLink(user_id=user.id, token_hash=hash_token(token), expires_at=expires,
                                           used_at=datetime.now(UTC) if token == "used" else None))
        db.session.commit()

        upgrade()
        live = {link.token_hash for link in db.session.scalars(select(SetPasswordLink)) if link.used_at is None}
        assert live == {hash_token("first")}
        db.session.remove()
        db.engine.dispose()
