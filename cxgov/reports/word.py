"""The report as a Word file (.docx), from the same context as the page and the PDF.

Consultants finish reports in Word, so this is a real document, not a picture of one:
Word headings (the navigation pane and a table of contents work), real tables, lists and
bold runs from the consultant's text, and the charts as PNG images (the same SVG as the
PDF, drawn by cairosvg). Every number goes through the same formatters as the PDF.
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Sequence

from cxgov import numbers
from cxgov.framework.model import SourceText, text_parts

from ..i18n import rendering_in
from .context import ReportContext
from .figures import build_charts
from .i18n import gettext as _
from .i18n import ngettext
from .narrative import Block

_EFFORT = {"small": "small", "medium": "medium", "large": "large"}

#: Word's language tag (``w:lang``) per report language; another code is written as it is.
WORD_LANGUAGES = {"en": "en-GB", "sv": "sv-SE", "da": "da-DK", "nb": "nb-NO"}

#: Text for one paragraph or cell: a string, or pieces that each become a run, so that a piece
#: of framework text shown in English (a ``SourceText``) can carry its own language.
Pieces = str | Sequence[str]


def word_language(lang: str) -> str:
    """Return the ``w:lang`` tag Word reads for ``lang`` (spelling, hyphenation, screen readers)."""
    return WORD_LANGUAGES.get(lang, lang)


def _set_language(r_pr: Any, lang: str) -> None:
    """Give a run's (or the document default's) properties the language ``lang``."""
    # docx is heavy to import: loaded only when this output is made
    from docx.oxml.ns import qn

    element = r_pr.find(qn("w:lang"))
    if element is None:
        element = r_pr.makeelement(qn("w:lang"), {})
        r_pr.append(element)
    element.set(qn("w:val"), word_language(lang))


def _default_run_properties(doc: Any) -> Any:
    """Return the styles' ``docDefaults/rPrDefault/rPr`` (what every run inherits), made if missing."""
    # docx is heavy to import: loaded only when this output is made
    from docx.oxml.ns import qn

    parent = doc.styles.element
    for tag in ("w:docDefaults", "w:rPrDefault", "w:rPr"):
        child = parent.find(qn(tag))
        if child is None:
            child = parent.makeelement(qn(tag), {})
            parent.insert(0, child)
        parent = child
    return parent


def _runs(paragraph: Any, pieces: Pieces) -> Any:
    """Add ``pieces`` to ``paragraph`` as runs; framework text shown in English is marked English.

    WCAG 3.1.2 (language of parts): the document's language is the report's, so an English
    fallback sentence gets ``w:lang`` of its own, as the page and the PDF give it ``lang="en"``.
    """
    for piece in (pieces,) if isinstance(pieces, str) else pieces:
        # a report sentence naming a practice whose title is English: that title is its own run
        for part in text_parts(piece):
            if part:
                _english_run(paragraph.add_run(part), part)
    return paragraph


def _english_run(run: Any, text: str) -> Any:
    """Give ``run`` the language of ``text`` when that is framework text shown in English."""
    if isinstance(text, SourceText):
        _set_language(run._r.get_or_add_rPr(), text.lang)
    return run


def _png(svg: str, width_px: int) -> bytes:
    # cairosvg is heavy to import: loaded only when this output is made
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width_px)


def _para(doc: Any, text: Pieces = "", style_id: str | None = None) -> Any:
    """Add a paragraph; styles are set by id (python-docx's lookup by name scans every style)."""
    paragraph = _runs(doc.add_paragraph(), text)
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _cell(cell: Any, text: Pieces) -> None:
    """Write ``text`` into a table cell (its first paragraph), marking English framework text."""
    _runs(cell.paragraphs[0], text)


def _heading(doc: Any, text: Pieces, level: int) -> Any:
    return _para(doc, text, "Title" if level == 0 else f"Heading{level}")


def _blocks(doc: Any, blocks: Sequence[Block]) -> None:
    for block in blocks:
        for item in block.items:
            paragraph = _para(doc, "", "ListBullet" if block.kind == "ul" else None)
            for run in item:
                _english_run(paragraph.add_run(run.text), run.text).bold = run.bold


def _table(doc: Any, header: Sequence[str], rows: Iterable[Sequence[Pieces]], widths_cm: Sequence[float] = ()) -> Any:
    # docx is heavy to import: loaded only when this output is made
    from docx.shared import Cm

    rows = list(rows)
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table._tbl.tblPr.style = "LightList-Accent1"
    for i, head in enumerate(header):
        table.rows[0].cells[i].text = head
    for r, row in enumerate(rows, start=1):
        cells = table.rows[r].cells
        for i, text in enumerate(row):
            _cell(cells[i], text)
    for i, width in enumerate(widths_cm):
        for row in table.rows:
            row.cells[i].width = Cm(width)
    return table


def report_docx(c: ReportContext) -> bytes:
    """Return the report as .docx bytes, its fixed text, numbers and dates in the report's language."""
    with rendering_in(c.language) as shown:
        return _report_docx(c, shown)


def _report_docx(c: ReportContext, language: str) -> bytes:
    # docx is heavy to import: loaded only when this output is made
    from docx import Document
    from docx.shared import Cm, Pt

    f = numbers
    doc = Document()
    doc.core_properties.language = language  # the document language, as the PDF's lang
    # ... and the language Word reads: every run's default (the template says en-US)
    _set_language(_default_run_properties(doc), language)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    doc.styles["Normal"].font.name = "DejaVu Sans"
    doc.styles["Normal"].font.size = Pt(9.5)

    status = _("version %(n)d", n=c.version) if c.status == "issued" and c.version else _("draft")
    _para(doc, f"{_('CX governance gap report')} · {status}")
    _heading(doc, c.cover.org_name, level=0)
    _para(doc, c.cover.period)
    _para(doc, (c.cover.framework_title, f" · {_('version %(v)s', v=c.cover.framework_version)}"))
    who = ", ".join(x for x in (c.cover.prepared_by, c.cover.firm_name) if x)
    if who:
        _para(doc, f"{_('Prepared by')}: {who}")
    _para(doc, f"{_('Date')}: {c.issued_on or c.cover.date}")

    # Key messages
    _heading(doc, _("Key messages"), level=1)
    health = (
        f.fmt_index(c.summary.health_score) + "/100"
        if c.method.register_state in ("ok", "thin") and c.summary.health_score is not None
        else "\u2013"
    )
    _table(
        doc,
        [_("Maturity index"), _("Change"), _("Register health"), _("Respondents")],
        [
            [
                f"{f.fmt_index(c.summary.index)}/100 ({c.summary.stage or _('not rated')})",
                f.fmt_signed(c.summary.change),
                health,
                str(c.summary.n_respondents),
            ]
        ],
    )
    for message in c.narrative.key_messages:
        _para(doc, message, "ListNumber")
    story = next(
        (s for s in c.stories if s.kind == "contradiction"),
        next((s for s in c.stories if s.kind == "perception"), None),
    )
    if story is not None and story.high and story.low:
        _heading(doc, (f"{story.practice_id} ", story.title, f": {_('two views of the same practice')}"), level=2)
        table = doc.add_table(rows=1, cols=2)
        for cell, side in zip(table.rows[0].cells, (story.high, story.low)):
            cell.text = f"{side.group} · {_('level %(l)s', l=f.fmt_level(side.level))}"
            for note in side.notes[:2]:
                cell.add_paragraph(f"\u201c{note}\u201d")

    # Executive summary
    _heading(doc, _("Executive summary"), level=1)
    _blocks(doc, c.narrative.summary)
    if c.summary.stage_description:
        _para(doc, (c.summary.stage, ". ", c.summary.stage_description))

    # Charts
    charts = build_charts(c)
    _heading(doc, _("Maturity at a glance"), level=1)
    doc.add_picture(io.BytesIO(_png(str(charts.radar), 900)), width=Cm(11))
    _table(
        doc,
        [_("Dimension"), _("Score"), _("Target"), _("Gap"), _("Index"), _("Change")],
        [
            [
                (f"{d.code} ", d.title),
                f.fmt_level(d.score),
                f.fmt_level(d.target),
                f.fmt_level(d.gap),
                f.fmt_index(d.index),
                f.fmt_signed(d.change),
            ]
            for d in c.dimensions
        ]
        + [[_("Maturity index"), "", "", "", f.fmt_index(c.summary.index), f.fmt_signed(c.summary.change)]],
        (7.4, 1.8, 1.8, 1.8, 1.8, 1.8),
    )
    _heading(doc, _("Trend"), level=2)
    doc.add_picture(io.BytesIO(_png(str(charts.trend), 1400)), width=Cm(17))
    for note in c.trend.version_notes:
        _para(doc, note)

    # Benchmark (only aggregates of at least five other clients; absent otherwise)
    if c.benchmark is not None:
        b = c.benchmark
        _heading(doc, _("Benchmark"), level=1)
        _para(
            doc,
            ngettext(
                "Where this quarter stands among %(num)d other client organisation of the same "
                "consultancy, each with its latest closed assessment on the same framework (%(fw)s).",
                "Where this quarter stands among %(num)d other client organisations of the same "
                "consultancy, each with its latest closed assessment on the same framework (%(fw)s).",
                b.peers,
                fw=b.framework,
            ),
        )
        _table(
            doc,
            [
                _("Measure"),
                _("This organisation"),
                _("Percentile"),
                _("Lower quartile"),
                _("Median"),
                _("Upper quartile"),
            ],
            [
                [
                    _(p.title) if p.key == "index" else p.title,
                    "\u2013" if p.value is None else str(p.value),
                    "\u2013" if p.percentile is None else str(p.percentile),
                    str(p.q1),
                    str(p.median),
                    str(p.q3),
                ]
                for p in (b.index, *b.dimensions)
            ],
            (5.6, 2.4, 2.2, 2.4, 2.0, 2.4),
        )

    # Heatmap
    _heading(doc, _("Who sees what"), level=1)
    _table(
        doc,
        [_("Practice"), _("All")] + [f"{g.label} (n = {g.n})" for g in c.heatmap.groups],
        [
            [(f"{row.id} ", row.title), f.fmt_level(row.level)] + [f.fmt_level(v) for v in row.levels]
            for row in c.heatmap.rows
        ],
    )

    # Gaps
    _heading(doc, _("Prioritised gaps and next steps"), level=1)
    for g in c.gaps:
        _heading(doc, (f"{g.rank}. {g.practice_id} ", g.title), level=2)
        _para(
            doc,
            (
                g.dimension,
                " · "
                + _("level %(l)s, target %(t)s, gap %(g)s", l=f.fmt_level(g.level), t=g.target, g=f.fmt_level(g.gap))
                + " · "
                + _("priority %(p)s", p=f.fmt_level(g.priority)),
            ),
        )
        if g.change_note:
            _para(doc, g.change_note)
        if g.current_text:
            table = doc.add_table(rows=2, cols=2)
            table._tbl.tblPr.style = "TableGrid"
            table.rows[0].cells[0].text = _("Now: level %(n)d", n=g.current_step)
            table.rows[0].cells[1].text = _("Target: level %(n)d", n=g.target)
            _cell(table.rows[1].cells[0], g.current_text)
            _cell(table.rows[1].cells[1], g.target_text)
        if g.next_step:
            p = _para(doc)
            p.add_run(_("Next step") + ": ").bold = True
            _runs(p, g.next_step)
        p = _para(doc)
        p.add_run(_("Accountable") + ": ").bold = True
        p.add_run(
            f"{g.owner} ({g.owner_role})" if g.owner_from_register else _("Role to fill: %(role)s", role=g.owner_role)
        )
        if g.comment:
            _para(doc).add_run(_("Consultant’s comment")).bold = True
            _blocks(doc, g.comment)
        _para(doc, g.confidence)

    # Roadmap
    _heading(doc, _("Roadmap for the next three quarters"), level=1)
    for q in c.roadmap.quarters:
        _heading(doc, q.period, level=2)
        if q.steps:
            _table(
                doc,
                [_("Practice"), _("Step"), _("Accountable"), _("Effort")],
                [
                    [
                        (
                            f"{s.practice_id} ",
                            s.title,
                            f"\n{_('after %(ids)s', ids=', '.join(s.after))}" if s.after else "",
                        ),
                        s.step,
                        s.owner if s.owner_from_register else _("Role to fill: %(role)s", role=s.owner_role),
                        _(_EFFORT.get(s.effort, "\u2013")),
                    ]
                    for s in q.steps
                ],
                (4.2, 8.0, 3.6, 1.6),
            )
    if c.roadmap.later:
        _para(doc, _("Later: %(ids)s.", ids=", ".join(s.practice_id for s in c.roadmap.later)))

    # Actions
    _heading(doc, _("Action plan follow-up"), level=1)
    if c.actions.empty:
        _para(
            doc,
            _(
                "No actions have been recorded for this organisation yet. The roadmap above is "
                "a starting point for the action plan."
            ),
        )
    for heading, rows in (
        (_("Done since last quarter"), c.actions.done),
        (_("Overdue"), c.actions.overdue),
        (_("Planned and in progress"), c.actions.open),
    ):
        if rows:
            _heading(doc, heading, level=2)
            _table(
                doc,
                [_("Practice"), _("Action"), _("Owner"), _("Date"), _("Level change")],
                [
                    [
                        (f"{a.practice_id} ", a.practice_title),
                        a.title + (f"\n\u26a0 {a.warning}" if a.warning else ""),
                        a.owner,
                        a.completed or a.due or "\u2013",
                        f.fmt_signed(a.score_change, 1),
                    ]
                    for a in rows
                ],
                (4.6, 5.6, 3.0, 2.2, 2.0),
            )

    # Method
    _heading(doc, _("Method and confidence"), level=1)
    for line in (*c.method.confidence, *c.method.version_changes):
        _para(doc, line, "ListBullet")
    _table(
        doc,
        [_("Respondents"), ""],
        [[label, str(n)] for label, n in c.method.respondents] + [[_("Total"), str(c.method.n_respondents)]],
    )
    _para(
        doc,
        (
            f"{_('Framework')}: ",
            c.cover.framework_title,
            f", {_('version %(v)s', v=c.method.framework_version)}",
            f" · {_('Profile')}: " if c.method.profile else "",
            c.method.profile,
        ),
    )
    _para(doc, f"{_('Answers as of')}: {c.method.data_date or '–'}")
    for head, text in c.method.formulas:
        p = _para(doc)
        p.add_run(head + ". ").bold = True
        p.add_run(text)

    # Appendices
    _heading(doc, _("Appendix A · Register evidence"), level=1)
    if c.method.register_state in ("empty", "thin"):
        _para(
            doc,
            _(
                "The register holds too little to serve as evidence: the checks below describe "
                "what is missing, and no gap in this report is counted as confirmed by them."
            ),
        )
    elif c.health_score is not None:
        _para(doc, _("Register health score %(s)s of 100.", s=f.fmt_index(c.health_score)))
    for check in c.evidence:
        _heading(doc, f"{check.title} ({check.count})" if check.count else check.title, level=3)
        for row in check.rows:
            _para(doc, row.label, "ListBullet")
        if check.more:
            _para(doc, ngettext("and %(num)d more", "and %(num)d more", check.more))
    _heading(doc, _("Appendix B · Practices by dimension"), level=1)
    for d in c.dimensions:
        _heading(doc, (f"{d.code} · ", d.title), level=2)
        # The same figures, warnings and notes as the PDF's appendix, so nothing is lost in Word.
        facts = [
            _("Score %(v)s", v=f.fmt_level(d.score)),
            _("Target %(v)s", v=f.fmt_level(d.target)),
            _("Gap %(v)s", v=f.fmt_level(d.gap)),
            _("Index %(v)s", v=f.fmt_index(d.index)) + (f" ({f.fmt_signed(d.change)})" if d.change is not None else ""),
        ]
        if d.perception_flag:
            facts.append(_("Perception gap %(g)s", g=f.fmt_signed(d.perception_gap, 1)))
        _para(doc, " · ".join(facts))
        if d.description:
            _para(doc, d.description)
        _table(
            doc,
            [_("Practice"), _("Level"), _("Target"), _("Gap"), _("Spread"), _("Change")],
            [
                [
                    (f"{p.id} ", p.title),
                    f.fmt_level(p.level),
                    str(p.target),
                    f.fmt_level(p.gap),
                    f.fmt_number(p.spread, 2),
                    f.fmt_signed(p.change, 1),
                ]
                for p in d.practices
            ],
            (8.4, 1.6, 1.6, 1.6, 1.6, 1.6),
        )
        for p in d.practices:
            flags = p.flags()
            if not flags and not p.notes:
                continue
            line = _para(doc)
            line.add_run(f"{p.id} ").bold = True
            line.add_run(" · ".join(flags))
            for n in p.notes:
                _para(doc, f"“{n.text}” — {n.who}" + (f" (×{n.count})" if n.count > 1 else ""), "ListBullet")
            if p.more_notes:
                _para(doc, ngettext("and %(num)d more note", "and %(num)d more notes", p.more_notes))

    out = io.BytesIO()
    doc.core_properties.title = f"{c.cover.org_name} {c.cover.period}"
    doc.core_properties.author = c.cover.prepared_by or c.cover.firm_name
    doc.save(out)
    return out.getvalue()
