"""Fixtures for the API tests: a member with a token, and a client that sends it."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from cxgov.api.tokens import token_create
from cxgov.extensions import db


@pytest.fixture
def make_token(app) -> Callable[..., str]:
    """Create a token for ``user`` and return its secret."""

    def factory(user, **kw: Any) -> str:
        secret = token_create(user=user, name=kw.pop("name", "test"), **kw).secret
        db.session.commit()
        return secret

    return factory


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
