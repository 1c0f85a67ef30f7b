"""The framework library: every logged-in user reads it; consultants and admins upload.

Not organisation-scoped: the frameworks are shared by every client, and they hold no client
data. The login wall in ``cxgov.security`` keeps anonymous visitors out.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError

from ..audit import log_text, security_event
from ..extensions import db
from ..i18n import rendering_in, report_language
from .catalog import Catalog, framework_catalog_for_user
from .checks import OWNER_HINT_LABELS, REGISTER_CHECKS
from .crosswalk import crosswalk_build, crosswalk_workbook
from .export import framework_xlsx
from .forms import FrameworkUploadForm
from .model import Framework, language_of_part
from .services import MAX_UPLOAD_BYTES, FrameworkUploadError, framework_upload_create, safe_filename

bp = Blueprint("framework", __name__, url_prefix="/frameworks")


def can_upload() -> bool:
    """Tell whether the current user may upload frameworks (platform admins, consultants)."""
    return bool(current_user.is_authenticated and (current_user.is_admin or current_user.is_consultant))


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _export_lang() -> str:
    """Return an export's language: ``?lang=`` when it is one we have, else the page's."""
    return report_language(request.args.get("lang") or None, _lang())


def _framework_or_404(catalog: Catalog, key: str, version: str | None) -> Framework:
    framework = catalog.get(key, version)
    if framework is None:
        abort(404)
    return framework


@bp.route("/")
def library() -> ResponseReturnValue:
    """List the valid frameworks with their dimensions and practices; invalid ones for staff."""
    catalog = framework_catalog_for_user(current_user)
    frameworks = sorted(catalog.valid.values(), key=lambda f: (str(f.title).lower(), f.key))
    return render_template(
        "framework/library.html",
        catalog=catalog,
        frameworks=frameworks,
        lang=_lang(),
        show_invalid=can_upload(),
        can_upload=can_upload(),
    )


@bp.route("/<key>/")
@bp.route("/<key>/<version>/")
def framework(key: str, version: str | None = None) -> ResponseReturnValue:
    """One framework: its levels, stages, scoring options and every practice."""
    catalog = framework_catalog_for_user(current_user)
    fw = _framework_or_404(catalog, key, version)
    return render_template(
        "framework/framework.html",
        fw=fw,
        catalog=catalog,
        lang=_lang(),
        source=catalog.source(fw),
        versions=catalog.all_versions(key),
        checks=REGISTER_CHECKS,
    )


@bp.route("/<key>/<version>/practices/<practice_id>")
def practice(key: str, version: str, practice_id: str) -> ResponseReturnValue:
    """One practice: what good looks like, the five levels, next steps and evidence."""
    catalog = framework_catalog_for_user(current_user)
    fw = _framework_or_404(catalog, key, version)
    try:
        item = fw.practice(practice_id)
    except KeyError:
        abort(404)
    order = fw.practices
    index = order.index(item)
    return render_template(
        "framework/practice.html",
        fw=fw,
        practice=item,
        dimension=fw.dimension(item.dimension_key),
        lang=_lang(),
        checks=REGISTER_CHECKS,
        owner_labels={hint: _(label) for hint, label in OWNER_HINT_LABELS.items()},
        previous=order[index - 1] if index > 0 else None,
        following=order[index + 1] if index + 1 < len(order) else None,
    )


@bp.route("/<key>/<version>/export.xlsx")
def export_xlsx(key: str, version: str) -> ResponseReturnValue:
    """Download the framework as a spreadsheet for review with a client."""
    fw = _framework_or_404(framework_catalog_for_user(current_user), key, version)
    data = framework_xlsx(fw, lang=_export_lang())
    security_event("export", detail=f"framework {fw.key} {fw.version} xlsx")
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"{fw.key}-{fw.version}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/<key>/<version>/crosswalk/")
def crosswalk(key: str, version: str) -> ResponseReturnValue:
    """Practices per element of every reference model the framework declares, with coverage."""
    fw = _framework_or_404(framework_catalog_for_user(current_user), key, version)
    tables = [crosswalk_build(framework=fw, model_key=m.key, lang=_lang()) for m in fw.reference_models]
    return render_template("framework/crosswalk.html", fw=fw, tables=tables, lang=_lang())


@bp.route("/<key>/<version>/crosswalk/<model>.xlsx")
def crosswalk_xlsx(key: str, version: str, model: str) -> ResponseReturnValue:
    """Download one reference model's crosswalk as a spreadsheet (in ``?lang=``, else the page's language)."""
    fw = _framework_or_404(framework_catalog_for_user(current_user), key, version)
    with rendering_in(_export_lang()) as lang:
        try:
            table = crosswalk_build(framework=fw, model_key=model, lang=lang)
        except KeyError:
            abort(404)
        data = crosswalk_workbook(table)
    security_event("export", detail=f"crosswalk {fw.key} {fw.version} {table.model_key} xlsx")
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"{fw.key}-{fw.version}-{table.model_key}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/upload", methods=["GET", "POST"])
def upload() -> ResponseReturnValue:
    """Upload a framework YAML; every problem is shown on the form and nothing is saved."""
    if not can_upload():
        abort(403)
    form = FrameworkUploadForm()
    problems = []
    if form.validate_on_submit():
        file = request.files[form.file.name]  # FileRequired has checked it is there
        filename = safe_filename(file.filename or "")
        data = file.read(MAX_UPLOAD_BYTES + 1)
        try:
            stored, fw = framework_upload_create(data=data, filename=filename, by=current_user)
            db.session.commit()
        except FrameworkUploadError as error:
            db.session.rollback()
            problems = error.problems
            form.file.errors = [str(error)]
            security_event("framework_upload", result="refused", detail=f"{filename}: {log_text(error)}"[:500])
        except IntegrityError:  # another upload of the same key and version won the race
            db.session.rollback()
            form.file.errors = [
                _(
                    "This key and version were uploaded a moment ago by someone "
                    "else. Give your file a new version and upload it again."
                )
            ]
            security_event("framework_upload", result="refused", detail=f"{filename}: race")
        else:
            security_event("framework_upload", detail=f"{fw.key} {fw.version} {filename} sha256={fw.content_hash}")
            lang = _lang()
            # The title is interpolated as markup, so an untranslated (English) title keeps its
            # lang="en" inside the translated sentence (WCAG 3.1.2); the sentence itself is escaped.
            flash(
                Markup(escape(_("“%(title)s” version %(version)s is now in the library.")))
                % {"title": language_of_part(fw.title.get(lang), lang), "version": fw.version},
                "success",
            )
            return redirect(url_for("framework.framework", key=fw.key, version=fw.version))
    return render_template("framework/upload.html", form=form, problems=problems, max_kb=MAX_UPLOAD_BYTES // 1000)
