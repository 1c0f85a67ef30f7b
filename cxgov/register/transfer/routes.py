"""Register import and export pages, on the register blueprint.

Export is for everyone who can read the register; import is for register editors. An
import is uploaded, checked and previewed before anything is written: the file is kept in
the database (never in the browser) and the confirmation re-reads it and re-plans it against
the register as it is then. If the plan differs from the one the user saw, the new preview
is shown instead of applying; otherwise the whole plan is written in one transaction.
"""

from __future__ import annotations

import io
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ...audit import log_text, security_event
from ...extensions import db
from ...orgs.forms import EmptyForm
from ...orgs.models import EDIT_REGISTER, READ
from ...tenancy import current_org, org_get, roles_required
from . import services
from ..blueprint import bp
from .spreadsheet import MAX_FILE_BYTES, TABLE_BY_KEY, TABLES, SpreadsheetError
from .forms import ImportConfirmForm, ImportUploadForm
from .models import PendingImport

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/export")
@roles_required(READ)
def export() -> ResponseReturnValue:
    """The import/export page: downloads for everyone, the upload form for register editors."""
    return render_template("register/transfer/export.html", tables=TABLES, form=ImportUploadForm(formdata=None))


@bp.route("/export/register.xlsx")
@roles_required(READ)
def export_xlsx() -> ResponseReturnValue:
    """Download the whole register as one XLSX workbook, a sheet per table, sheet names in ``?lang=``."""
    org = current_org()
    data = services.register_export_xlsx(org=org, lang=request.args.get("lang") or None)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"{org.slug}-register-{date.today().isoformat()}.xlsx",
    )


@bp.route("/export/table.csv")
@roles_required(READ)
def export_csv() -> ResponseReturnValue:
    """Download one register table (``?table=touchpoints``) as CSV: UTF-8 with a BOM, commas."""
    table = request.args.get("table", "")
    if table not in TABLE_BY_KEY:
        abort(404)
    org = current_org()
    data = services.register_export_csv(org=org, table=table)
    return send_file(
        io.BytesIO(data),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{org.slug}-{table.replace('_', '-')}-{date.today().isoformat()}.csv",
    )


def _uploaded_bytes(form: ImportUploadForm) -> tuple[bytes, str]:
    """Return the upload's bytes (at most one byte over the limit) and its file name."""
    upload = form.file.data
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    return data, (upload.filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


@bp.route("/import", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def import_upload() -> ResponseReturnValue:
    """Upload a spreadsheet; a file with problems lists them all, a good one goes to the preview."""
    org = current_org()
    form = ImportUploadForm()
    if form.validate_on_submit():
        data, filename = _uploaded_bytes(form)
        try:
            checked = services.import_read(data=data, filename=filename, table=form.table.data or None)
        except SpreadsheetError as error:
            security_event("import", result="refused", detail=f"{filename[:100]}: {log_text(error)}")
            form.file.errors = [str(error)]
            return render_template("register/transfer/upload.html", form=form, tables=TABLES), 400
        plan = services.import_plan(org=org, checked=checked)
        if not plan.ok:
            security_event("import", result="refused", detail=f"{filename[:100]}: {len(plan.errors)} problems")
            return render_template(
                "register/transfer/problems.html",
                plan=plan,
                filename=filename,
                form=ImportUploadForm(formdata=None),
                tables=TABLES,
            ), 422
        pending = services.pending_create(
            org=org, by=current_user, data=data, filename=filename, table=form.table.data or ""
        )
        db.session.commit()
        return redirect(url_for("register.import_preview", pending_id=pending.id))
    status = 400 if request.method == "POST" else 200
    return render_template("register/transfer/upload.html", form=form, tables=TABLES), status


def _pending(pending_id: int, *, expired_ok: bool = False) -> PendingImport | None:
    """Return the organisation's open pending import, or None with a message saying why not.

    Every view of a pending import loads it here, through ``org_get``: another organisation's
    id answers 404. An upload that was imported or cancelled already (perhaps by a request
    running at the same time) or that expired answers a message, and nothing is changed.
    """
    pending = org_get(PendingImport, pending_id)
    if pending.state == "imported":
        flash(_("This file has already been imported; nothing was changed."), "info")
        return None
    if pending.state == "cancelled":
        flash(_("This import was cancelled; nothing was changed. Upload the file again to import it."), "info")
        return None
    if not expired_ok and services.pending_expired(pending):
        flash(_("That upload is more than a day old. Please upload the file again."), "warning")
        return None
    return pending


def _closed_meanwhile(pending_id: int) -> ResponseReturnValue:
    """Answer when another request closed the pending import first: roll back, say how it ended."""
    db.session.rollback()
    if _pending(pending_id, expired_ok=True) is not None:  # that request failed, so it is open again
        return redirect(url_for("register.import_preview", pending_id=pending_id))
    return redirect(url_for("register.import_upload"))


def _preview(pending: PendingImport, *, changed: bool = False, status: int = 200) -> ResponseReturnValue:
    """Render the preview of a pending import, or its problems, against the register as it is now."""
    try:
        plan = services.pending_plan(org=current_org(), pending=pending)
    except SpreadsheetError as error:  # the checks became stricter since the upload
        flash(str(error), "danger")
        return redirect(url_for("register.import_upload"))
    if not plan.ok:
        return render_template(
            "register/transfer/problems.html",
            plan=plan,
            filename=pending.filename,
            form=ImportUploadForm(formdata=None),
            tables=TABLES,
            register_changed=True,
        ), 422
    form = ImportConfirmForm(formdata=None, digest=plan.digest())
    return render_template(
        "register/transfer/preview.html",
        plan=plan,
        pending=pending,
        form=form,
        cancel_form=EmptyForm(),
        shown=services.plan_rows_for_display(plan),
        limit=services.PREVIEW_ROWS,
        changed=changed,
        tables=TABLES,
        display=services.display_value,
    ), status


@bp.route("/import/<int:pending_id>")
@roles_required(EDIT_REGISTER)
def import_preview(pending_id: int) -> ResponseReturnValue:
    """Show what the import will add, change and leave alone; nothing is written yet."""
    pending = _pending(pending_id)
    if pending is None:
        return redirect(url_for("register.import_upload"))
    return _preview(pending)


@bp.route("/import/<int:pending_id>/confirm", methods=["POST"])
@roles_required(EDIT_REGISTER)
def import_confirm(pending_id: int) -> ResponseReturnValue:
    """Apply the previewed import all-or-nothing, unless the register changed since the preview."""
    org = current_org()
    pending = _pending(pending_id)
    if pending is None:
        return redirect(url_for("register.import_upload"))
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return _preview(pending, status=400)
    try:
        plan = services.pending_plan(org=org, pending=pending)
    except SpreadsheetError as error:
        flash(str(error), "danger")
        return redirect(url_for("register.import_upload"))
    if not plan.ok or plan.digest() != form.digest.data:
        return _preview(pending, changed=True, status=409)
    filename = pending.filename
    try:
        # Closed first: a second confirmation racing this one waits here and then finds it closed.
        if not services.pending_close(pending=pending, state="imported"):
            return _closed_meanwhile(pending_id)
        batch = services.import_apply(org=org, plan=plan, by=current_user, filename=filename, sha256=pending.sha256)
        db.session.commit()
    except (services.ImportConflict, StaleDataError, IntegrityError):
        db.session.rollback()  # someone saved a row meanwhile: show the plan as it is now
        pending = _pending(pending_id)
        if pending is None:
            return redirect(url_for("register.import_upload"))
        return _preview(pending, changed=True, status=409)
    except services.ImportRefused as refused:
        db.session.rollback()  # the register's write path refused a row: name each one, nothing written
        for problem in refused.errors:
            flash(str(problem), "danger")
        return redirect(url_for("register.import_preview", pending_id=pending_id))
    flash(
        _(
            "Imported %(file)s: %(a)s added, %(c)s changed, %(s)s unchanged.",
            file=filename or _("the file"),
            a=batch.rows_added,
            c=batch.rows_changed,
            s=batch.rows_unchanged,
        ),
        "success",
    )
    return redirect(url_for("register.index"))


@bp.route("/import/<int:pending_id>/cancel", methods=["POST"])
@roles_required(EDIT_REGISTER)
def import_cancel(pending_id: int) -> ResponseReturnValue:
    """Forget an uploaded file without importing it."""
    pending = _pending(pending_id, expired_ok=True)
    if pending is not None and EmptyForm().validate_on_submit():
        if not services.pending_close(pending=pending, state="cancelled"):
            return _closed_meanwhile(pending_id)
        db.session.commit()
        flash(_("The import was cancelled; nothing was changed."), "info")
    return redirect(url_for("register.import_upload"))
