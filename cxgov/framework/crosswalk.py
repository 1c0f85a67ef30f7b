"""The crosswalk: which practices cover which element of a reference model (ISO 23592, ...).

Plain data built once from a framework; the page, the XLSX export and ``flask framework
crosswalk`` all read the same :class:`Crosswalk`, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..sheets import Cell, Sheet, xlsx_bytes
from .model import Framework


@dataclass(frozen=True)
class CrosswalkElement:
    """One element of a reference model and the practices that cover it."""

    element_id: str
    title: str
    practices: tuple[tuple[str, str], ...]  #: (practice id, practice title), framework order

    @property
    def covered(self) -> bool:
        return bool(self.practices)


@dataclass(frozen=True)
class Crosswalk:
    """A framework's coverage of one reference model."""

    framework_key: str
    framework_version: str
    model_key: str
    model_title: str
    elements: tuple[CrosswalkElement, ...]  #: the model's order

    @property
    def n_covered(self) -> int:
        return sum(1 for e in self.elements if e.covered)

    @property
    def coverage(self) -> float:
        """Return the share of elements covered by at least one practice (0..1)."""
        return self.n_covered / len(self.elements) if self.elements else 0.0


def crosswalk_build(*, framework: Framework, model_key: str, lang: str | None = None) -> Crosswalk:
    """Return the coverage of ``model_key`` by ``framework`` (KeyError for an unknown model)."""
    model = framework.reference_model(model_key)
    elements = []
    for element_id, title in model.elements:
        covering = tuple(
            (p.id, p.title.get(lang)) for p in framework.practices if element_id in p.references_to(model_key)
        )
        elements.append(CrosswalkElement(element_id, title.get(lang), covering))
    return Crosswalk(framework.key, framework.version, model.key, model.title.get(lang), tuple(elements))


def crosswalk_sheet(crosswalk: Crosswalk) -> Sheet:
    """Return one row per element with its covering practices; headers in the language being rendered."""
    yes, no = _("yes"), _("no")
    rows: list[list[Cell]] = [
        [
            e.element_id,
            e.title,
            "\n".join(f"{pid} {title}" for pid, title in e.practices),
            yes if e.covered else no,
        ]
        for e in crosswalk.elements
    ]
    return Sheet(
        crosswalk.model_key,
        [_("Element"), _("Title"), _("Practices"), _("Covered")],
        rows,
        widths=[12, 40, 60, 10],
        wrap=True,
    )


def crosswalk_workbook(crosswalk: Crosswalk) -> bytes:
    """Return the crosswalk as XLSX bytes, headers in the language being rendered."""
    title = f"{crosswalk.model_title} · {crosswalk.framework_key} {crosswalk.framework_version}"
    return xlsx_bytes([crosswalk_sheet(crosswalk)], title=title, page_header=title)
