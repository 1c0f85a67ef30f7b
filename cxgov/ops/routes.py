"""Organisation export (a download on the settings page) and import (a page for consultants)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import log_text, security_event
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Role
from ..tenancy import current_org, org_blueprint, roles_required
from .forms import OrgImportForm
from .transfer import TransferError, org_export, org_file_read, org_import

#: Moving a whole client organisation is the consultant's job.
CONSULTANT = frozenset({Role.CONSULTANT})

org_transfer_bp = org_blueprint("transfer", __name__, url_prefix="/transfer")
transfer_bp = Blueprint("transfer_import", __name__)


@org_transfer_bp.route("/export")
@roles_required(CONSULTANT)
def export() -> ResponseReturnValue:
    """Download the organisation completely as one .cxgov.json.gz file."""
    org = current_org()
    data = org_export(org=org)
    name = f"{org.slug}-{utcnow():%Y%m%d-%H%M}.cxgov.json.gz"
    return send_file(io.BytesIO(data), mimetype="application/gzip", as_attachment=True, download_name=name)


@transfer_bp.route("/orgs/import", methods=["GET", "POST"])
def import_org() -> ResponseReturnValue:
    """A consultant creates an organisation from another installation's export file."""
    if not current_user.is_consultant:
        security_event("permission_denied", result="refused", detail="import_org")
        abort(403)
    form = OrgImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            payload = org_file_read(upload.read())
            result = org_import(payload=payload, slug=form.slug.data or None, by=current_user._get_current_object())
        except TransferError as error:
            db.session.rollback()
            security_event("org_import", result="refused", detail=f"{upload.filename}: {log_text(error)}")
            form.file.errors = [str(error)]
        else:
            db.session.commit()
            return render_template(
                "ops/import_done.html", result=result, message=_("%(name)s was imported.", name=result.org.name)
            )
    return render_template("ops/import.html", form=form)
