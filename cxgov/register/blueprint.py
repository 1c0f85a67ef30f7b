"""The register's blueprint, shared by the register pages and the spreadsheet pages.

Both view modules attach their views to this one object, so every register endpoint keeps
the ``register.`` prefix; neither view module imports the other.
"""

from __future__ import annotations

from ..tenancy import org_blueprint

bp = org_blueprint("register", __name__, url_prefix="/register")
