"""Organisation and membership operations. Services flush; callers commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..validators import SLUG_RE, slugify
from .models import MANAGE, Membership, Organisation, Role


class OrgError(ValueError):
    """A request about an organisation that cannot be carried out; the message is for the user."""


def org_by_slug(slug: str) -> Organisation | None:
    """Return the organisation with ``slug``, if any (CLI use; views go through tenancy)."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def _free_slug(base: str) -> str:
    slug, n = base, 2
    while org_by_slug(slug) is not None:
        suffix = f"-{n}"
        slug = base[: 60 - len(suffix)] + suffix
        n += 1
    return slug


def org_create(
    *, name: str, consultant: User | None, slug: str | None = None, industry: str = "", language: str = "en"
) -> Organisation:
    """Create a client organisation; the creating consultant becomes its consultant."""
    name = name.strip()
    if not name:
        raise OrgError(_("An organisation needs a name."))
    if slug:
        if not SLUG_RE.match(slug):
            raise OrgError(_("Not a valid short name: “%(slug)s” (lower-case letters, digits, dashes).", slug=slug))
        if org_by_slug(slug) is not None:
            raise OrgError(_("The short name “%(slug)s” is taken.", slug=slug))
    else:
        slug = _free_slug(slugify(name))
    org = Organisation(name=name, slug=slug, industry=industry.strip(), language=language)
    db.session.add(org)
    db.session.flush()
    if consultant is not None:
        db.session.add(Membership(user_id=consultant.id, org_id=org.id, role=Role.CONSULTANT))
        db.session.flush()
    return org


def orgs_for_user(user: User) -> list[tuple[Organisation, Role]]:
    """Return the organisations the user belongs to, with their role, by name."""
    rows = db.session.execute(
        select(Organisation, Membership.role)
        .join(Membership, Membership.org_id == Organisation.id)
        .where(Membership.user_id == user.id)
        .order_by(func.lower(Organisation.name))
    ).all()
    return [(org, role) for org, role in rows]


def _managers_left(org: Organisation, without: Membership) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.org_id == org.id, Membership.role.in_(list(MANAGE)), Membership.id != without.id)
        )
        or 0
    )


def member_change_role(*, org: Organisation, membership: Membership, role: Role, by_role: Role) -> None:
    """Change a member's role; consultants are granted or removed only by consultants."""
    if Role.CONSULTANT in (role, membership.role) and by_role != Role.CONSULTANT:
        raise OrgError(_("Only a consultant can grant or take away the consultant role."))
    if membership.role in MANAGE and role not in MANAGE and _managers_left(org, membership) == 0:
        raise OrgError(_("The organisation would have no sponsor or consultant left."))
    membership.role = role
    db.session.flush()


def member_remove(*, org: Organisation, membership: Membership, by_role: Role) -> None:
    """Remove a member from the organisation (the user account stays)."""
    if membership.role == Role.CONSULTANT and by_role != Role.CONSULTANT:
        raise OrgError(_("Only a consultant can remove a consultant."))
    if membership.role in MANAGE and _managers_left(org, membership) == 0:
        raise OrgError(_("The organisation would have no sponsor or consultant left."))
    db.session.delete(membership)
    db.session.flush()


def org_members(org: Organisation) -> list[Membership]:
    """Return the organisation's memberships with their users, by name."""
    return list(
        db.session.scalars(
            select(Membership).join(User).where(Membership.org_id == org.id).order_by(func.lower(User.name))
        )
    )
