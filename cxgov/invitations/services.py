"""Invitations: the only way an account that already exists joins an organisation.

Adding a person by e-mail never hands the adder anything about an existing account: not its
name, not its other organisations, not a way into it. The adder's organisation gets a pending
invitation; the person sees it after logging in and accepts or declines it. An address new to
cxgov gets an account without a password and its one set-password link as well, because
whoever creates an account is the only one who could have given it a way in.

Services flush; the caller (view, CLI command, import, the mail feature) commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import security_event
from ..auth.models import User
from ..auth.services import (
    AccountError,
    set_password_link_create,
    user_by_email,
    user_create,
)
from ..extensions import db
from ..orgs.models import Membership, Organisation, Role
from ..validators import normalise_email
from .models import Invitation


class InvitationError(ValueError):
    """An invitation that cannot be made or answered; the message is for the user."""


@dataclass(frozen=True)
class InvitationMade:
    """A new invitation, and the set-password token when its account was created with it."""

    invitation: Invitation
    #: Only for an account created in this same step; None for every account that existed.
    set_password_token: str | None


def invitation_create(
    *, org: Organisation, email: str, role: Role, by: User | None, by_role: Role, name: str = ""
) -> InvitationMade:
    """Invite ``email`` to ``org`` with ``role``; create the account (and its link) when new.

    The result looks the same to the inviter for a known and an unknown address, except for
    the set-password token of a new account (shown on screen until links go out by e-mail).
    """
    if role == Role.CONSULTANT and by_role != Role.CONSULTANT:
        raise InvitationError(_("Only a consultant can add a consultant."))
    email = normalise_email(email)
    user = user_by_email(email)
    token = None
    if user is None:
        try:
            user = user_create(email=email, name=name.strip() or email.split("@")[0])
        except AccountError as error:
            raise InvitationError(str(error)) from error
        token = set_password_link_create(user=user)
    elif _membership(user_id=user.id, org_id=org.id) is not None:
        raise InvitationError(_("%(email)s is already a member.", email=email))
    if invitation_find(org=org, user_id=user.id) is not None:
        raise InvitationError(_("%(email)s is already invited.", email=email))
    invitation = Invitation(
        org_id=org.id, user_id=user.id, email=email, role=role, invited_by_id=by.id if by is not None else None
    )
    db.session.add(invitation)
    db.session.flush()
    security_event("invitation_created", org_id=org.id, detail=f"{email} as {role.value}")
    return InvitationMade(invitation=invitation, set_password_token=token)


def invitation_find(*, org: Organisation, user_id: int) -> Invitation | None:
    """Return the pending invitation of an account to ``org``, if any."""
    return db.session.scalar(select(Invitation).where(Invitation.org_id == org.id, Invitation.user_id == user_id))


def invitation_for_user(*, invitation_id: int, user: User) -> Invitation | None:
    """Return ``user``'s own pending invitation with this id (None for anybody else's)."""
    return db.session.scalar(select(Invitation).where(Invitation.id == invitation_id, Invitation.user_id == user.id))


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Accept an invitation: the account becomes a member with the offered role."""
    if invitation.user_id != user.id:
        raise InvitationError(_("This invitation is not yours."))
    membership = _membership(user_id=user.id, org_id=invitation.org_id)
    if membership is None:
        membership = Membership(user_id=user.id, org_id=invitation.org_id, role=invitation.role)
        db.session.add(membership)
    db.session.delete(invitation)
    db.session.flush()
    security_event("invitation_accepted", org_id=invitation.org_id, detail=invitation.role.value)
    return membership


def invitation_decline(*, invitation: Invitation, user: User) -> None:
    """Decline an invitation: it goes away and the organisation never learns more."""
    if invitation.user_id != user.id:
        raise InvitationError(_("This invitation is not yours."))
    db.session.delete(invitation)
    db.session.flush()
    security_event("invitation_declined", org_id=invitation.org_id)


def invitation_revoke(*, invitation: Invitation, by_role: Role) -> None:
    """Withdraw a pending invitation (the organisation's managers may, until it is accepted)."""
    if invitation.role == Role.CONSULTANT and by_role != Role.CONSULTANT:
        raise InvitationError(_("Only a consultant can withdraw a consultant's invitation."))
    db.session.delete(invitation)
    db.session.flush()
    security_event("invitation_revoked", org_id=invitation.org_id, detail=invitation.email)


def invitations_for_user(user: User) -> list[Invitation]:
    """Return the account's pending invitations, oldest first (with their organisations)."""
    return list(
        db.session.scalars(
            select(Invitation).where(Invitation.user_id == user.id).order_by(Invitation.created_at, Invitation.id)
        )
    )


def invitations_pending_count(user: User) -> int:
    """Return how many invitations wait for the account's answer."""
    return db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.user_id == user.id)) or 0


def invitations_for_org(org: Organisation) -> list[Invitation]:
    """Return the organisation's pending invitations, by address (never the accounts' names)."""
    return list(db.session.scalars(select(Invitation).where(Invitation.org_id == org.id).order_by(Invitation.email)))


def invitations_from_import(*, org: Organisation, created_user_ids: set[int], by: User | None) -> list[tuple[str, str]]:
    """Turn an imported organisation's memberships into pending invitations (flushes).

    A package names its members by e-mail; on this instance those addresses may belong to
    people who never agreed to join. Only the importing consultant stays a member. Accounts
    the import created get their one set-password link; returns (e-mail, token) for them.
    """
    links = []
    memberships = db.session.scalars(
        select(Membership).where(Membership.org_id == org.id).order_by(Membership.id)
    ).all()
    for membership in memberships:
        if by is not None and membership.user_id == by.id:
            continue
        user = membership.user
        db.session.add(
            Invitation(
                org_id=org.id,
                user_id=user.id,
                email=user.email,
                role=membership.role,
                invited_by_id=by.id if by is not None else None,
            )
        )
        db.session.delete(membership)
        if user.id in created_user_ids and not user.password_hash:
            links.append((user.email, set_password_link_create(user=user)))
    db.session.flush()
    return sorted(links)


def _membership(*, user_id: int, org_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.user_id == user_id, Membership.org_id == org_id))
