"""The organisation navigation: one list, shown by role and by which features exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l

from .orgs.models import MANAGE, READ, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    badge: int | None = None


#: (endpoint, label, roles, blueprint prefix that marks it active)
ORG_NAV: list[tuple[str, object, frozenset[Role], str]] = [
    ("register.index", _l("Register"), READ, "register."),
    ("cycles.index", _l("Assessments"), READ, "cycles."),
    ("reports.index", _l("Reports"), READ, "reports."),
    ("actions.index", _l("Actions"), READ, "actions."),
    ("org.members", _l("Members"), MANAGE, "org.member"),
    ("org.settings", _l("Settings"), MANAGE, "org.settings"),
]

#: endpoint -> callable returning a badge count for the current user (e.g. overdue actions)
NAV_BADGES: dict[str, Callable[[], int | None]] = {}


def has_endpoint(endpoint: str) -> bool:
    """Return True when the app has a view for ``endpoint`` (features land one by one)."""
    return endpoint in current_app.view_functions


def org_nav() -> list[NavItem]:
    """Return the navigation items the current member may see."""
    membership = getattr(g, "membership", None)
    if membership is None:
        return []
    items = []
    current = request.endpoint or ""
    for endpoint, label, roles, prefix in ORG_NAV:
        if membership.role in roles and has_endpoint(endpoint):
            badge = NAV_BADGES[endpoint]() if endpoint in NAV_BADGES else None
            items.append(NavItem(str(label), url_for(endpoint), current.startswith(prefix), badge or None))
    return items
