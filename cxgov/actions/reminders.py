"""The action owners' digest: one mail per owner listing their actions due soon or overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..mail.services import external_url, mail_enqueue, mail_opted_out_addresses, recipient_language
from ..orgs.models import Organisation
from ..register.models import Person
from .models import OPEN_STATUSES, Action

#: Actions due within this many days are "due soon".
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class OwnerDigest:
    """One owner's due and overdue open actions."""

    owner: Person
    #: The owner's address (only owners with one get a digest).
    email: str
    actions: tuple[Action, ...]


def action_digests(*, org: Organisation, today: date) -> list[OwnerDigest]:
    """Return, per owner with an address who has not opted out, their due or overdue actions."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    rows = db.session.scalars(
        select(Action)
        .options(selectinload(Action.owner))
        .where(
            Action.org_id == org.id,
            Action.status.in_(OPEN_STATUSES),
            Action.due_date.is_not(None),
            Action.due_date <= horizon,
            Action.owner_id.is_not(None),
        )
        .order_by(Action.due_date, Action.id)
    )
    by_owner: dict[int | None, list[Action]] = {}
    for action in rows:
        by_owner.setdefault(action.owner_id, []).append(action)
    stopped = mail_opted_out_addresses(org_id=org.id, kind="action_digest")
    digests = []
    for actions in by_owner.values():
        owner = actions[0].owner
        if owner is None or not owner.active or not owner.email or owner.email.lower() in stopped:
            continue
        digests.append(OwnerDigest(owner=owner, email=owner.email, actions=tuple(actions)))
    return sorted(digests, key=lambda d: d.owner.name.lower())


def action_digests_mail(*, org: Organisation, today: date) -> list[OwnerDigest]:
    """Queue one digest mail per owner with due or overdue actions; return the digests."""
    digests = action_digests(org=org, today=today)
    for digest in digests:
        items = [
            {
                "title": a.title,
                "url": external_url("actions.detail", org_slug=org.slug, action_id=a.id),
                "due": a.due_date,  # formatted by the template, in the recipient's language
                "overdue": a.due_date is not None and a.due_date < today,
            }
            for a in digest.actions
        ]
        mail_enqueue(
            kind="action_digest",
            template="action_digest",
            to=digest.email,
            # The owner's own language when they have an account, else the organisation's.
            lang=recipient_language(org=org, user=digest.owner.user, email=digest.email),
            org=org,
            subject=lambda: _("Your CX actions due soon at %(org)s", org=org.name),
            context={"name": digest.owner.name, "actions": items},
        )
    return digests
