"""Access table for the getting-started pages."""
from cxgov.orgs.models import MANAGE
from tests.access import Access

ACCESS = {
    "onboarding.templates": Access(MANAGE, "POST", data=lambda ids: {"template": "retail"}),
}
ACCESS.update({
    "onboarding.sponsor_to_register": Access(MANAGE, "POST", args=lambda ids: {"membership_id": ids["sponsor_member"]}),
    "onboarding.sponsor_to_member": Access(MANAGE, "POST", args=lambda ids: {"membership_id": ids["sponsor_member"]}),
})


def build(org, world) -> dict[str, int]:
    """A member with the sponsor role (their membership id)."""
    from cxgov.extensions import db
    from cxgov.orgs.models import Membership, Role
    from cxgov.auth.models import User

    user = User(email=f"sponsor-views@{org.slug}.example", name="Sponsor Views")
    db.session.add(user)
    db.session.flush()
    membership = Membership(user_id=user.id, org_id=org.id, role=Role.SPONSOR)
    db.session.add(membership)
    db.session.flush()
    return {"sponsor_member": membership.id}
