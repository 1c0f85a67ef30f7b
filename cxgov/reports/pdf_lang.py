"""Give a tagged PDF's structure elements the language of their HTML element (WCAG 3.1.2).

A Danish report whose overlay lacks one practice title shows that title in English, marked
``lang="en"`` in the HTML so a screen reader switches voice. WeasyPrint 70 writes the
document's language into the catalogue (``/Lang``) but drops every element's own ``lang``
when it builds the structure tree, so in the PDF the English title was read with the Danish
voice. This wraps ``weasyprint.pdf.tags._build_box_tree``: each structure element made for a
box whose HTML element carries its own ``lang`` gets ``/Lang`` (PDF 1.7, 14.9.2), which
assistive technology applies to everything below it. Installed once, only on the WeasyPrint
release it was written against.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint.pdf import tags as pdf_tags


#: Elements whose language is the document's own, already in the catalogue.
_DOCUMENT_TAGS = frozenset({"html", "body"})


def element_lang_install() -> None:
    """Carry each element's own ``lang`` into its PDF structure element.

    Called once, by cxgov.reports.weasyprint_patches (which checks the WeasyPrint release).
    """
    original = pdf_tags._build_box_tree

    def build_box_tree(box: Any, *args: Any) -> Iterator[Any]:
        # The recursion looks the function up by name, so children pass through here too.
        element = getattr(box, "_box", box).element  # an absolute placeholder wraps its box
        lang = None
        if element is not None and element.tag not in _DOCUMENT_TAGS:
            lang = element.get("lang")
        if not lang:
            # WeasyPrint's own generator, unwrapped: most elements have no lang of their own,
            # and a wrapping generator per box re-yielded every structure element (8,800 boxes).
            return original(box, *args)
        return _with_lang(original(box, *args), lang)

    pdf_tags._build_box_tree = build_box_tree


def _with_lang(structures: Iterator[Any], lang: str) -> Iterator[Any]:
    """Yield ``structures``, each given ``/Lang`` unless it has its own."""
    for structure in structures:
        if "Lang" not in structure:
            structure["Lang"] = pydyf.String(lang)
        yield structure
