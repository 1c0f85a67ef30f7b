"""Export a cycle as tables: answers in long form, practice scores and gaps, dimensions.

The tables are built once as :class:`~cxgov.sheets.Sheet` objects keyed ``Answers``,
``Practices`` and ``Dimensions`` (the keys of ``?sheet=`` and of the CSV file names);
:mod:`cxgov.sheets` writes them, so the UI download and ``flask cycle export`` write the same
workbook, and formula-like text stays text. Headers, sheet titles, framework text and words
such as "yes" are in the export's language; numbers stay numbers.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from ..i18n import rendering_in, report_language
from ..numbers import round_half_up
from ..orgs.models import Organisation
from ..sheets import Cell, Sheet, xlsx_bytes
from . import services
from .models import Cycle

#: The sheets' keys, in workbook order (their titles are translated).
SHEETS = ("Answers", "Practices", "Dimensions")
#: Columns of long prose get this width; the others DEFAULT_WIDTH.
_WIDE = 48


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round_half_up(value, digits)


def cycle_tables(*, cycle: Cycle, org: Organisation, include_names: bool, lang: str | None = None) -> dict[str, Sheet]:
    """Return the cycle's three sheets by key; respondent names only when ``include_names``.

    Everything is in ``lang`` (default: the organisation's language).
    """
    with rendering_in(report_language(lang, org.language)) as shown:
        return _tables(cycle=cycle, org=org, include_names=include_names, lang=shown)


def _tables(*, cycle: Cycle, org: Organisation, include_names: bool, lang: str) -> dict[str, Sheet]:
    framework = services.cycle_framework(cycle)
    yes = _("yes")
    kinds = {"level": _("level"), "na": _("not applicable"), "dont_know": _("don't know")}
    dim_title = {d.key: d.title.get(lang) for d in framework.dimensions}
    rows = services.cycle_answers(cycle)
    result = services.cycle_score(cycle=cycle, org=org, answers=rows)
    names = services.respondent_names(cycle) if include_names else {}
    order = {p.id: i for i, p in enumerate(framework.practices)}
    answer_headers = [
        _("Period"),
        _("Practice id"),
        _("Practice"),
        _("Dimension"),
        _("Respondent group"),
        *([_("Respondent"), _("E-mail")] if include_names else []),
        pgettext("export column", "Answer"),
        _("Level"),
        _("Note"),
    ]
    answer_rows: list[list[Cell]] = []
    for a, group, _user_id in sorted(rows, key=lambda r: (order.get(r[0].practice_id, 999), r[1], r[0].respondent_id)):
        try:
            p = framework.practice(a.practice_id)
        except KeyError:
            continue
        answer_rows.append(
            [
                cycle.period,
                a.practice_id,
                p.title.get(lang),
                dim_title[p.dimension_key],
                org.group_label(group),
                *(list(names.get(a.respondent_id, ("", ""))) if include_names else []),
                kinds[a.kind],
                a.level,
                a.note,
            ]
        )
    groups = [g["key"] for g in services.org_groups(org)]
    practice_headers = [
        _("Period"),
        _("Practice id"),
        _("Practice"),
        _("Dimension"),
        _("Weight"),
        _("Level"),
        _("Answers"),
        _("N/A"),
        _("Don't know"),
        _("Spread"),
        _("Disagreement"),
        _("Low sample"),
        _("Target"),
        _("Gap"),
        _("Priority"),
        _("Register checks failing"),
        *(_("Level: %(group)s", group=org.group_label(g)) for g in groups),
        _("Perception gap"),
        _("Perception flag"),
        _("Previous level"),
        _("Change"),
    ]
    practice_rows: list[list[Cell]] = []
    for pr in result.practices:
        p = framework.practice(pr.practice_id)
        practice_rows.append(
            [
                cycle.period,
                pr.practice_id,
                p.title.get(lang),
                dim_title[pr.dimension_key],
                pr.weight,
                _r(pr.level),
                pr.n_answers,
                pr.n_na,
                pr.n_dont_know,
                _r(pr.spread),
                yes if pr.disagreement else "",
                yes if pr.low_sample else "",
                pr.target,
                _r(pr.gap),
                _r(pr.priority),
                ", ".join(pr.failing_checks),
                *(_r(pr.group_levels.get(g)) for g in groups),
                _r(pr.perception_gap),
                yes if pr.perception_flag else "",
                _r(pr.previous_level),
                _r(pr.change),
            ]
        )
    dimension_headers = [
        _("Period"),
        _("Dimension"),
        _("Score (1-5)"),
        _("Index (0-100)"),
        _("Target"),
        _("Gap"),
        _("Leadership/management"),
        _("Front line"),
        _("Perception gap"),
        _("Perception flag"),
        _("Practices scored"),
        _("Previous index"),
        _("Change"),
    ]
    dimension_rows: list[list[Cell]] = [
        [
            cycle.period,
            dim_title[d.key],
            _r(d.score),
            _r(d.index, 1),
            _r(d.target),
            _r(d.gap),
            _r(d.upper_score),
            _r(d.frontline_score),
            _r(d.perception_gap),
            yes if d.perception_flag else "",
            f"{d.n_scored}/{d.n_practices}",
            _r(d.previous_index, 1),
            _r(d.change, 1),
        ]
        for d in result.dimensions
    ]
    dimension_rows.append(
        [
            cycle.period,
            _("Maturity index"),
            None,
            _r(result.index, 1),
            None,
            None,
            None,
            None,
            None,
            "",
            "",
            _r(result.previous_index, 1),
            _r(result.change, 1),
        ]
    )
    return {
        "Answers": Sheet(_("Answers"), answer_headers, answer_rows, widths=_widths(answer_headers, 2, -1), wrap=True),
        "Practices": Sheet(_("Practices"), practice_headers, practice_rows, widths=_widths(practice_headers, 2)),
        "Dimensions": Sheet(_("Dimensions"), dimension_headers, dimension_rows),
    }


def _widths(headers: list[str], *wide: int) -> list[float]:
    """Return column widths: the columns at positions ``wide`` hold prose (practice titles, notes)."""
    positions = {p % len(headers) for p in wide}
    return [_WIDE if i in positions else 14 for i in range(len(headers))]


def cycle_xlsx(tables: dict[str, Sheet]) -> bytes:
    """Return the cycle's sheets as one workbook."""
    return xlsx_bytes([tables[key] for key in SHEETS])
