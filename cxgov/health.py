"""The health endpoint load balancers and monitoring call."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from .extensions import db


def init_health(app: Flask) -> None:
    """Register ``GET /health``: 200 when the database answers, 503 when it does not."""

    def health() -> ResponseReturnValue:
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as error:  # any database failure means "not healthy"
            db.session.rollback()
            return jsonify(status="error", database=type(error).__name__), 503
        return jsonify(status="ok", database="ok")

    app.add_url_rule("/health", "health", health)
