"""Report pages: the list of cycles, a cycle's report in the browser, and its PDF.

Closed cycles' reports are open to every member (READ); a cycle that is still running shows
live aggregates, which only sponsors and consultants (MANAGE) see, as on the dashboard.
"""
from __future__ import annotations

import io

from flask import abort, render_template, send_file

from ..audit import security_event
from ..cycles import services as cycle_services
from ..cycles.models import Cycle
from ..extensions import db
from ..orgs.models import MANAGE, READ
from ..tenancy import current_org, current_role, org_blueprint, org_get, roles_required
from .render import report_vars
from .selectors import report_context_for_cycle
from .services import report_pdf_get

bp = org_blueprint("reports", __name__, url_prefix="/reports")


def _can_manage() -> bool:
    return current_role() in MANAGE


def _readable_cycle(cycle_id: int) -> Cycle:
    cycle = org_get(Cycle, cycle_id)
    if not cycle.is_closed and not _can_manage():
        abort(403)
    return cycle


@bp.route("/")
@roles_required(READ)
def index():
    """List the organisation's cycles with their report, PDF and XLSX links."""
    org = current_org()
    cycles = cycle_services.cycles_for_org(org)
    return render_template("reports/index.html", cycles=cycles, can_manage=_can_manage())


@bp.route("/<int:cycle_id>")
@roles_required(READ)
def show(cycle_id: int):
    """Show a cycle's gap report in the browser (the same sections as the PDF)."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    context = report_context_for_cycle(org, cycle)
    return render_template("reports/report.html", cycle=cycle, **report_vars(context))


@bp.route("/<int:cycle_id>/report.pdf")
@roles_required(READ)
def pdf(cycle_id: int):
    """Download a cycle's gap report as PDF, from the cache when nothing changed."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    outcome = report_pdf_get(org=org, cycle=cycle)
    security_event("export", detail=f"report pdf {cycle.period}" + (" (cached)" if outcome.cached else ""))
    db.session.commit()
    response = send_file(io.BytesIO(outcome.pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"{org.slug}-{cycle.period}-report.pdf", etag=outcome.context_hash)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
