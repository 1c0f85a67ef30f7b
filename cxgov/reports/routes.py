"""Report pages: the list of cycles, a cycle's report in the browser, and its PDF.

Closed cycles' reports are open to every member (READ); a cycle that is still running shows
live aggregates, which only sponsors and consultants (MANAGE) see, as on the dashboard.
"""

from __future__ import annotations

import io

from flask import Response, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask.typing import ResponseReturnValue

from ..audit import security_event
from ..cycles import services as cycle_services
from ..cycles.models import Cycle
from ..extensions import db
from ..i18n import available_languages, rendering_in, report_language
from ..orgs.models import MANAGE, READ, Organisation
from ..tenancy import current_org, current_role, org_blueprint, org_get, roles_required
from .background import report_pdf_render_soon
from .context import ReportContext
from .models import ReportVersion
from .narrative import KEY_MESSAGES
from .render import report_vars
from .roadmap import MAX_PER_QUARTER
from .selectors import report_context_for_cycle
from .services import report_pdf_get
from .versions import (
    ReportError,
    draft_narrative,
    file_etag,
    report_draft_context,
    report_draft_get,
    report_draft_save,
    report_version_get,
    report_version_issue,
    report_version_pdf_state,
    report_version_render,
    report_versions,
    version_context,
)
from .word import report_docx

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
def index() -> ResponseReturnValue:
    """List the organisation's cycles with their report, PDF and XLSX links."""
    org = current_org()
    cycles = cycle_services.cycles_for_org(org)
    return render_template("reports/index.html", cycles=cycles, can_manage=_can_manage())


def _lang(org: Organisation) -> str:
    """Return the language this report is asked for (``?lang=``), else the organisation's."""
    return report_language(request.values.get("lang") or None, org.language)


def _live_context(org: Organisation, cycle: Cycle) -> ReportContext:
    """The draft (with the consultant's words) for those who edit it; the plain live report otherwise."""
    if _can_manage():
        return report_draft_context(org=org, cycle=cycle, lang=_lang(org))
    return report_context_for_cycle(org, cycle, lang=_lang(org))


def _render_report(
    cycle: Cycle, versions: list[ReportVersion], version: ReportVersion | None, context: ReportContext
) -> str:
    """Render the report page in the report's own language, so ``<html lang>`` is the text's."""
    with rendering_in(context.language):
        return render_template(
            "reports/report.html",
            cycle=cycle,
            versions=versions,
            version=version,
            report_languages=available_languages(),
            **report_vars(context),
        )


@bp.route("/<int:cycle_id>")
@roles_required(READ)
def show(cycle_id: int) -> ResponseReturnValue:
    """Show a cycle's report: the draft to its editors, the latest issued version to everyone else."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    versions = report_versions(org=org, cycle=cycle)
    if versions and not _can_manage():
        return redirect(url_for("reports.version", cycle_id=cycle.id, number=versions[0].number))
    return _render_report(cycle, versions, None, _live_context(org, cycle))


@bp.route("/<int:cycle_id>/edit", methods=["GET", "POST"])
@roles_required(MANAGE)
def edit(cycle_id: int) -> ResponseReturnValue:
    """Edit the draft's words: summary, key messages, a comment per gap, roadmap pace."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    context = report_draft_context(org=org, cycle=cycle)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            per_quarter = int(form.get("per_quarter", "3"))
        except ValueError:
            per_quarter = 0
        try:
            report_draft_save(
                org=org,
                cycle=cycle,
                by=current_user,
                summary=form.get("summary", ""),
                key_messages=[form.get(f"message_{i}", "") for i in range(1, KEY_MESSAGES + 1)],
                gap_comments={g.practice_id: form.get(f"comment_{g.practice_id}", "") for g in context.gaps},
                per_quarter=per_quarter,
            )
        except ReportError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The draft is saved."), "success")
            return redirect(url_for("reports.show", cycle_id=cycle.id))
    draft = report_draft_get(org=org, cycle=cycle)
    comments = dict(draft.gap_comments or {}) if draft else {}
    values = request.form if request.method == "POST" else None
    return render_template(
        "reports/edit.html",
        cycle=cycle,
        r=context,
        draft=draft,
        comments=comments,
        values=values,
        error=error,
        key_messages=KEY_MESSAGES,
        max_per_quarter=MAX_PER_QUARTER,
    ), (422 if error else 200)


@bp.route("/<int:cycle_id>/issue", methods=["POST"])
@roles_required(MANAGE)
def issue(cycle_id: int) -> ResponseReturnValue:
    """Issue the draft as the next numbered version; its PDF is laid out right after."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    try:
        version = report_version_issue(org=org, cycle=cycle, by=current_user, lang=_lang(org))
    except ReportError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("reports.show", cycle_id=cycle.id))
    version_id, number = version.id, version.number
    security_event("export", detail=f"report {cycle.period} issued v{number}")
    db.session.commit()
    report_pdf_render_soon(version_id)
    flash(_("Version %(n)d is issued. Its PDF is being laid out.", n=number), "success")
    return redirect(url_for("reports.version", cycle_id=cycle_id, number=number))


def _version_or_404(org: Organisation, cycle: Cycle, number: int) -> ReportVersion:
    version = report_version_get(org=org, cycle=cycle, number=number)
    if version is None:
        abort(404)
    return version


@bp.route("/<int:cycle_id>/v<int:number>")
@roles_required(READ)
def version(cycle_id: int, number: int) -> ResponseReturnValue:
    """Show an issued version exactly as it was issued."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    issued = _version_or_404(org, cycle, number)
    return _render_report(cycle, report_versions(org=org, cycle=cycle), issued, version_context(issued))


@bp.route("/<int:cycle_id>/v<int:number>/status")
@roles_required(READ)
def version_status(cycle_id: int, number: int) -> ResponseReturnValue:
    """Say whether an issued version's PDF is ready: {"pdf": "ready" | "pending" | "failed"}.

    The version page asks this every second while its PDF is laid out and reloads itself once
    when the answer changes; it used to reload (and render) the whole report every 3 s.
    """
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    state = report_version_pdf_state(org=org, cycle=cycle, number=number)
    if state is None:
        abort(404)
    response = jsonify(pdf=state)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:cycle_id>/v<int:number>/report.pdf")
@roles_required(READ)
def version_pdf(cycle_id: int, number: int) -> ResponseReturnValue:
    """Download an issued version's PDF: the stored bytes, or a page saying it is being laid out."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    issued = _version_or_404(org, cycle, number)
    if issued.pdf is None and request.args.get("wait") != "1":
        return render_template("reports/pending.html", cycle=cycle, version=issued), 202
    if issued.pdf is None:  # the background render was lost (restart): lay it out now
        report_version_render(version=issued)
        db.session.commit()
        if issued.pdf is None:
            abort(500)
    security_event("export", detail=f"report pdf {cycle.period} v{number}")
    db.session.commit()
    return _download(issued.pdf, "application/pdf", f"{org.slug}-{cycle.period}-report-v{number}.pdf")


@bp.route("/<int:cycle_id>/v<int:number>/report.docx")
@roles_required(READ)
def version_docx(cycle_id: int, number: int) -> ResponseReturnValue:
    """Download an issued version's Word file (stored at issue)."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    issued = _version_or_404(org, cycle, number)
    security_event("export", detail=f"report docx {cycle.period} v{number}")
    db.session.commit()
    return _download(issued.docx or b"", DOCX_TYPE, f"{org.slug}-{cycle.period}-report-v{number}.docx")


@bp.route("/<int:cycle_id>/report.docx")
@roles_required(READ)
def docx(cycle_id: int) -> ResponseReturnValue:
    """Download the current report (the draft for its editors) as a Word file."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    data = report_docx(_live_context(org, cycle))
    security_event("export", detail=f"report docx {cycle.period}")
    db.session.commit()
    return _download(data, DOCX_TYPE, f"{org.slug}-{cycle.period}-report.docx")


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, etag=file_etag(data)
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/<int:cycle_id>/report.pdf")
@roles_required(READ)
def pdf(cycle_id: int) -> ResponseReturnValue:
    """Download a cycle's gap report as PDF, from the cache when nothing changed."""
    org = current_org()
    cycle = _readable_cycle(cycle_id)
    narrative = draft_narrative(report_draft_get(org=org, cycle=cycle)) if _can_manage() else None
    outcome = report_pdf_get(org=org, cycle=cycle, narrative=narrative, lang=_lang(org))
    security_event("export", detail=f"report pdf {cycle.period}" + (" (cached)" if outcome.cached else ""))
    # Named before the commit, which expires the rows: reading cycle.period after it would load
    # the cycle again with its framework snapshot (a fifth of a cached download).
    name = f"{org.slug}-{cycle.period}-report.pdf"
    db.session.commit()
    response = send_file(
        io.BytesIO(outcome.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
        etag=outcome.context_hash,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
