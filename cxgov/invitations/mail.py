"""The invitation mail: a member invitation goes to the invited address, never to the inviter.

With a mail server configured the inviter's page shows no link at all, for a known and an
unknown address alike; without one (the outbox folder), a brand-new account's set-password
link is still shown to the inviter as the fallback, as the README's security section says.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..mail.models import MailMessage
from ..mail.services import external_url, mail_enqueue, recipient_language
from ..orgs.models import Organisation
from .services import InvitationMade


def invitation_mail_queue(*, made: InvitationMade, org: Organisation, inviter_name: str) -> MailMessage:
    """Queue the invitation mail: set a password first for a new account, else log in to accept."""
    invitation = made.invitation
    if made.set_password_token:
        url = external_url("auth.set_password", token=made.set_password_token)
    else:
        url = external_url("invitations.pending")
    return mail_enqueue(
        kind="member_invitation",
        template="member_invitation",
        to=invitation.email,
        # A known account reads its own language; a new address the organisation's.
        lang=recipient_language(org=org, email=invitation.email),
        org=org,
        subject=lambda: _("%(name)s invites you to %(org)s on cxgov", name=inviter_name, org=org.name),
        context={
            "org_name": org.name,
            "inviter": inviter_name,
            "role": invitation.role,  # its label is read in the recipient's language
            "url": url,
            "new_account": bool(made.set_password_token),
        },
    )
