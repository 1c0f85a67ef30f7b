"""Crawl the app as one person and check every page with axe-core at two widths.

The crawl follows same-origin links (GET only) from the landing page, so a new page is checked
as soon as something links to it; nobody has to add it to a list. Links are found by fetching
the HTML with the browser context's request client (same cookies, no rendering), and only the
pages chosen for checking are rendered. URLs are grouped by Flask endpoint: at most
``PER_ENDPOINT`` instances of each are followed per role and checked over the whole run (the
second instance catches what depends on data, an empty list against a full one, without
checking all 40 touchpoints one by one).
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
PER_ENDPOINT = 2

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


@dataclass
class CrawlResult:
    """What the crawl saw, over every role."""

    visited: int = 0
    checked: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> URLs checked
    findings: list[Finding] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)  # "who: url: scrollWidth px"
    errors: list[str] = field(default_factory=list)  # "who: url: status"
    headings: list[str] = field(default_factory=list)  # "who: url: n <h1>" when n != 1


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_to_follow(app, landed: str, hrefs, base_url: str, queued: set[str], followed: dict[str, int],
                    skip: set[str] = SKIP_ENDPOINTS) -> list[str]:
    """Return the same-origin page links of ``landed`` not yet queued, at most PER_ENDPOINT per endpoint.

    Marks them in ``queued`` and counts them in ``followed`` (both shared by one role's crawl).
    """
    new = []
    for href in hrefs:
        link = urldefrag(urljoin(landed, href))[0]
        if link in queued or not link.startswith(base_url + "/"):
            continue
        if urlsplit(link).path.lower().endswith(SKIP_SUFFIXES):
            continue
        target = endpoint_of(app, link)
        if target is None or target in skip or SKIP_ENDPOINT_PATTERN.search(target):
            continue
        if followed.get(target, 0) >= PER_ENDPOINT:
            continue
        followed[target] = followed.get(target, 0) + 1
        queued.add(link)
        new.append(link)
    return new


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


def crawl(app, context, base_url: str, start: str, result: CrawlResult, who: str,
          max_pages: int = 300) -> None:
    """Visit every page ``context``'s user reaches from ``start``; axe-check the new ones."""
    page = None
    followed: dict[str, int] = {}
    start_url = urljoin(base_url, start)
    queue: deque[str] = deque([start_url])
    queued = {start_url}
    visited = 0
    while queue and visited < max_pages:
        url = queue.popleft()
        response = context.request.get(url)
        if response.status >= 400:
            result.errors.append(f"{who}: {url}: {response.status}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited += 1
        landed = urldefrag(response.url)[0]
        endpoint = endpoint_of(app, landed) or "?"
        checked = result.checked.setdefault(endpoint, [])
        if landed not in checked and len(checked) < PER_ENDPOINT:
            checked.append(landed)
            if page is None:
                page = context.new_page()
                page.set_default_timeout(15_000)
            page.set_viewport_size(WIDE)
            page.goto(landed)
            _check(page, landed, result, who)
        parser = _Links()
        parser.feed(response.text())
        queue.extend(links_to_follow(app, landed, parser.hrefs, base_url, queued, followed))
    result.visited += visited
    if page is not None:
        page.close()


def _check(page, url: str, result: CrawlResult, who: str) -> None:
    h1 = page.evaluate("document.querySelectorAll('h1').length")
    if h1 != 1:
        result.headings.append(f"{who}: {url}: {h1} <h1>")
    # axe-core (570 kB) once per page: resizing does not reload the page, so both runs share it.
    page.evaluate(AXE_SCRIPT)
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        # Let the page's resize handlers (scrollable tables become focusable regions) run first.
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        findings = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
        for violation in findings:
            result.findings.append(Finding(
                url=f"{who}: {url}", width=viewport["width"], rule=violation["id"],
                impact=violation["impact"] or "", help=violation["help"],
                targets=[", ".join(map(str, n["target"])) for n in violation["nodes"]]))
        if viewport is NARROW:
            width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
            if width > viewport["width"]:
                result.too_wide.append(f"{who}: {url}: {width}px")
