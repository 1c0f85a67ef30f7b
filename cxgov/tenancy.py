"""Tenancy by construction: every organisation-scoped view goes through this module.

Organisation blueprints are made with :func:`org_blueprint`. Their URLs carry the org
slug; before any view runs, the organisation and the current user's membership are
loaded into ``g``. A user who is not a member gets 404, exactly as if the organisation did
not exist, so slugs and ids of other clients leak nothing. Each view declares the roles
it admits with :func:`roles_required`; a member without one of them gets 403. A view
that forgets to declare its roles makes ``create_app`` fail, not the request.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Collection, TypeVar

from flask import Blueprint, Flask, abort, g
from flask_login import current_user
from sqlalchemy import select

from .extensions import Base, db
from .orgs.models import Membership, Organisation, Role

_ROLES_ATTR = "_cxgov_roles"
_ORG_SCOPED_ATTR = "cxgov_org_scoped"

#: Any model with ``id`` and ``org_id`` columns (org_get reads them from its table).
ModelT = TypeVar("ModelT", bound=Base)


def org_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """Return a blueprint whose routes all live under ``/o/<org_slug>``."""
    bp = Blueprint(name, import_name, url_prefix=f"/o/<org_slug>{url_prefix}")
    bp.url_value_preprocessor(_load_org_from_url)
    bp.url_defaults(_add_org_slug)
    org_scoped_mark(bp)
    return bp


def org_scoped_mark(bp: Blueprint) -> None:
    """Mark ``bp`` as organisation-scoped, so every view of it must declare its roles."""
    setattr(bp, _ORG_SCOPED_ATTR, True)


def roles_required(roles: Collection[Role]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Admit only members whose role is in ``roles`` (403 for other members)."""
    allowed = frozenset(roles)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.membership.role not in allowed:
                from .audit import security_event  # late import: audit imports models

                security_event("permission_denied", result="refused", detail=view.__name__)
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, _ROLES_ATTR, allowed)
        return wrapper

    return decorator


def view_roles(view: Callable[..., Any]) -> frozenset[Role] | None:
    """Return the roles a view admits, or None when it declares none."""
    return getattr(view, _ROLES_ATTR, None)


def current_org() -> Organisation:
    """Return the organisation of the current org-scoped request."""
    return g.org


def current_role() -> Role:
    """Return the current user's role in the current organisation."""
    return g.membership.role


def org_get(model: type[ModelT], object_id: int) -> ModelT:
    """Load ``model`` by id *and* the current organisation; 404 when it belongs elsewhere."""
    columns = model.__table__.c
    obj = db.session.scalar(select(model).where(columns.id == object_id, columns.org_id == g.org.id))
    if obj is None:
        abort(404)
    return obj


def membership_for(user_id: int, org_id: int) -> Membership | None:
    """Return the membership of a user in an organisation, if any."""
    return db.session.scalar(select(Membership).where(Membership.user_id == user_id, Membership.org_id == org_id))


def check_org_views_declare_roles(app: Flask) -> None:
    """Refuse to start when an org-scoped view does not say which roles it admits."""
    scoped = {name for name, bp in app.blueprints.items() if getattr(bp, _ORG_SCOPED_ATTR, False)}
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.split(".")[0] in scoped and view_roles(view) is None
    ]
    if missing:
        raise RuntimeError(f"org-scoped views without roles_required: {sorted(missing)}")


def _load_org_from_url(endpoint: str | None, values: dict[str, Any] | None) -> None:
    slug = (values or {}).pop("org_slug", None)
    if not current_user.is_authenticated:
        abort(401)
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    membership = membership_for(current_user.id, org.id) if org else None
    if membership is None:
        abort(404)
    g.org = org
    g.membership = membership


def _add_org_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "org_slug" not in values and getattr(g, "org", None) is not None:
        values["org_slug"] = g.org.slug
