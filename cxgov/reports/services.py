"""Report PDFs through the database cache (services flush; the caller commits)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from ..cycles.models import Cycle
from ..db import begin_writing
from ..extensions import db
from ..ops.limits import heavy_slot
from ..orgs.models import Organisation
from .context import Narrative
from .models import ReportPdfCache
from .helper import render_report_pdf
from .selectors import render_version, report_context_from, report_inputs, report_inputs_key


@dataclass(frozen=True)
class PdfOutcome:
    pdf: bytes
    context_hash: str
    cached: bool  #: True when no rendering was needed


def report_pdf_get(
    *,
    org: Organisation,
    cycle: Cycle,
    today: date | None = None,
    narrative: Narrative | None = None,
    lang: str | None = None,
) -> PdfOutcome:
    """Return the cycle's live report PDF in ``lang`` (default: the organisation's), cached by its inputs."""
    inputs = report_inputs(org, cycle, today=today, narrative=narrative, lang=lang)
    key = report_inputs_key(inputs)  # the draft's words are inputs too
    hit = db.session.execute(
        select(ReportPdfCache.pdf, ReportPdfCache.context_hash)
        .where(ReportPdfCache.cycle_id == cycle.id, ReportPdfCache.inputs_key == key)
        .limit(1)
    ).first()
    if hit is not None:
        return PdfOutcome(pdf=hit.pdf, context_hash=hit.context_hash, cached=True)
    context = report_context_from(inputs)
    # Inputs can change and change back (an edit undone): this hash still matches. It holds the
    # render version too, so a deploy that changes how a report is drawn never reuses an old PDF.
    context_hash = hashlib.sha256(f"{context.context_hash()}:{render_version()}".encode()).hexdigest()
    same = db.session.scalar(
        select(ReportPdfCache.pdf)
        .where(ReportPdfCache.cycle_id == cycle.id, ReportPdfCache.context_hash == context_hash)
        .limit(1)
    )
    if same is not None:
        pdf = same
    else:
        with heavy_slot():  # at most cores-1 renders per host, so pages keep a core
            pdf = render_report_pdf(context)
    begin_writing()  # this runs in a GET: end the read transaction, then take the write lock
    db.session.execute(delete(ReportPdfCache).where(ReportPdfCache.cycle_id == cycle.id))
    db.session.add(ReportPdfCache(org_id=org.id, cycle_id=cycle.id, inputs_key=key, context_hash=context_hash, pdf=pdf))
    db.session.flush()
    return PdfOutcome(pdf=pdf, context_hash=context_hash, cached=same is not None)
