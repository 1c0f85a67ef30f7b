"""One sponsor, two views: the member role "CX sponsor" (what someone may do in cxgov) and the
register's CX role "CX sponsor" (who holds the responsibility in the client's organisation).

They are different facts and both are kept, but they usually name the same person; this
module finds where they disagree so the pages can offer to align them in one click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Membership, Organisation, Role
from ..register import services as register_services
from ..register.models import CxRole, Person


@dataclass(frozen=True)
class SponsorViews:
    #: members with the sponsor member role who are not the register's CX sponsor
    members_not_in_register: list[Membership]
    #: register CX sponsors with a cxgov account whose member role is not sponsor (nor consultant)
    register_not_members: list[tuple[Person, Membership]]


def _active_sponsor_people(org: Organisation, today: date) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .join(CxRole, CxRole.person_id == Person.id)
            .where(
                Person.org_id == org.id,
                Person.active.is_(True),
                CxRole.role == "cx_sponsor",
                CxRole.since <= today,
                (CxRole.until.is_(None)) | (CxRole.until >= today),
            )
        )
    )


def sponsor_views(org: Organisation, today: date | None = None) -> SponsorViews:
    """Return where the member role and the register role "CX sponsor" disagree (three queries)."""
    today = today or date.today()
    register_sponsors = _active_sponsor_people(org, today)
    users = {p.user_id for p in register_sponsors if p.user_id}
    emails = {p.email for p in register_sponsors if p.email}
    memberships = list(
        db.session.scalars(
            select(Membership).join(User, User.id == Membership.user_id).where(Membership.org_id == org.id)
        )
    )
    members_not = [
        m
        for m in memberships
        if m.role == Role.SPONSOR and m.user_id not in users and (m.user.email or "").lower() not in emails
    ]
    by_user = {m.user_id: m for m in memberships}
    register_not = [
        (p, by_user[p.user_id])
        for p in register_sponsors
        if p.user_id in by_user and by_user[p.user_id].role not in (Role.SPONSOR, Role.CONSULTANT)
    ]
    return SponsorViews(members_not_in_register=members_not, register_not_members=register_not)


def sponsor_record_in_register(
    *, org: Organisation, membership: Membership, by: User | None, today: date | None = None
) -> Person:
    """Record a sponsor member as the register's CX sponsor (their register person is found or added)."""
    user = membership.user
    person = db.session.scalar(select(Person).where(Person.org_id == org.id, Person.user_id == user.id))
    if person is None and user.email:
        person = db.session.scalar(
            select(Person).where(Person.org_id == org.id, func.lower(Person.email) == user.email.lower())
        )
    if person is None:
        person = register_services.person_create(
            org=org, name=user.name or user.email, email=user.email, user=user, by=by
        )
        db.session.flush()
    register_services.cx_role_create(org=org, person=person, role="cx_sponsor", since=today or date.today(), by=by)
    db.session.flush()
    return person
