"""The consultant's portfolio page and its XLSX export (not organisation-scoped: it spans clients)."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user, login_required

from ..i18n import rendering_in, report_language
from ..orgs.models import Organisation, Role
from .export import portfolio_xlsx
from .selectors import ATTENTION_REASONS, SORTS, attention_label, portfolio_rows, portfolio_view

bp = Blueprint("portfolio", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _params() -> dict:
    sort = request.args.get("sort", "name")
    return {
        "sort": sort if sort in SORTS else "name",
        "desc": request.args.get("dir") == "desc",
        "industry": (request.args.get("industry") or "").strip()[:120],
        "attention_only": request.args.get("attention") == "1",
    }


def portfolio_page(
    others: list[tuple[Organisation, Role]] | None = None, pending_invitations: int = 0
) -> ResponseReturnValue:
    """Render the portfolio of the current consultant (also the consultant's home page).

    ``others`` are the organisations the consultant belongs to in another role (linked below).
    """
    rows = portfolio_rows(current_user, lang=str(get_locale() or "en"))
    params = _params()
    shown = portfolio_view(rows, **params)
    industries = sorted({r.industry for r in rows if r.industry}, key=str.lower)
    return render_template(
        "portfolio/index.html",
        rows=shown,
        total=len(rows),
        params=params,
        industries=industries,
        reasons=ATTENTION_REASONS,
        attention_label=attention_label,
        attention_count=sum(1 for r in rows if r.attention),
        others=others or [],
        pending_invitations=pending_invitations,
    )


@bp.route("/portfolio")
@login_required
def index() -> ResponseReturnValue:
    """Every client at a glance: index, open cycle, register health, actions, reports."""
    if not current_user.is_consultant:
        abort(403)
    return portfolio_page()


@bp.route("/portfolio.xlsx")
@login_required
def export() -> ResponseReturnValue:
    """The portfolio as shown (same filter and order) as an XLSX file, in ``?lang=`` (default: the page's)."""
    if not current_user.is_consultant:
        abort(403)
    with rendering_in(report_language(request.args.get("lang") or None, str(get_locale() or "en"))) as lang:
        data = portfolio_xlsx(portfolio_view(portfolio_rows(current_user, lang=lang), **_params()))
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"portfolio-{date.today().isoformat()}.xlsx",
    )
