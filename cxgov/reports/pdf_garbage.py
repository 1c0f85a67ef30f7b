"""Unlink a laid-out report's reference cycles, so that reference counting frees it at once.

WeasyPrint 70 leaves a laid-out document tied up in reference cycles: each element's computed
style caches the style of its anonymous boxes, which points back at it (and at itself, as its
own ``specified`` style); the target collector keeps the contents' ``target-counter()``
re-parsing closures, which hold the boxes and the collector; a box with a missing counter is its
own ``missing_link``; a footnote area points at its page, which holds it; an SVG's lazy
definitions point at the SVG that holds them; the layout context holds a ``partial`` of itself.
About 3,600 objects in cycles keep the whole document alive after the render (~52,000 objects
for the demo report: its pre-layout box tree, styles, text layouts and SVG trees), so only the
cyclic garbage collector could free it: one young collection of 52,000 objects, 64-80 ms of CPU
per report (7 % of the render).

Within :func:`render_scope` the patched constructors note the objects that start such a cycle;
when the scope ends (after the PDF is written, nothing reads the document any more) each
cycle is cut at that object, and the document is freed by reference counting when its last
reference goes. Outside a scope (WeasyPrint used directly, as the bench's box count does)
nothing is noted and the collector frees the document as before. Installed once, by
``weasyprint_patches``, only on WeasyPrint 70.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator

from weasyprint.css import AnonymousStyle
from weasyprint.css.targets import TargetCollector
from weasyprint.formatting_structure.boxes import FootnoteAreaBox
from weasyprint.layout import LayoutContext
from weasyprint.svg import SVG, LazyDefs

_local = threading.local()


def _noted(cls: type, kind: str) -> None:
    """Wrap ``cls.__init__`` so that every instance made within a scope is noted under ``kind``."""
    original: Callable[..., None] = vars(cls)["__init__"]  # each of these classes defines its own

    def __init__(self: Any, *args: Any, **keywords: Any) -> None:
        original(self, *args, **keywords)
        noted: dict[str, list[Any]] | None = getattr(_local, "noted", None)
        if noted is not None:
            noted[kind].append(self)

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


def render_cycles_install() -> None:
    """Note the objects that start a layout's cycles. Called once, by weasyprint_patches."""
    _noted(AnonymousStyle, "anonymous_styles")
    _noted(TargetCollector, "target_collectors")
    _noted(FootnoteAreaBox, "footnote_areas")
    _noted(SVG, "svgs")
    _noted(LayoutContext, "layout_contexts")


def _unlink(noted: dict[str, list[Any]]) -> None:
    """Cut every cycle the noted objects start (the document is no longer read)."""
    for style in noted["anonymous_styles"]:
        own = vars(style)
        if own.get("specified") is style:
            del own["specified"]
        parent = own.get("parent_style")
        if parent is not None and vars(parent).get("anonymous_style") is style:
            del vars(parent)["anonymous_style"]
    for collector in noted["target_collectors"]:
        for box, _ in collector.counter_lookup_items:
            if vars(box).get("missing_link") is box:
                del vars(box)["missing_link"]
        collector.counter_lookup_items.clear()
        collector.target_lookup_items.clear()
    for area in noted["footnote_areas"]:
        page = vars(area).pop("page", None)
        # the page holds a copy of its area (laid out), which points at the page too
        for child in getattr(page, "children", ()):
            if isinstance(child, FootnoteAreaBox):
                vars(child).pop("page", None)
    for context in noted["layout_contexts"]:
        vars(context).pop("get_image_from_uri", None)  # a partial of the context itself
    for svg in noted["svgs"]:
        for value in vars(svg).values():
            if isinstance(value, LazyDefs):
                vars(value).pop("_svg", None)


@contextlib.contextmanager
def render_scope() -> Iterator[None]:
    """Within the block, note what starts a layout's cycles; at its end, cut those cycles.

    Nests: an inner scope's objects are cut when the inner scope ends.
    """
    outer = getattr(_local, "noted", None)
    noted: dict[str, list[Any]] = {
        kind: [] for kind in ("anonymous_styles", "target_collectors", "footnote_areas", "svgs", "layout_contexts")
    }
    _local.noted = noted
    try:
        yield
    finally:
        _local.noted = outer
        _unlink(noted)
