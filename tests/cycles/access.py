"""Access table for the cycle pages: every endpoint of the cycles blueprint."""
from cxgov.cycles import services
from cxgov.extensions import db
from cxgov.orgs.models import ANSWER, MANAGE, READ, Role
from tests.access import Access
from tests.cycles.helpers import make_cycle


def build(org, world) -> dict[str, int]:
    """A draft, an open and a closed cycle; every answering member is a respondent of the open one."""
    members = [user for (key, role), user in world.members.items()
               if world.orgs[key].id == org.id and role in ANSWER]
    closed = make_cycle(org, "2026-Q2", status="closed",
                        respondents=[(u, "leadership") for u in members])
    draft = make_cycle(org, "2026-Q3", status="draft")
    opened = make_cycle(org, "2026-Q4", status="open", respondents=[(u, "front_line") for u in members])
    extra = world.make_member(org, Role.RESPONDENT)
    removable = services.respondent_invite(cycle=opened, org=org, user_id=extra.id, group="management")
    linked = services.respondent_add_external(cycle=opened, org=org, name="No Account",
                                              email=f"no-account-{org.slug}@example.com", group="front_line")
    db.session.flush()
    return {"cycle_closed": closed.id, "cycle_draft": draft.id, "cycle_open": opened.id,
            "respondent": removable.id, "linked": linked.id}


def _open(ids):
    return {"cycle_id": ids["cycle_open"]}


ACCESS = {
    "cycles.index": Access(READ),
    "cycles.new": Access(MANAGE),
    "cycles.history": Access(READ),
    "cycles.respondents": Access(MANAGE, args=_open),
    "cycles.respondent_remove": Access(MANAGE, "POST", args=lambda ids: {
        "cycle_id": ids["cycle_open"], "respondent_id": ids["respondent"]}),
    "cycles.due": Access(MANAGE, "POST", args=_open, data=lambda ids: {"due_date": "2026-12-20"}),
    "cycles.remind": Access(MANAGE, "POST", args=_open),
    "cycles.invite": Access(MANAGE, "POST", args=_open),
    "cycles.respondent_link": Access(MANAGE, "POST", args=lambda ids: {
        "cycle_id": ids["cycle_open"], "respondent_id": ids["linked"]}),
    "cycles.respondent_link_revoke": Access(MANAGE, "POST", args=lambda ids: {
        "cycle_id": ids["cycle_open"], "respondent_id": ids["linked"]}),
    "cycles.reminder_schedule": Access(MANAGE, "POST", args=_open, data=lambda ids: {"days": "7, 2"}),
    "cycles.targets": Access(MANAGE, args=_open),
    "cycles.open_cycle": Access(MANAGE, "POST", args=lambda ids: {"cycle_id": ids["cycle_draft"]}),
    "cycles.close": Access(MANAGE, "POST", args=_open),
    "cycles.answer": Access(ANSWER, args=_open),
    "cycles.answer_save": Access(ANSWER, "POST", args=_open,
                                 data=lambda ids: {"practice_id": "A1", "choice": "3", "version": "0"}),
    "cycles.submit": Access(ANSWER, "POST", args=_open, data=lambda ids: {"confirm_gaps": "y"}),
    "cycles.dashboard": Access(READ, args=_open),
    "cycles.practice": Access(READ, args=lambda ids: {"cycle_id": ids["cycle_closed"], "practice_id": "A1"}),
    "cycles.export": Access(READ, args=lambda ids: {"cycle_id": ids["cycle_closed"], "fmt": "xlsx"}, query={"lang": "sv"}),
}
