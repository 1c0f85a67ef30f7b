"""Access table for the organisation pages (settings, members, logo, overview)."""
from cxgov.orgs.models import MANAGE, READ, Membership, Role
from cxgov.auth.models import User
from cxgov.extensions import db
from cxgov.invitations.models import Invitation
from tests.access import Access


def tiny_png() -> bytes:
    """Return the bytes of a real 2x2 PNG image."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (31, 95, 139)).save(buffer, format="PNG")
    return buffer.getvalue()


def build(org, world) -> dict[str, int]:
    """A logo, and a respondent membership to change and remove."""
    from cxgov.uploads import logo_from_upload

    logo = logo_from_upload(tiny_png(), "logo.png", kind="org_logo")
    db.session.add(logo)
    db.session.flush()
    org.logo_id = logo.id
    target = world.make_member(org, Role.RESPONDENT)
    membership = db.session.query(Membership).filter_by(user_id=target.id, org_id=org.id).one()
    invitee = User(email=f"invitee@{org.slug}.example", name="Invitee")
    db.session.add(invitee)
    db.session.flush()
    invitation = Invitation(org_id=org.id, user_id=invitee.id, email=invitee.email, role=Role.VIEWER)
    db.session.add(invitation)
    db.session.flush()
    return {"membership": membership.id, "invitation": invitation.id}


ACCESS = {
    "org.overview": Access(READ),
    "org.logo": Access(READ),
    "org.settings": Access(MANAGE),
    "org.members": Access(MANAGE),
    "org.member_role": Access(MANAGE, "POST", args=lambda ids: {"membership_id": ids["membership"]},
                              data=lambda ids: {"role": "viewer"}),
    "org.member_remove": Access(MANAGE, "POST", args=lambda ids: {"membership_id": ids["membership"]}),
    "org.invitation_revoke": Access(MANAGE, "POST", args=lambda ids: {"invitation_id": ids["invitation"]}),
}
