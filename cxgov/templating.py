"""Template globals and filters shared by every page and report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from .framework.model import Framework, language_of_part
from .framework.translations import shows_fallback
from .i18n import WEEK_LANGUAGES, available_languages, current_language, page_language, report_language
from .nav import has_endpoint, org_nav
from .numbers import fmt_number, fmt_signed
from .orgs.models import EDIT_REGISTER, MANAGE, Role


def init_templating(app: Flask) -> None:
    """Register template globals and filters."""

    @app.context_processor
    def inject_org_context() -> dict[str, Any]:
        org = getattr(g, "org", None)
        membership = getattr(g, "membership", None)
        role = membership.role if membership else None
        return {
            "org": org,
            "role": role,
            "can_manage": role in MANAGE,
            "can_edit_register": role in EDIT_REGISTER,
            "is_consultant": role == Role.CONSULTANT,
        }

    @app.template_filter("date")
    def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return "–"
        if isinstance(value, datetime):
            return format_datetime(value, fmt)
        return format_date(value, fmt)

    @app.template_filter("due")
    def due_filter(value: date | None) -> str:
        """An ISO due date, with its ISO week where a Nordic reader plans in weeks (2026-12-11, v. 50)."""
        if value is None:
            return ""
        if current_language() in WEEK_LANGUAGES:
            return _("%(date)s (week %(week)d)", date=value.isoformat(), week=value.isocalendar().week)
        return value.isoformat()

    app.add_template_filter(language_of_part, "language_of_part")

    # Every figure a page shows is rounded by cxgov.numbers, like the report and the CLI.
    app.add_template_filter(fmt_number, "num")
    app.add_template_filter(fmt_signed, "signed")

    app.jinja_env.globals.update(
        current_user=current_user,
        org_nav=org_nav,
        has_endpoint=has_endpoint,
        page_language=page_language,
        translation_note=translation_note,
        available_languages=available_languages,
        export_language=export_language,
    )


def export_language() -> str:
    """Return the language an export is made in when none is chosen: the organisation's, else the page's."""
    org = getattr(g, "org", None)
    return report_language(None, org.language if org is not None else None, page_language())


def translation_note(framework: Framework | None, practice_ids: Any = None) -> Markup:
    """Return the page's one short note that some framework text is shown in English, or nothing.

    ``practice_ids`` limits the check to the practices the page shows (e.g. one dimension).
    """
    if framework is None or not shows_fallback(framework, current_language(), practice_ids):
        return Markup("")
    return Markup('<p class="small text-muted mt-4 mb-0" data-testid="translation-note">{}</p>').format(
        _("Some framework text is not translated yet and is shown in English.")
    )
