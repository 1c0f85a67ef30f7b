"""Access table for the action plan: every endpoint of the actions blueprint."""
from cxgov.actions import services
from cxgov.extensions import db
from cxgov.orgs.models import EDIT_REGISTER, MANAGE, READ
from tests.access import Access
from tests.actions.helpers import person, scored_cycle


def build(org, world) -> dict[str, int]:
    """A closed cycle with a gap at A2, a sponsor in the register, and one action."""
    cycle = scored_cycle(org, "2024-Q1", {"A2": 2, "B3": 2})
    sponsor = person(org, "Sponsor", role="cx_sponsor")
    action = services.action_create(org=org, by=None, title="Write the outer-loop charter", practice_id="A2",
                                    owner=sponsor, source_cycle=cycle)
    db.session.flush()
    return {"action_cycle": cycle.id, "action": action.id, "action_person": sponsor.id}


def _action(ids):
    return {"action_id": ids["action"]}


ACCESS = {
    "actions.index": Access(READ),
    "actions.detail": Access(READ, args=_action),
    "actions.create": Access(MANAGE),
    "actions.create_from_gap": Access(MANAGE, "POST", args=lambda ids: {"cycle_id": ids["action_cycle"],
                                                                        "practice_id": "B3"}),
    "actions.edit": Access(MANAGE, args=_action),
    "actions.note_add": Access(EDIT_REGISTER, "POST", args=_action, data=lambda ids: {"text": "Kick-off held."}),
    "actions.export": Access(READ, query={"format": "csv", "lang": "da"}),
    "actions.followup": Access(READ, args=lambda ids: {"cycle_id": ids["action_cycle"]}),
}
