"""No English left on a page shown in Swedish, Danish or Norwegian.

The demo workspace is crawled as each role (respondent, ambassador, sponsor, consultant,
viewer, admin and a visitor who is not logged in) with the organisation, the users and the
browser set to the language, following every same-origin link as the accessibility crawl
does (tests/e2e/a11y_crawl.py), through the test client: the pages are server-rendered, so
the HTML holds every word a browser shows, and the crawl of three languages takes well under
a minute without a browser.

A text is "English left" when it equals the English source of a catalogue entry whose
translation differs (an entry translated to the same word, "Status", or a code like "CX" is
not flagged), or when it matches such an entry with its placeholders filled in ("3
touchpoints have no owner"), or when it equals an English framework text that the
language's overlay translates. Text nodes, the attributes people hear or see (aria-label,
title, placeholder, alt, button values, confirmations) and the messages handed to scripts are
checked. Text that is the organisation's own data (names, notes, titles in the database) is
never flagged: users write it in whatever language they like.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from lxml import etree
from sqlalchemy import String, Text, select

from cxgov.auth.models import User
from cxgov.catalogues import TRANSLATIONS, catalogue_read
from cxgov.demo import DEMO_ADMIN, DEMO_AMBASSADOR, DEMO_CONSULTANT, DEMO_SLUG, DEMO_SPONSOR
from cxgov.extensions import db
from cxgov.framework.model import Text as FrameworkText
from cxgov.orgs.models import Organisation
from tests.conftest import login_as
from tests.e2e.a11y_crawl import SKIP_ENDPOINTS as A11Y_SKIP_ENDPOINTS
from tests.e2e.a11y_crawl import pages_reached
from tests.e2e.conftest import demo_database

#: The languages with a catalogue; the catalogue test fails when one the app offers is missing.
LANGUAGES = sorted(p.parents[1].name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))

#: (who, e-mail; None is a visitor who is not logged in), respondent first as in the a11y crawl.
ROLES = [
    ("respondent", "agent1@demo.cxgov.example"),
    ("ambassador", DEMO_AMBASSADOR),
    ("sponsor", DEMO_SPONSOR),
    ("consultant", DEMO_CONSULTANT),
    ("viewer", "ceo@demo.cxgov.example"),
    ("admin", DEMO_ADMIN),
    ("visitor", None),
]

#: The accessibility crawl's endpoints that answer no page, and the API reference: it is for
#: programmers and in English, as the API's own messages are (docs/api.md), marked lang="en".
SKIP_ENDPOINTS = A11Y_SKIP_ENDPOINTS | {"api_v1_docs.docs"}

#: Texts that may stay as they are in every language although a catalogue entry translates
#: them: names of things and codes (and why).
ALLOWED: dict[str, str] = {
    "cxgov": "the product's name",
}

#: Attributes whose words a person sees or hears.
TEXT_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description", "data-confirm",
                   "aria-valuetext", "data-here-label", "data-scroll-label"}
#: A placeholder in a catalogue entry: %(name)s, %(num)d, %s, {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sd]|\{\w*\}")


#: Elements whose contents are not words: scripts, and codes a file or command must contain as they are.
NOT_WORDS = {"script", "style", "code", "kbd", "samp"}


@dataclass
class _Page:
    """A page's texts (text nodes, spoken attributes, script messages) and its <html lang>."""

    texts: list[str] = field(default_factory=list)
    lang: str | None = None

    @classmethod
    def read(cls, document: Any) -> _Page:
        """Collect the texts of a parsed page (tests/e2e/a11y_crawl.py html_document)."""
        page = cls(lang=document.get("lang"))
        skip = 0
        for event, element in etree.iterwalk(document, events=("start", "end")):
            if event == "start":
                page._attributes(element.attrib)
                if element.tag in NOT_WORDS:
                    skip += 1
                if not skip and element.text:
                    page.texts.append(element.text)
            else:
                if element.tag in NOT_WORDS:
                    skip -= 1
                if not skip and element.tail:
                    page.texts.append(element.tail)  # the text after an element belongs to its parent
        return page

    def _attributes(self, attributes: Any) -> None:
        for name, value in attributes.items():
            if name in TEXT_ATTRIBUTES:
                self.texts.append(value)
            elif name == "value" and attributes.get("type") in ("submit", "button", "reset"):
                self.texts.append(value)
            elif name == "data-messages":
                self.texts.extend(_strings_in(json.loads(value)))


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def _pieces(text: str) -> Iterator[str]:
    """Yield the text, or its parts when separators (" · ", " | ", " – ") join independent phrases.

    A page title "<an action's own title> · cxgov" is two phrases; checked whole, a pattern's
    trailing placeholder would swallow the separator and the product's name.
    """
    text = " ".join(text.split())
    parts = [p.strip(" ·|–—:()") for p in re.split(r" · | \| | – ", text)]
    yield from (p for p in parts if p)


@dataclass
class EnglishSources:
    """What counts as English left over in one language."""

    exact: set[str] = field(default_factory=set)
    #: per entry with placeholders: (pattern, number of its own literal characters, the literal text
    #: it starts with, the literal text it ends with), the most literal characters first
    patterns: list[tuple[re.Pattern[str], int, str, str]] = field(default_factory=list)
    #: text -> what :meth:`matches` said: the menu, the footer and the table headings come back on
    #: every page, and matching a text against every pattern is most of the crawl's own work
    verdicts: dict[str, bool] = field(default_factory=dict)

    def matches(self, text: str) -> bool:
        """Return True when ``text`` is an English source, or one with its placeholders filled.

        A filled-in entry must be mostly its own words: "3 touchpoints have no owner" is
        English left over, but a Danish sentence quoting an English action title that ends in
        ": reach level 3" is not the entry "%(practice)s %(title)s: reach level %(level)d".
        """
        verdict = self.verdicts.get(text)
        if verdict is None:
            verdict = self.verdicts[text] = self._matches(text)
        return verdict

    def _matches(self, text: str) -> bool:
        if text in self.exact:
            return True
        for pattern, literal, head, tail in self.patterns:
            if literal * 2 < len(text):
                return False  # this entry and every later one are too few of the text's words
            if text.startswith(head) and text.endswith(tail) and pattern.fullmatch(text):
                return True
        return False


def english_sources(lang: str, frameworks: list[Any]) -> EnglishSources:
    """Return the English texts that ``lang``'s catalogue and framework overlays translate."""
    catalog = catalogue_read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    sources = EnglishSources()
    patterns = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, source in enumerate(ids):
            translated = strings[min(index, len(strings) - 1)] if strings else ""
            if translated == source:
                continue  # the same word in this language ("Status") or a code
            if not PLACEHOLDER.search(source):
                sources.exact.add(" ".join(source.split()))
                continue
            literal = PLACEHOLDER.sub("", source)
            # Only patterns with enough words of their own: "%(a)s: %(b)s" would match anything.
            if len(re.findall(r"[A-Za-z]{3,}", literal)) >= 2:
                parts = PLACEHOLDER.split(" ".join(source.replace("%%", "%").split()))
                patterns.append((r".+?".join(re.escape(p) for p in parts), sum(map(len, parts)), parts[0], parts[-1]))
    for framework in frameworks:
        for text in _framework_texts(framework):
            english, local = text.get("en"), text.get(lang)
            if local != english:
                sources.exact.add(" ".join(english.split()))
    unique = sorted(set(patterns), key=lambda entry: (-entry[1], entry[0]))
    sources.patterns = [(re.compile(p), literal, head, tail) for p, literal, head, tail in unique]
    return sources


def _framework_texts(value: Any, seen: set[int] | None = None) -> Iterator[FrameworkText]:
    """Yield every framework Text inside a framework (titles, levels, steps, prompts ...)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, FrameworkText):
        yield value
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _framework_texts(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _framework_texts(item, seen)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _framework_texts(getattr(value, name), seen)


def user_data_texts() -> set[str]:
    """Return every text stored in the database: the organisation's own words, in any language."""
    texts: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            texts.update(" ".join(v.split()) for v in row if isinstance(v, str) and len(v) < 2000)
    return texts


@dataclass
class LanguageCrawl:
    lang: str
    pages: int = 0
    english: dict[str, str] = field(default_factory=dict)  # text -> first page it was seen on
    wrong_lang: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: text -> the English pieces in it: the menu, the footer and the headings come back on every
    #: page, and cutting a text into pieces and judging them was most of the crawl's own work
    english_in: dict[str, list[str]] = field(default_factory=dict)


def crawl_language(app, client, who: str, crawl: LanguageCrawl, sources: EnglishSources,
                   own_words: set[str], max_pages: int = 250) -> None:
    """Visit every page ``client``'s user reaches from the landing page and collect English left."""
    start = "/" if who != "visitor" else "/login"
    for reached in pages_reached(app, client, who, start, crawl.errors, headers={"Accept-Language": crawl.lang},
                                 skip=SKIP_ENDPOINTS, max_pages=max_pages):
        crawl.pages += 1
        page = _Page.read(reached.document)
        if page.lang and page.lang.split("-")[0] != crawl.lang:
            crawl.wrong_lang.append(f"{who}: {reached.url}: <html lang={page.lang}>")
        for text in page.texts:
            english = crawl.english_in.get(text)
            if english is None:
                english = crawl.english_in[text] = _english_pieces(text, sources, own_words)
            for piece in english:
                crawl.english.setdefault(piece, f"{who}: {reached.url}")


def _english_pieces(text: str, sources: EnglishSources, own_words: set[str]) -> list[str]:
    """Return the pieces of ``text`` that are English left over (never the organisation's own words)."""
    english = []
    for piece in _pieces(text):
        if piece in ALLOWED or piece in own_words or not re.search(r"[A-Za-z]{2}", piece):
            continue
        if sources.matches(piece):
            english.append(piece)
    return english


@pytest.fixture(scope="session")
def demo_app() -> Iterator[Any]:
    """The demo workspace on a database of its own, built once per test process for every language.

    The crawl only reads it, apart from the language each test sets first.
    """
    with demo_database("i18n_demo") as app:
        yield app


@pytest.fixture
def demo(demo_app) -> Iterator[Organisation]:
    with demo_app.app_context():
        yield db.session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
        db.session.remove()


def _set_language(org: Organisation, lang: str) -> None:
    """Make ``lang`` the organisation's and every user's own language (when users can choose one)."""
    org.language = lang
    for user in db.session.scalars(select(User)):
        for attribute in ("language", "locale", "preferred_language"):
            if hasattr(user, attribute):
                setattr(user, attribute, lang)
    db.session.commit()


@pytest.mark.skipif(not LANGUAGES, reason="no catalogue yet: test_every_interface_language_has_a_catalogue fails")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_english_is_left_on_any_page(demo_app, demo, lang):
    """One test per language, so pytest-xdist can crawl the languages on both cores."""
    from cxgov.framework.catalog import framework_catalog

    catalog = framework_catalog()
    frameworks = [fw for key in catalog.versions for fw in catalog.all_versions(key)]
    _set_language(demo, lang)
    own_words = user_data_texts()
    users = {u.email: u for u in db.session.scalars(select(User))}
    sources = english_sources(lang, frameworks)
    crawl = LanguageCrawl(lang)
    for who, email in ROLES:
        client = demo_app.test_client()
        if email:
            login_as(client, users[email])
        crawl_language(demo_app, client, who, crawl, sources, own_words)
    print(f"\n{crawl.pages} pages crawled in {lang}")
    assert crawl.pages > 40, f"{lang}: the crawl reached only {crawl.pages} pages: did logging in fail?"
    report = [f"{lang}: {text!r} on {where}" for text, where in sorted(crawl.english.items())]
    report += [f"{lang}: error page {line}" for line in crawl.errors]
    report += [f"{lang}: {line}" for line in crawl.wrong_lang]
    assert not report, f"{len(report)} English texts or problems left:\n" + "\n".join(report[:200])
