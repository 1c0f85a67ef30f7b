"""Who a framework belongs to, and which frameworks an organisation or a person may see.

Shipped files and admins' uploads are platform defaults, offered in every organisation. A
consultant's upload belongs to their consultancy (firm) and is offered only in that firm's client
organisations, so one firm's file can never replace the default anybody else is offered.

A firm is identified by the firm name an admin gives the consultant account (``User.firm_name``,
set only on the admin's page or with ``flask user create``; consultants cannot change it), compared
with spaces collapsed and case folded: "Strand & Partners CX" and "strand &  partners cx" are one
firm. A consultant account without a firm name is a firm of its own. A firm's client
organisations are those where one of its consultants holds the consultant role.
"""

from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Membership, Organisation, Role


def firm_of(user: User | None) -> str | None:
    """Return the firm a user's uploads belong to; None for admins (they act for the platform)."""
    if user is None or user.is_admin or not user.is_consultant:
        return None
    name = " ".join((user.firm_name or "").split()).casefold()
    return f"firm:{name}" if name else f"user:{user.id}"


def org_firms(org: Organisation) -> frozenset[str]:
    """Return the firms serving ``org``: the firms of its members with the consultant role."""
    consultants = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org.id, Membership.role == Role.CONSULTANT)
    )
    return frozenset(firm for firm in map(firm_of, consultants) if firm is not None)


def user_firms(user: User) -> frozenset[str] | None:
    """Return the firms whose frameworks ``user`` may read; None means every firm (admins).

    Their own firm, and the firms serving the organisations they belong to.
    """
    if user.is_admin:
        return None
    firms = {firm_of(user)}
    orgs = db.session.scalars(select(Organisation).join(Membership).where(Membership.user_id == user.id))
    for org in orgs:
        firms |= org_firms(org)
    return frozenset(f for f in firms if f is not None)
