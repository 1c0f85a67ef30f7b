"""The crosswalk: which practices cover which element of a reference model (ISO 23592, ...).

Plain data built once from a framework; the page, the XLSX export and ``flask framework
crosswalk`` all read the same :class:`Crosswalk`, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .export import write_rows_xlsx
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


def crosswalk_rows(crosswalk: Crosswalk, labels: dict[str, str]) -> tuple[list[str], list[list[Any]]]:
    """Return ``(headers, rows)``: one row per element, with its covering practices."""
    headers = [labels["element"], labels["title"], labels["practices"], labels["covered"]]
    rows = [
        [
            e.element_id,
            e.title,
            "\n".join(f"{pid} {title}" for pid, title in e.practices),
            labels["yes"] if e.covered else labels["no"],
        ]
        for e in crosswalk.elements
    ]
    return headers, rows


def write_crosswalk_xlsx(crosswalk: Crosswalk, target: str | Path | IO[bytes], labels: dict[str, str]) -> None:
    """Write the crosswalk with the project's XLSX writer (text never becomes a formula)."""
    headers, rows = crosswalk_rows(crosswalk, labels)
    write_rows_xlsx(
        headers,
        rows,
        target,
        sheet=crosswalk.model_key,
        header_text=f"{crosswalk.model_title} · {crosswalk.framework_key} {crosswalk.framework_version}",
    )


#: English labels for the CLI and tests; pages pass translated ones.
PLAIN_LABELS = {
    "element": "Element",
    "title": "Title",
    "practices": "Practices",
    "covered": "Covered",
    "yes": "yes",
    "no": "no",
}
