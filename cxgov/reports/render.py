"""Render a :class:`~cxgov.reports.context.ReportContext` as HTML and as a PDF.

Both renderings use the same section partials (``templates/reports/_sections/``) and the
same chart markup, built here from the context. The PDF goes through WeasyPrint with a
URL fetcher that serves only the app's own static files and the logos the context carries
(``data:`` URIs or ``cxgov-asset:<id>`` references); every other URL is refused, so a report
can never make the server read a local file or call out to the network.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import gc
import mimetypes
import posixpath
import re
import sys
import threading
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping
from urllib.parse import unquote
from xml.etree import ElementTree

import cssselect2
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from cxgov import numbers
from cxgov.framework.model import language_of_part
from cxgov.i18n import rendering_in, text_language

from . import context as ctx
from .figures import build_charts
from .i18n import gettext, ngettext

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

ROOT = Path(__file__).resolve().parents[2]
STATIC_ROOT = ROOT / "static"
TEMPLATES_ROOT = ROOT / "templates"

STATIC_SCHEME = "cxgov-static:"
ASSET_SCHEME = "cxgov-asset:"
#: Image types a logo may have inside the PDF.
_IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")


class ReportFetchRefused(ValueError):
    """WeasyPrint asked for a URL that the report does not ship."""


# -- formatting and charts ---------------------------------------------------------------
#: Appendix B's level bar: 7.5em of the row at font-size .6em (report.css .rp-bar), in its own em.
BAR_OWN_EM = 7.5 / 0.6
#: The target tick's font size in the row's em (report.css .rp-tick): its height is 1.1em.
TICK_FONT_EM = 0.95
#: Half the target tick's 2px border (1px = .75pt) in the tick's own em, in the PDF's 9.2pt text.
TICK_HALF_BORDER_EM = 0.75 / (9.2 * TICK_FONT_EM)


#: Room for one of appendix B's column labels: its 3.97em tab stop less .35em between labels.
LABEL_ROOM_EM = 3.97 - 0.35


@lru_cache(maxsize=1)
def _label_advances() -> tuple[dict[int, float], float]:
    """Return DejaVu Sans' advance width per character (in em) and the widest one, for unknown ones."""
    # fontTools is heavy to import: loaded only when a report's column labels are measured
    from fontTools.ttLib import TTFont

    font = TTFont(STATIC_ROOT / "fonts" / "DejaVuSans.ttf", lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    advances = {code: metrics[name][0] / per_em for code, name in font.getBestCmap().items()}
    return advances, max(advances.values())


def label_width_em(text: str) -> float:
    """Return the width of ``text`` in DejaVu Sans (the PDF's and the page's font), in em."""
    advances, widest = _label_advances()
    return sum(advances.get(ord(ch), widest) for ch in text)


class Fmt:
    """Number formatting for the templates (one place, so page and PDF agree)."""

    level = staticmethod(ctx.fmt_level)
    index = staticmethod(ctx.fmt_index)
    signed = staticmethod(ctx.fmt_signed)

    @staticmethod
    def pct(value: float | None, scale: float = 5.0, shift: float = 0.0) -> str:
        """Return a CSS percentage for a value on a 0..scale axis, optionally shifted."""
        if value is None:
            return "0"
        return f"{max(0.0, min(100.0, value / scale * 100.0 + shift)):.1f}"

    @staticmethod
    def bar_style(level: float | None) -> str:
        """Return the inline style of appendix B's level bar: the left border is the level.

        The bar is 7.5em of the row long, which is 12.5em of its own (report.css gives it
        font-size .6em, so that its height is .7em of the row).
        """
        filled = max(0.0, min(5.0, level or 0.0)) / 5 * BAR_OWN_EM
        return f"border-left-width: {filled:.2f}em; padding-right: {BAR_OWN_EM - filled:.2f}em"

    @staticmethod
    def tick_margins(target: float) -> str:
        """Return the inline style (margins, in the tick's own em) that puts the target tick on the bar.

        In the text run the tick follows the bar at 23em (fifth tab stop + the bar); the bar
        itself starts 7.9em before the numbers (report.css .rp-bar). The left margin moves the
        tick back to the target's place, less half its 2px border so that it is centred there;
        the right margin gives the run its width back, so what follows does not move.
        """
        place = -7.9 + max(0.0, min(5.0, target)) / 5 * 7.5
        left = (place - 23.0) / TICK_FONT_EM - TICK_HALF_BORDER_EM
        return f"margin-left: {left:.3f}em; margin-right: {-left - 2 * TICK_HALF_BORDER_EM:.3f}em"

    @staticmethod
    def spread(value: float | None) -> str:
        return numbers.fmt_number(value, 2)

    @staticmethod
    def column_labels(labels: list[str]) -> str:
        """Return appendix B's column labels as one text run: tab-separated, in reading order.

        Each label has a tab stop of its own (report.css .rp-phead .rp-nums). A label wider than
        its stop (Spridning, Spredning) ends its line and runs on over the next column, and the
        labels after it continue on the line below, from their own stops: the run reads in the
        columns' order, as a screen reader and a copy of the text need (WCAG 1.3.2), where a
        hyphenated label with its first part on a line above read "Sprid- Nivå Mål Gap ning".
        One run is far cheaper for the PDF to lay out than a box per label. The last label may
        run past its stop.
        """
        lines: list[str] = []
        line: list[str] = []
        for i, label in enumerate(labels):
            line.append(label)
            if i < len(labels) - 1 and label_width_em(label) > LABEL_ROOM_EM:
                lines.append("\t".join(line))
                line = [""] * (i + 1)  # the next line starts at the next label's stop
        lines.append("\t".join(line))
        return "\n".join(lines)


def _css_string(text: str) -> str:
    """Return ``text`` as a CSS string that is also safe inside an XML or HTML <style> element."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '\\"<>&' or ord(ch) < 32 else ch for ch in text)
    return f'"{escaped}"'


def page_footer_css() -> Markup:
    """Return the @page rule that prints "client · period · firm · page 3 of 17" in the report's language.

    The words around the two counters come from one translated sentence, so a language can
    order them as it needs.
    """
    sentence = gettext("page %(page)s of %(pages)s", page="\x01", pages="\x02")
    content = ["string(running)", _css_string(" \u00b7 ")]
    for part in re.split("([\x01\x02])", sentence):
        if part == "\x01":
            content.append("counter(page)")
        elif part == "\x02":
            content.append("counter(pages)")
        elif part:
            content.append(_css_string(part))
    return Markup(
        "@page { @bottom-right { content: %s; } } @page cover { @bottom-right { content: none; } }" % " ".join(content)
    )


def report_vars(c: ctx.ReportContext) -> dict[str, Any]:
    """Return the template variables both wrappers (page and PDF) render the partials with."""
    return {"r": c, "f": Fmt, "charts": build_charts(c)}


# -- the standalone Jinja environment (PDF, CLI, workers) --------------------------------
@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_ROOT)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, text_language=text_language, page_footer_css=page_footer_css
    )
    env.filters["language_of_part"] = language_of_part
    return env


def render_pdf_html(c: ctx.ReportContext) -> str:
    """Return the final HTML document WeasyPrint lays out, in the report's language."""
    with rendering_in(c.language):
        return toc_page_numbers(_env().get_template("reports/pdf.html").render(**report_vars(c)))


_TOC = re.compile(r'<nav class="rp-toc".*?</nav>', re.DOTALL)
_TOC_TARGET = re.compile(r'href="#([A-Za-z0-9_-]+)"')


def toc_page_numbers(document: str) -> str:
    """Return ``document`` with one page-number rule per contents entry, naming its target.

    ``target-counter(attr(href), page)`` in one rule would do, but WeasyPrint 70 files the page
    number it misses under no anchor (the ``attr()`` is not resolved there) and as a counter of
    the contents' own page, so the cover page was laid out a third time once the page count
    was known (each pass ~20 ms). Naming each target gives WeasyPrint the anchor: the cover page
    is laid out twice, the least a contents with page numbers needs (with the fix in pdf_targets).
    """
    toc = _TOC.search(document)
    if toc is None:
        return document
    rules = "".join(
        f'.rp-toc a[href="#{anchor}"]::after {{ content: target-counter(url(#{anchor}), page); }}'
        for anchor in _TOC_TARGET.findall(toc.group(0))
    )
    return document.replace("</head>", f"<style>{rules}</style>\n</head>", 1)


# -- the URL fetcher ---------------------------------------------------------------------
@lru_cache(maxsize=64)
def _read_static(relative: str) -> tuple[bytes, str]:
    path = (STATIC_ROOT / relative).resolve()
    if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
        raise ReportFetchRefused(f"not a static file: {relative}")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".ttf":
        content_type = "font/ttf"
    return path.read_bytes(), content_type


def _static_path(url: str) -> str:
    """Return the static-relative path of a ``cxgov-static:`` URL, refusing any escape."""
    raw = unquote(url[len(STATIC_SCHEME) :].split("?", 1)[0].split("#", 1)[0])
    if not raw or raw.startswith("/") or "\\" in raw or "\x00" in raw:
        raise ReportFetchRefused(f"refused static path: {url}")
    segments = raw.split("/")
    if any(s in ("", ".", "..") or not _SAFE_SEGMENT.match(s) for s in segments):
        raise ReportFetchRefused(f"refused static path: {url}")
    return posixpath.join(*segments)


def _data_uri(url: str) -> tuple[bytes, str]:
    header, sep, payload = url[len("data:") :].partition(",")
    if not sep:
        raise ReportFetchRefused("malformed data: URI")
    parts = header.split(";")
    content_type = (parts[0] or "text/plain").lower()
    if content_type not in _IMAGE_TYPES:
        raise ReportFetchRefused(f"refused data: URI of type {content_type}")
    if "base64" not in parts[1:]:
        raise ReportFetchRefused("data: URIs must be base64")
    try:
        return base64.b64decode(payload, validate=True), content_type
    except (binascii.Error, ValueError):
        raise ReportFetchRefused("data: URI is not valid base64") from None


def resolve_report_url(url: str, *, assets: Mapping[str, tuple[bytes, str]]) -> tuple[bytes, str]:
    """Return (body, content type) for a URL the report ships; raise for anything else.

    Allowed: ``cxgov-static:<path inside static/>``, ``data:image/png|jpeg;base64,...`` and
    ``cxgov-asset:<id>`` for the stored logos passed in ``assets``. Everything else --
    ``file:``, ``http(s):``, relative paths, ``..`` -- raises :class:`ReportFetchRefused`.
    """
    lowered = url[:20].lower()
    if lowered.startswith(STATIC_SCHEME):
        return _read_static(_static_path(url))
    if lowered.startswith("data:"):
        return _data_uri(url)
    if lowered.startswith(ASSET_SCHEME):
        key = url[len(ASSET_SCHEME) :]
        if key not in assets:
            raise ReportFetchRefused(f"unknown asset: {url}")
        body, content_type = assets[key]
        if content_type not in _IMAGE_TYPES:
            raise ReportFetchRefused(f"asset {key} is not an image")
        return body, content_type
    raise ReportFetchRefused(f"refused URL: {url[:200]}")


def make_url_fetcher(
    assets: Mapping[str, tuple[bytes, str]] | None = None, on_fetch: Callable[[str], None] | None = None
) -> URLFetcher:
    """Return a WeasyPrint URL fetcher limited to :func:`resolve_report_url`."""
    fetcher: URLFetcher = _report_fetcher_class()(dict(assets or {}), on_fetch)
    return fetcher


@lru_cache(maxsize=1)
def _report_fetcher_class() -> type:
    """Return the report's URL fetcher class, defined once (a class made per render is cyclic garbage)."""
    # weasyprint is heavy to import: loaded only when this output is made
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ReportURLFetcher(URLFetcher):
        """Serves only what :func:`resolve_report_url` allows; never opens a connection."""

        def __init__(self, assets: Mapping[str, tuple[bytes, str]], on_fetch: Callable[[str], None] | None) -> None:
            # Not URLFetcher.__init__: it builds a urllib opener (ten handlers, each pointing
            # back at it) that this fetcher never uses. WeasyPrint reads only this attribute.
            self._fail_on_errors = False
            self.assets = assets
            self.on_fetch = on_fetch

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if self.on_fetch is not None:
                self.on_fetch(url)
            # Looked up through the module so a test can spy on every URL asked for.
            body, content_type = _this_module().resolve_report_url(url, assets=self.assets)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            raise ReportFetchRefused("the report fetcher opens no connections")

    return ReportURLFetcher


def _this_module() -> ModuleType:

    return sys.modules[__name__]


# -- PDF ---------------------------------------------------------------------------------
# WeasyPrint's time goes into layout, which grows with boxes and computed styles. What does
# not depend on the report is therefore prepared once per thread (WeasyPrint's font
# configuration is not shared between threads): the fonts, the stylesheet per accent colour
# with its var()s already replaced (WeasyPrint re-resolves a var() for every element), and a
# user-agent stylesheet without the rules for footnotes, notes and markers on every element
# (each gave every element a computed style of its own). The document itself is parsed with
# expat when it is well-formed XML, as the report templates write it: the HTML5 parser took
# a tenth of the render. Anything else (a stray control character in a note) goes through
# WeasyPrint's own parser.
PDF_FONTS = "css/report-fonts.css"
PDF_STYLESHEETS = ("css/report.css", "css/report-pdf.css")
_CSS_VAR = re.compile(r"var\((--rp-[a-z-]+)\)")
_CSS_VAR_VALUE = re.compile(r"(--rp-[a-z-]+)\s*:\s*(#[0-9a-fA-F]{3,8})\s*[;}]")
_DOCTYPE = re.compile(r"^\s*<!doctype html>", re.IGNORECASE)
_SVG_TAG = "{http://www.w3.org/2000/svg}svg"
_XMLNS_ATTR = "{http://www.w3.org/2000/xmlns/}xmlns"
_per_thread = threading.local()
# WeasyPrint deletes a font configuration's temporary folder in __del__, which fails once the
# interpreter is being torn down: let go of the main thread's one while everything still works.
atexit.register(lambda: vars(_this_module()._per_thread).clear())


def pdf_css_text(accent: str) -> str:
    """Return the PDF stylesheet (report.css + report-pdf.css) with its var()s replaced."""
    text = "\n".join(
        _this_module().resolve_report_url(STATIC_SCHEME + path, assets={})[0].decode() for path in PDF_STYLESHEETS
    )
    values = dict(_CSS_VAR_VALUE.findall(text))
    values["--rp-accent"] = ctx.safe_accent(accent)
    return _CSS_VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def pdf_style(accent: str = ctx.DEFAULT_ACCENT) -> tuple[list[Any], Any]:
    """Return this thread's (stylesheets, font configuration) for a report in ``accent``."""
    # weasyprint is heavy to import: loaded only when this output is made
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts: tuple[Any, Any, dict[str, Any]] | None = getattr(_per_thread, "fonts", None)
    if fonts is None:
        font_config = FontConfiguration()
        fonts = _per_thread.fonts = (
            CSS(url=STATIC_SCHEME + PDF_FONTS, url_fetcher=make_url_fetcher(), font_config=font_config),
            font_config,
            {},
        )
    fonts_sheet, font_config, by_accent = fonts
    sheet = by_accent.get(accent)
    if sheet is None:
        if len(by_accent) >= 16:  # a few brandings per process; keep the cache small
            by_accent.clear()
        sheet = by_accent[accent] = CSS(
            string=pdf_css_text(accent), base_url=STATIC_SCHEME, url_fetcher=make_url_fetcher()
        )
    return [fonts_sheet, sheet], font_config


def lighter_ua_stylesheet(text: str) -> str:
    """Return WeasyPrint's UA stylesheet without its rules for every element's pseudo-elements.

    A report has no footnotes or notes, and markers only on list items. The ``@counter-style``
    rules go too: WeasyPrint's own UA sheet has already put them in the ``UA_COUNTER_STYLE``
    this copy is parsed with, and parsing them again logged "Invalid counter style name"
    for ``disc`` and ``decimal``.
    """
    text = re.sub(r"(?m)^::marker\b", "li::marker", text)
    text = re.sub(r"(?m)^@counter-style[^{]*\{[^}]*\}[ \t]*\n?", "", text)
    return re.sub(r"(?m)^::(?:footnote|note)-[a-z]+\s*\{[^}]*\}[ \t]*\n?", "", text)


def xml_tree(document: str) -> Any:
    """Return the document parsed by expat, shaped like WeasyPrint's own parse; None if it is not XML."""

    try:
        root = ElementTree.fromstring(_DOCTYPE.sub("", document, count=1))
    except ElementTree.ParseError:
        return None
    if root.tag != "html":
        return None
    root.text = None  # whitespace between <html>, <head> and <body> is not content
    for child in root:
        child.tail = None
    for svg in root.iter(_SVG_TAG):  # the HTML5 parser keeps the declaration as an attribute
        svg.set(_XMLNS_ATTR, svg.tag[1:].split("}")[0])
    return root


@lru_cache(maxsize=1)
def report_html_class() -> type:
    """Return WeasyPrint's ``HTML`` adapted to the report (see the comment above)."""
    # weasyprint is heavy to import: loaded only when this output is made
    import weasyprint
    from weasyprint import CSS, HTML

    # the patches import WeasyPrint, which the app loads only once a PDF is laid out
    from .weasyprint_patches import weasyprint_patches_install

    weasyprint_patches_install()
    ua_file = Path(weasyprint.__file__).parent / "css" / "html5_ua.css"
    try:
        from weasyprint.html import UA_COUNTER_STYLE  # not in every release: the except keeps WeasyPrint's sheet

        ua_sheets = [CSS(string=lighter_ua_stylesheet(ua_file.read_text("utf-8")), counter_style=UA_COUNTER_STYLE)]
    except (ImportError, OSError):  # another WeasyPrint layout: keep its own stylesheet
        ua_sheets = None
    # The expat path sets what HTML.__init__ sets after parsing; if a WeasyPrint release sets
    # anything else, use its own constructor instead.
    probe = HTML(string="<p>x</p>", base_url=STATIC_SCHEME, url_fetcher=make_url_fetcher())
    fast_parse = set(vars(probe)) == {"base_url", "url_fetcher", "media_type", "wrapper_element", "etree_element"}

    class ReportHTML(HTML):
        def __init__(self, document: str, url_fetcher: Any) -> None:
            tree = xml_tree(document) if fast_parse else None
            if tree is None:
                super().__init__(string=document, base_url=STATIC_SCHEME, url_fetcher=url_fetcher)
                return
            self.base_url = STATIC_SCHEME
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return ua_sheets if ua_sheets is not None and not forms else super()._ua_stylesheets(forms)

    return ReportHTML


_gc_lock = threading.Lock()
_gc_pausers = 0


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a PDF is laid out, then collect once.

    Layout builds about a hundred thousand linked objects, so the collector would otherwise
    walk the growing document tree again and again (a tenth of the render time). The finished
    document is freed by reference counting once pdf_garbage has cut its cycles; the young
    collection afterwards only picks up the few objects left in cycles (about 20 for the demo).
    Counted, so concurrent renders nest.
    """
    global _gc_pausers
    with _gc_lock:
        _gc_pausers += 1
        if _gc_pausers == 1:
            gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0:
                gc.enable()
        gc.collect(0)


def render_pdf_pages(
    c: ctx.ReportContext, *, assets: Mapping[str, tuple[bytes, str]] | None = None, html: str | None = None
) -> tuple[bytes, int]:
    """Render the report as PDF; return (bytes, number of pages)."""
    return render_document(html if html is not None else render_pdf_html(c), c.cover.accent, assets)


#: Every report PDF is tagged (PDF/UA-1: structure tree in reading order, document language,
#: title shown instead of the file name, alternate text for the charts) so a screen reader can
#: read it. bench/report_bench.py prints what the tagging costs; docs/accessibility.md says why
#: it stays on.
PDF_VARIANT = "pdf/ua-1"


def render_document(
    document: str, accent: str, assets: Mapping[str, tuple[bytes, str]] | None = None, *, tagged: bool = True
) -> tuple[bytes, int]:
    """Lay out a final report document (from :func:`render_pdf_html`) as PDF; return (bytes, pages).

    ``tagged=False`` is for the bench only, to measure what the tags cost.
    """
    # the patches import WeasyPrint, which the app loads only once a PDF is laid out
    from .pdf_garbage import render_scope

    stylesheets, font_config = pdf_style(accent)
    with _gc_paused(), render_scope():
        laid_out = report_html_class()(document, make_url_fetcher(assets)).render(
            stylesheets=stylesheets, font_config=font_config
        )
        pdf = laid_out.write_pdf(pdf_variant=PDF_VARIANT if tagged else None)
        pages = len(laid_out.pages)
        del laid_out
    return pdf, pages
