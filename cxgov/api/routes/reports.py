"""Gap reports over the API: which exist, issued versions, and the PDF and Word files.

The files are the ones the report pages serve (:mod:`cxgov.reports`): the live report through
its PDF cache, an issued version's stored bytes. Like the pages, a report of a cycle that is
not closed is for sponsors and consultants, who get the draft with their own words.
"""

from __future__ import annotations

import io
from typing import Any

from flask import g, send_file
from marshmallow import Schema, fields

from ...audit import security_event
from ...cycles import services as cycle_services
from ...cycles.models import Cycle
from ...extensions import db
from ...orgs.models import MANAGE, READ
from ...reports.selectors import report_context_for_cycle
from ...reports.services import report_pdf_get
from ...reports.versions import (
    draft_narrative,
    file_etag,
    report_draft_context,
    report_draft_get,
    report_version_get,
    report_version_render,
    report_versions,
)
from ...reports.word import report_docx
from ...tenancy import org_get
from ..auth import api_access
from ..blueprint import api_blueprint
from ..problems import ApiProblem
from .common import ID

bp = api_blueprint("reports", __name__, "/reports", description="Gap reports, issued versions, PDF and Word.")

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Issued version numbers are small; bounded so a path never overflows the database's integer.
NUMBER = "int(min=1, max=100000)"


class VersionSchema(Schema):
    number = fields.Integer(required=True)
    issued_at = fields.DateTime(required=True)
    pdf_ready = fields.Boolean(required=True, metadata={"description": "False while the PDF is being laid out"})


class ReportSchema(Schema):
    cycle_id = fields.Integer(required=True)
    period = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "The cycle's status"})
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema), required=True)


def _manages() -> bool:
    return g.membership.role in MANAGE


def _readable_cycle(cycle_id: int) -> Cycle:
    cycle = org_get(Cycle, cycle_id)
    if not cycle.is_closed and not _manages():
        raise ApiProblem(403, "The report of a cycle that is not closed is for sponsors and consultants.")
    return cycle


def _report(cycle: Cycle) -> dict[str, Any]:
    return {
        "cycle_id": cycle.id,
        "period": cycle.period,
        "status": cycle.status,
        "versions": [
            {"number": v.number, "issued_at": v.issued_at, "pdf_ready": v.pdf is not None}
            for v in report_versions(org=g.org, cycle=cycle)
        ],
    }


def _file(data: bytes, mimetype: str, name: str, etag: str) -> Any:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, etag=etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("")
@api_access(READ)
@bp.response(200, ReportListSchema)
def report_list() -> dict[str, Any]:
    """List the reports this member may read (closed cycles; every cycle for sponsors and consultants)."""
    cycles = [c for c in cycle_services.cycles_for_org(g.org) if c.is_closed or _manages()]
    return {"items": [_report(c) for c in cycles]}


@bp.route(f"/<{ID}:cycle_id>")
@api_access(READ)
@bp.response(200, ReportSchema)
def report_read(cycle_id: int) -> dict[str, Any]:
    """One cycle's report and its issued versions."""
    return _report(_readable_cycle(cycle_id))


@bp.route(f"/<{ID}:cycle_id>/report.pdf")
@api_access(READ)
@bp.response(200, description="The live gap report as PDF", content_type="application/pdf")
def report_pdf(cycle_id: int) -> Any:
    """Download the cycle's gap report as PDF (the draft, with its words, for sponsors and consultants)."""
    cycle = _readable_cycle(cycle_id)
    narrative = draft_narrative(report_draft_get(org=g.org, cycle=cycle)) if _manages() else None
    outcome = report_pdf_get(org=g.org, cycle=cycle, narrative=narrative)
    security_event("export", detail=f"api report pdf {cycle.period}")
    name = f"{g.org.slug}-{cycle.period}-report.pdf"  # before the commit expires (and would reload) the cycle
    db.session.commit()
    return _file(outcome.pdf, "application/pdf", name, outcome.context_hash)


@bp.route(f"/<{ID}:cycle_id>/report.docx")
@api_access(READ)
@bp.response(200, description="The live gap report as a Word file", content_type=DOCX_TYPE)
def report_word(cycle_id: int) -> Any:
    """Download the cycle's gap report as a Word file."""
    cycle = _readable_cycle(cycle_id)
    context = report_draft_context(org=g.org, cycle=cycle) if _manages() else report_context_for_cycle(g.org, cycle)
    data = report_docx(context)
    security_event("export", detail=f"api report docx {cycle.period}")
    return _file(data, DOCX_TYPE, f"{g.org.slug}-{cycle.period}-report.docx", file_etag(data))


def _version(cycle_id: int, number: int) -> tuple[Cycle, Any]:
    cycle = _readable_cycle(cycle_id)
    issued = report_version_get(org=g.org, cycle=cycle, number=number)
    if issued is None:
        raise ApiProblem(404)
    return cycle, issued


@bp.route(f"/<{ID}:cycle_id>/versions/<{NUMBER}:number>/report.pdf")
@api_access(READ)
@bp.response(200, description="The issued version's PDF", content_type="application/pdf")
def version_pdf(cycle_id: int, number: int) -> Any:
    """Download an issued version's PDF (laid out now if the background rendering has not finished)."""
    cycle, issued = _version(cycle_id, number)
    if issued.pdf is None:  # a program cannot wait on a "being laid out" page: lay it out now
        report_version_render(version=issued)
        db.session.commit()
        if issued.pdf is None:
            raise ApiProblem(503, "The PDF of this version could not be laid out.", headers={"Retry-After": "60"})
    security_event("export", detail=f"api report pdf {cycle.period} v{number}")
    return _file(
        issued.pdf, "application/pdf", f"{g.org.slug}-{cycle.period}-report-v{number}.pdf", file_etag(issued.pdf)
    )


@bp.route(f"/<{ID}:cycle_id>/versions/<{NUMBER}:number>/report.docx")
@api_access(READ)
@bp.response(200, description="The issued version's Word file", content_type=DOCX_TYPE)
def version_word(cycle_id: int, number: int) -> Any:
    """Download an issued version's Word file (stored when it was issued)."""
    cycle, issued = _version(cycle_id, number)
    security_event("export", detail=f"api report docx {cycle.period} v{number}")
    data = issued.docx or b""
    return _file(data, DOCX_TYPE, f"{g.org.slug}-{cycle.period}-report-v{number}.docx", file_etag(data))
