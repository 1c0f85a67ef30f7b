"""Access table for the report pages: every endpoint of the reports blueprint."""
from sqlalchemy import select

from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.orgs.models import ANSWER, READ
from tests.access import Access
from tests.cycles.helpers import make_cycle


def build(org, world) -> dict[str, int]:
    """A closed cycle: another feature's if there is one, else an early one of our own.

    Cycles close in period order, so ours is the earliest quarter any access table uses.
    """
    existing = db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.status == "closed")
                                 .order_by(Cycle.period).limit(1))
    if existing is not None:
        return {"report_cycle": existing.id}
    members = [user for (key, role), user in world.members.items()
               if world.orgs[key].id == org.id and role in ANSWER]
    closed = make_cycle(org, "2023-Q1", status="closed",
                        respondents=[(u, "leadership") for u in members])
    return {"report_cycle": closed.id}


def _closed(ids):
    return {"cycle_id": ids["report_cycle"]}


ACCESS = {
    "reports.index": Access(READ),
    "reports.show": Access(READ, args=_closed),
    "reports.pdf": Access(READ, args=_closed),
}
