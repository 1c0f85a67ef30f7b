"""Crawl the app as each role, then check the pages found with axe-core at two widths.

The crawl has two steps, so that the expensive one can be shared out between test processes:

1. :func:`crawl_plan` follows same-origin links (GET only) from each role's landing page through
   the Flask test client (no browser, no rendering), so a new page is checked as soon as something
   links to it; nobody has to add it to a list. It records every error answer and decides which
   pages are checked, by which role. URLs are grouped by Flask endpoint: at most ``PER_ENDPOINT``
   instances of each are followed per role and checked over the whole run (the second instance
   catches what depends on data, an empty list against a full one, without checking all 40
   touchpoints one by one). A page is checked as the first role that reaches it.
2. :func:`page_check` renders one planned page in Chromium and runs axe-core on it at 1366 px and
   390 px. :meth:`CrawlPlan.group` splits the plan into groups of about equal cost, one test
   each, so pytest-xdist can run them on both cores.

A second instance of an endpoint whose markup has the same *structure* as the first's (the same
elements, classes, ids, roles and ARIA, the same empty and non-empty texts: only the words, the
link targets and the form values differ, as for a list sorted by another column) cannot give axe
anything new to find, so it is rendered for the 390 px width check only (which depends on the
words' lengths), not run through axe again. See :func:`markup_skeleton`.

axe's ``color-contrast`` rule is two thirds of its time on a page (it finds each text's
background by hit-testing the layout). It runs on the first page of each endpoint, at both
widths; an endpoint's second page (the same template with other data) gets every other rule at
both widths but not that one. The colours come from the shared CSS tokens and the template's
classes, which the second page shares: what it can add is data in another state, a badge of a
colour the first page did not show (docs/accessibility.md says so).
"""
from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
PER_ENDPOINT = 2
#: The test client's origin: plans hold paths, so the browser can load them from any server.
CLIENT_ORIGIN = "http://localhost"

#: Endpoints that never answer a page: files, logout, health probes.
SKIP_ENDPOINTS = {"static", "health", "org.logo", "auth.logout"}
#: A link to one of these is a download, not a page.
SKIP_SUFFIXES = (".pdf", ".xlsx", ".csv", ".zip", ".docx", ".json", ".gz", ".yaml", ".png", ".svg")
SKIP_ENDPOINT_PATTERN = re.compile(r"(^|\.)(export|pdf|download)[^.]*$")

#: The WCAG 2.0/2.1/2.2 A and AA rules plus axe's best practices (landmarks, headings, regions).
AXE_OPTIONS = {
    "runOnly": {"type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
    # The findings name their nodes by selector; the nodes' HTML would only be serialised and dropped.
    "noHtml": True,
}


#: The one rule that runs on the first page of each endpoint only (see the module's docstring).
CONTRAST_RULE = "color-contrast"
#: AXE_OPTIONS for an endpoint's second page: every rule but colour contrast.
AXE_OPTIONS_NO_CONTRAST = {**AXE_OPTIONS, "rules": {CONTRAST_RULE: {"enabled": False}}}


#: Look at the page at the current width, in one round trip: let its resize handlers run first
#: (two frames: scrollable tables become focusable regions), count its <h1>, measure its width
#: (``narrow``) and run axe (``options``, unless None). axe hands back only what a finding shows:
#: its whole result describes every rule that ran (passes and inapplicable ones too), and
#: Playwright serialised and validated it field by field in Python (8 % of two groups' Python time).
PAGE_LOOK = """async ([options, narrow]) => {
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    const seen = {h1: document.querySelectorAll('h1').length, width: null, violations: []};
    if (narrow) seen.width = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
    if (options) seen.violations = (await axe.run(document, options)).violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(node => node.target)}));
    return seen;
}"""


@dataclass
class Finding:
    """One axe violation on one page at one width."""

    url: str
    width: int
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3]) + (" ..." if len(self.targets) > 3 else "")
        return f"[{self.impact}] {self.rule} @{self.width}px {self.url}: {self.help} ({len(self.targets)}: {shown})"


@dataclass(frozen=True)
class PlannedCheck:
    """One page to render, as one role; ``axe`` is False for a structural twin (width check only).

    ``contrast``: whether axe's colour-contrast rule runs too (the endpoint's first page).
    """

    who: str
    path: str  # path and query, without the origin
    endpoint: str
    axe: bool
    elements: int  # axe-core's time grows with the page's elements (more than with its bytes)
    contrast: bool = True

    @property
    def cost(self) -> int:
        """Return a rough measure of the check's time: loading the page, and two axe runs over it
        (colour contrast is about two thirds of an axe run)."""
        if not self.axe:
            return 400
        return 400 + (2 * self.elements if self.contrast else 2 * self.elements // 3)


@dataclass
class CrawlPlan:
    """What the link crawl found over every role, and which pages to check as whom."""

    visited: dict[str, int] = field(default_factory=dict)  # who -> pages reached
    errors: list[str] = field(default_factory=list)  # "who: url: status"
    checks: list[PlannedCheck] = field(default_factory=list)

    def group(self, index: int, groups: int) -> list[PlannedCheck]:
        """Return the checks of group ``index`` of ``groups``, the groups of about equal cost.

        The costliest page goes to the cheapest group so far, and so on (the register history's two
        pages of 3,000 elements each go to two groups). Every check is in exactly one group
        (tests/e2e/test_accessibility.py proves it), and the grouping depends only on the plan, so
        every test process that crawls the same demo agrees on it.
        """
        totals = [0] * groups
        mine = []
        for check in sorted(self.checks, key=lambda c: (-c.cost, c.who, c.path)):
            cheapest = totals.index(min(totals))
            totals[cheapest] += check.cost
            if cheapest == index:
                mine.append(check)
        return mine


@dataclass
class CheckResult:
    """What the browser saw on the pages of one group."""

    findings: list[Finding] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)  # "who: url: scrollWidth px"
    errors: list[str] = field(default_factory=list)  # "who: url: status"
    headings: list[str] = field(default_factory=list)  # "who: url: n <h1>" when n != 1

    def problems(self, allowed: dict[str, str]) -> list[str]:
        """Return every problem that fails the test: serious or critical findings, unexplained others."""
        blocking = [str(f) for f in self.findings if f.impact in ("serious", "critical") or f.rule not in allowed]
        return ([f"error page: {line}" for line in self.errors] + blocking
                + [f"wider than 390 px: {line}" for line in self.too_wide]
                + [f"not one <h1>: {line}" for line in self.headings])


#: Comments and processing instructions go, so their following text joins the text around them.
#: lxml's plain HTML parser: ``lxml.html``'s parser gives each element a Python class of its own
#: (chosen by a Python callback for every element the crawls touch, 6 % of the no-English crawl)
#: for methods the crawls do not use.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)


def html_document(text: str) -> Any:
    """Parse a page with libxml2: the crawls parse some 1,500 pages, html.parser took 3-4 times as long."""
    document = etree.fromstring(text, _PARSER)
    if document is None:
        raise ValueError("the page is empty")
    return document


def links_to_follow(app, landed: str, hrefs, base_url: str, queued: set[str], followed: dict[str, int],
                    skip: set[str] = SKIP_ENDPOINTS) -> list[str]:
    """Return the same-origin page links of ``landed`` not yet queued, at most PER_ENDPOINT per endpoint.

    Marks them in ``queued`` and counts them in ``followed`` (both shared by one role's crawl).
    """
    new = []
    # A link's target depends on the page only when it is relative: the menu's and the lists'
    # links ("/o/demo/...") come back on every page, so their targets are looked up once.
    targets = app.extensions.setdefault("a11y_crawl_link_targets", {})
    same_origin = landed.startswith(base_url + "/")
    for href in hrefs:
        key = (base_url, href) if same_origin and href.startswith("/") and not href.startswith("//") else None
        found = targets.get(key) if key else None
        if found is None:
            found = _link_target(app, landed, href, base_url)
            if key:
                targets[key] = found
        link, target = found
        if link in queued or target is None:
            continue
        if target in skip or SKIP_ENDPOINT_PATTERN.search(target):
            continue
        if followed.get(target, 0) >= PER_ENDPOINT:
            continue
        followed[target] = followed.get(target, 0) + 1
        queued.add(link)
        new.append(link)
    return new


def _link_target(app, landed: str, href: str, base_url: str) -> tuple[str, str | None]:
    """Return ``href`` on ``landed`` as a URL without its fragment, and the endpoint of the page it
    loads (None for another origin, a download or no page)."""
    link = urldefrag(urljoin(landed, href))[0]
    if not link.startswith(base_url + "/") or urlsplit(link).path.lower().endswith(SKIP_SUFFIXES):
        return link, None
    return link, endpoint_of(app, link)


def endpoint_of(app, url: str) -> str | None:
    """Return the Flask endpoint a same-origin URL resolves to (None when none does)."""
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(parts.path, method="GET", query_args=parts.query)
    except RequestRedirect as redirect:
        return endpoint_of(app, redirect.new_url)
    except HTTPException:
        return None
    return endpoint


@dataclass(frozen=True)
class Reached:
    """A page the crawl reached: where the request landed (after redirects) and its HTML."""

    url: str
    endpoint: str
    html: str
    document: Any  # the parsed page (lxml)


def pages_reached(app, client, who: str, start: str, errors: list[str], *, headers: dict[str, str] | None = None,
                  skip: set[str] = SKIP_ENDPOINTS, max_pages: int = 300) -> Iterator[Reached]:
    """Yield every HTML page ``client``'s user reaches from ``start`` by following links; note errors.

    Shared by the accessibility crawl and the no-English crawl (tests/i18n), so both reach the
    same pages.
    """
    start_url = urljoin(CLIENT_ORIGIN, start)
    queue: deque[str] = deque([start_url])
    queued, followed = {start_url}, {}
    visited = 0
    while queue and visited < max_pages:
        url = queue.popleft()
        response = client.get(url, headers=headers, follow_redirects=True)
        if response.status_code >= 400:
            errors.append(f"{who}: {url}: {response.status_code}")
            continue
        if not (response.content_type or "").startswith("text/html"):
            continue
        visited += 1
        query = response.request.query_string.decode()
        landed = urljoin(CLIENT_ORIGIN, response.request.path + (f"?{query}" if query else ""))
        html = response.get_data(as_text=True)
        document = html_document(html)
        yield Reached(url=landed, endpoint=endpoint_of(app, landed) or "?", html=html, document=document)
        hrefs = [href for href in document.xpath("//a/@href") if href]
        queue.extend(links_to_follow(app, landed, hrefs, CLIENT_ORIGIN, queued, followed, skip=skip))


def crawl_plan(app, roles: list[tuple[str, Any, str]]) -> CrawlPlan:
    """Crawl as each ``(who, test client logged in as them, start path)`` in order; plan the checks."""
    plan = CrawlPlan()
    checked: dict[str, list[str]] = {}  # endpoint -> paths planned
    skeletons: dict[str, set[str]] = {}  # endpoint -> structures axe will see
    for who, client, start in roles:
        plan.visited[who] = 0
        for page in pages_reached(app, client, who, start, plan.errors):
            plan.visited[who] += 1
            path = page.url.removeprefix(CLIENT_ORIGIN)
            paths = checked.setdefault(page.endpoint, [])
            if path in paths or len(paths) >= PER_ENDPOINT:
                continue
            paths.append(path)
            skeleton = markup_skeleton(page.document)
            seen = skeletons.setdefault(page.endpoint, set())
            axe = skeleton not in seen
            plan.checks.append(PlannedCheck(who=who, path=path, endpoint=page.endpoint, axe=axe,
                                            elements=len(page.document.xpath("//*")),
                                            contrast=axe and len(paths) == 1))
            seen.add(skeleton)
    return plan


#: Attributes that carry the organisation's data or a link target: only whether they are empty
#: matters to axe (an empty alt, an empty aria-label, a link to nowhere).
_DATA_ATTRIBUTES = frozenset({"href", "src", "srcset", "action", "value", "title", "alt", "placeholder",
                              "aria-label", "aria-description", "content", "datetime", "download"})
#: Attributes whose value axe judges by its form (aria-valid-attr-value: aria-valuenow must be a
#: number): kept as a class, number / other text / empty, so a page rendering ``None`` is no twin
#: of one rendering ``3``.
_NUMBER_ATTRIBUTES = frozenset({"aria-valuenow", "aria-valuetext"})
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: Elements whose text is code, not words: kept verbatim.
_CODE_ELEMENTS = frozenset({"script", "style"})


def _attribute_shown(name: str, value: str) -> str:
    # axe trims before it calls a value empty (alt=" " is no text alternative), so do we.
    value = value.strip() if name in _DATA_ATTRIBUTES or name in _NUMBER_ATTRIBUTES or name.startswith("data-") \
        else value
    if name in _NUMBER_ATTRIBUTES:
        return f"{name}{'#' if _NUMBER.fullmatch(value) else '+' if value else '-'}"
    if name in _DATA_ATTRIBUTES or name.startswith("data-"):
        return f"{name}{'+' if value else '-'}"
    return f"{name}={value!r}"


def markup_skeleton(page: str | Any) -> str:
    """Return a digest of a page's structure (HTML or a parsed page): what axe-core's rules look at.

    Kept: every element in order, every attribute name, the values of the attributes rules read
    (class, id, for, role, aria-* references and states, type, lang, tabindex, style, name,
    autocomplete ...), for texts and data attributes whether they are empty (after trimming, as
    axe does), for aria-valuenow/-valuetext whether they are a number, other text or empty, and
    the text of <script> and <style> as it is. Dropped: the words themselves, link targets and
    form values, which differ between two records or two sort orders and which no rule in
    ``AXE_OPTIONS`` judges by anything but their presence.
    """
    document = html_document(page) if isinstance(page, str) else page
    parts: list[str] = []
    for event, element in etree.iterwalk(document, events=("start", "end")):
        if event == "start":
            shown = [_attribute_shown(name, value) for name, value in sorted(element.attrib.items())]
            parts.append(f"<{element.tag} {' '.join(shown)}>")
            if element.tag in _CODE_ELEMENTS:
                parts.append(repr(element.text or ""))
            elif element.text and element.text.strip():
                parts.append("T")
        else:
            parts.append(f"</{element.tag}>")
            if element.tail and element.tail.strip():
                parts.append("T")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def page_check(page, base_url: str, check: PlannedCheck, result: CheckResult) -> None:
    """Render ``check``'s page in ``page`` (the role's logged-in tab) and record what is wrong.

    axe-core must already be on the page: the tab's browser context adds it as an init script,
    so it is handed to Chromium once instead of once per page.

    A page checked at both widths is loaded at the width the tab has (the last page's second
    width) and then resized once to the other: resizing the last page back before leaving it
    laid out every page three times. Which width comes first does not change what is found:
    the pages' only width-dependent script (app.js, the scrollable tables) follows every resize
    both ways, and tests/e2e/test_accessibility.py checks the broken page in both orders.
    """
    url = base_url + check.path
    where = f"{check.who}: {url}"
    if check.axe:
        first = NARROW if page.viewport_size == NARROW else WIDE
        widths = (first, WIDE if first is NARROW else NARROW)
    else:
        widths = (NARROW,)
        if page.viewport_size != NARROW:
            page.set_viewport_size(NARROW)
    response = page.goto(url)
    if response is None or response.status >= 400:
        result.errors.append(f"{where}: {response.status if response else 'no response'}")
        return
    landed = unquote(urlsplit(page.url).path)
    if landed != unquote(urlsplit(check.path).path):  # e.g. a session the app refused: the login page
        result.errors.append(f"{where}: landed on {landed} instead")
        return
    options = (AXE_OPTIONS if check.contrast else AXE_OPTIONS_NO_CONTRAST) if check.axe else None
    for viewport in widths:
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)
        seen = page.evaluate(PAGE_LOOK, [options, viewport is NARROW])
        if viewport is widths[0] and seen["h1"] != 1:
            result.headings.append(f"{where}: {seen['h1']} <h1>")
        for violation in seen["violations"]:
            result.findings.append(Finding(
                url=where, width=viewport["width"], rule=violation["id"],
                impact=violation["impact"] or "", help=violation["help"],
                targets=[", ".join(map(str, target)) for target in violation["targets"]]))
        if viewport is NARROW and seen["width"] > viewport["width"]:
            result.too_wide.append(f"{where}: {seen['width']}px")
