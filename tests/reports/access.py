"""Access table for the report pages: every endpoint of the reports blueprint."""
from sqlalchemy import select

from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.orgs.models import ANSWER, MANAGE, READ
from tests.access import Access
from tests.cycles.helpers import make_cycle


def build(org, world) -> dict[str, int]:
    """A closed cycle: another feature's if there is one, else an early one of our own.

    Cycles close in period order, so ours is the earliest quarter any access table uses.
    """
    closed = db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.status == "closed")
                               .order_by(Cycle.period).limit(1))
    if closed is None:
        members = [user for (key, role), user in world.members.items()
                   if world.orgs[key].id == org.id and role in ANSWER]
        closed = make_cycle(org, "2023-Q1", status="closed",
                            respondents=[(u, "leadership") for u in members])
    # Version 1 of its report, so the version pages have something to serve.
    from cxgov.reports.versions import report_version_issue

    report_version_issue(org=org, cycle=closed, by=None)
    db.session.flush()
    return {"report_cycle": closed.id}


def _version(ids):
    return {"cycle_id": ids["report_cycle"], "number": 1}


def _closed(ids):
    return {"cycle_id": ids["report_cycle"]}


ACCESS = {
    "reports.index": Access(READ),
    "reports.show": Access(READ, args=_closed),
    "reports.pdf": Access(READ, args=_closed),
    "reports.docx": Access(READ, args=_closed),
    "reports.edit": Access(MANAGE, args=_closed),
    "reports.issue": Access(MANAGE, "POST", args=_closed),
    "reports.version": Access(READ, args=_version),
    "reports.version_pdf": Access(READ, args=_version),
    "reports.version_status": Access(READ, args=_version),
    "reports.version_docx": Access(READ, args=_version),
}
