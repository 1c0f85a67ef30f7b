"""Report drafts and issued versions (services flush; the caller commits).

A closed cycle's report starts as a draft: the live numbers plus what the consultant wrote
(:class:`ReportDraft`). Issuing freezes it: the whole report context is stored as it is at
that moment, numbered v1, v2 ... per cycle, and its files are stored as bytes. The Word file
is written at once; the PDF is laid out just after, in the background
(:mod:`cxgov.reports.background`), because it takes most of a second.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from ..auth.models import User
from ..cycles.models import Cycle
from ..db import begin_writing
from ..extensions import db
from ..orgs.models import Organisation
from .context import Narrative, ReportContext, human_date
from .helper import render_report_pdf
from .models import ReportDraft, ReportVersion
from .narrative import KEY_MESSAGES, MAX_COMMENT, MAX_MESSAGE, MAX_SUMMARY
from .roadmap import MAX_PER_QUARTER
from .selectors import report_context_for_cycle
from .word import report_docx


class ReportError(ValueError):
    """A report cannot be saved or issued; the message says why, for the user."""


def report_draft_get(*, org: Organisation, cycle: Cycle) -> ReportDraft | None:
    """Return the cycle's draft, if anyone has edited it yet."""
    return db.session.scalar(select(ReportDraft).where(ReportDraft.org_id == org.id, ReportDraft.cycle_id == cycle.id))


def draft_narrative(draft: ReportDraft | None) -> Narrative:
    """Return the draft's words as the report context takes them."""
    if draft is None:
        return Narrative()
    return Narrative(
        summary=draft.summary or "",
        key_messages=tuple(draft.key_messages or ()),
        gap_comments=tuple(sorted((draft.gap_comments or {}).items())),
        per_quarter=draft.per_quarter or 3,
    )


def _clean(text: str, limit: int, what: str) -> str:
    """Return ``text`` trimmed; refuse control characters and overlong text (``what`` names the field)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        raise ReportError(_("%(field)s: remove the control characters.", field=what))
    if len(text) > limit:
        raise ReportError(
            ngettext(
                "%(field)s: at most %(num)d character (now %(now)d).",
                "%(field)s: at most %(num)d characters (now %(now)d).",
                limit,
                field=what,
                now=len(text),
            )
        )
    return text


def report_draft_save(
    *,
    org: Organisation,
    cycle: Cycle,
    by: User | None,
    summary: str,
    key_messages: list[str],
    gap_comments: dict[str, str],
    per_quarter: int,
) -> ReportDraft:
    """Save what the consultant wrote for the cycle's report; refuse bad input, changing nothing."""
    if cycle.org_id != org.id:
        raise ValueError("the cycle belongs to another organisation")
    summary = _clean(summary, MAX_SUMMARY, _("Summary"))
    messages = [_clean(m, MAX_MESSAGE, _("Key message")) for m in key_messages[:KEY_MESSAGES]]
    comments = {
        pid: _clean(text, MAX_COMMENT, _("Comment on %(practice)s", practice=pid)) for pid, text in gap_comments.items()
    }
    if not 1 <= per_quarter <= MAX_PER_QUARTER:
        raise ReportError(_("Steps per quarter: between 1 and %(max)d.", max=MAX_PER_QUARTER))
    draft = report_draft_get(org=org, cycle=cycle)
    if draft is None:
        draft = ReportDraft(org_id=org.id, cycle_id=cycle.id)
        db.session.add(draft)
    draft.summary = summary
    draft.key_messages = [m for m in messages if m]
    draft.gap_comments = {pid: text for pid, text in comments.items() if text}
    draft.per_quarter = per_quarter
    draft.updated_by_id = by.id if by is not None else None
    db.session.flush()
    return draft


def report_draft_context(
    *, org: Organisation, cycle: Cycle, today: date | None = None, lang: str | None = None
) -> ReportContext:
    """Return the draft report in ``lang`` (default: the organisation's): live numbers, the consultant's words."""
    return report_context_for_cycle(
        org, cycle, today=today, lang=lang, narrative=draft_narrative(report_draft_get(org=org, cycle=cycle))
    )


def report_versions(*, org: Organisation, cycle: Cycle) -> list[ReportVersion]:
    """Return the cycle's issued versions, newest first."""
    return list(
        db.session.scalars(
            select(ReportVersion)
            .where(ReportVersion.org_id == org.id, ReportVersion.cycle_id == cycle.id)
            .order_by(ReportVersion.number.desc())
        )
    )


def report_version_get(*, org: Organisation, cycle: Cycle, number: int) -> ReportVersion | None:
    """Return version ``number`` of the cycle's report, if it was issued."""
    return db.session.scalar(
        select(ReportVersion).where(
            ReportVersion.org_id == org.id, ReportVersion.cycle_id == cycle.id, ReportVersion.number == number
        )
    )


#: What :func:`report_version_pdf_state` answers about an issued version's PDF.
PDF_READY, PDF_PENDING, PDF_FAILED = "ready", "pending", "failed"


def report_version_pdf_state(*, org: Organisation, cycle: Cycle, number: int) -> str | None:
    """Return whether version ``number``'s PDF is ready, pending or failed (None: no such version).

    Reads two small facts, not the row: the version page asks this every second while the PDF is
    laid out, and the row holds the PDF, the Word file and the whole report context.
    """
    row = db.session.execute(
        select(ReportVersion.pdf.is_not(None), ReportVersion.pdf_error).where(
            ReportVersion.org_id == org.id, ReportVersion.cycle_id == cycle.id, ReportVersion.number == number
        )
    ).first()
    if row is None:
        return None
    has_pdf, error = row
    return PDF_READY if has_pdf else PDF_FAILED if error else PDF_PENDING


def version_context(version: ReportVersion) -> ReportContext:
    """Return the context exactly as it was issued."""
    return ReportContext.from_dict(version.context)


def report_version_issue(
    *, org: Organisation, cycle: Cycle, by: User | None, now: datetime | None = None, lang: str | None = None
) -> ReportVersion:
    """Freeze the draft as the next version (numbers, text and Word file); the PDF follows.

    The version is issued in ``lang`` (default: the organisation's) and keeps that language:
    its stored context, Word file and later PDF are all in it.
    """
    if cycle.org_id != org.id:
        raise ValueError("the cycle belongs to another organisation")
    if not cycle.is_closed:
        raise ReportError(_("Close the cycle before issuing its report: its numbers are still changing."))
    now = now or datetime.now(UTC)
    number = (
        db.session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.cycle_id == cycle.id)) or 0
    ) + 1
    context = report_draft_context(org=org, cycle=cycle, today=now.date(), lang=lang)
    context = replace(context, status="issued", version=number, issued_on=human_date(now, context.language))

    version = ReportVersion(
        org_id=org.id,
        cycle_id=cycle.id,
        number=number,
        issued_at=now,
        issued_by_id=by.id if by is not None else None,
        context=context.to_dict(),
        context_hash=context.context_hash(),
        docx=report_docx(context),
        pdf=None,
        pdf_error="",
    )
    db.session.add(version)
    db.session.flush()
    return version


def report_version_render(*, version: ReportVersion) -> None:
    """Lay out the version's PDF from its stored context and keep the bytes (once).

    The read ends before the slow layout and the bytes go in with one UPDATE that starts
    its own transaction: on SQLite a read transaction may not turn into a write once
    another connection has written, and page requests write all the time.
    """
    if version.pdf is not None:
        return

    version_id = version.id
    context = version_context(version)
    begin_writing()  # end the read snapshot (commits nothing: callers have flushed nothing)
    pdf, error = None, ""
    try:
        pdf = render_report_pdf(context)
    except Exception as exc:  # kept for the page to show; the text and Word file stay issued
        error = f"{type(exc).__name__}: {exc}"[:300]
    db.session.execute(
        update(ReportVersion)
        .where(ReportVersion.id == version_id, ReportVersion.pdf.is_(None))
        .values(pdf=pdf, pdf_error=error)
    )
    db.session.expire(version)


def file_etag(data: bytes) -> str:
    """Return the strong ETag of a stored file."""
    return hashlib.sha256(data).hexdigest()
