"""WCAG 3.1.2: framework text that falls back to English on a Swedish page is marked lang="en".

The Swedish overlay here lacks every practice title (an incomplete translation): pages and the
report show those titles in English inside ``<span lang="en">``, and nothing else is marked.
"""
from __future__ import annotations

import copy
import html
import io
import json
import pickle
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import docx
import lxml.html
import pytest
from markupsafe import escape
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject
from sqlalchemy import select

from cxgov.actions.services import action_create
from cxgov.extensions import db
from cxgov.framework.catalog import framework_catalog_clear
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR
from cxgov.framework.model import MixedText, SourceText, Text, language_of_part, text_join
from cxgov.reports import render
from cxgov.reports.context import ReportContext
from cxgov.reports.i18n import gettext as report_gettext
from cxgov.reports.models import ReportVersion
from cxgov.reports.selectors import report_context_for_cycle
from cxgov.reports.versions import version_context
from cxgov.reports.word import report_docx
from tests.conftest import login_as
from tests.fast_yaml import yaml_dump, yaml_load
from tests.framework_app.conftest import variant
from tests.report_stand_ins import use_layout_as_document
from tests.reports.test_routes import _answered_cycle

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def _untitled_sv_folder(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """Write the untitled Swedish overlay once per module; no test changes this folder.

    An unchanged folder keeps its catalogue between test apps (tests/conftest.py), so the
    frameworks are read once for the module instead of once for each test.
    """
    folder = tmp_path_factory.mktemp("untitled_sv") / "assessments"
    shutil.copytree(DEFAULT_FRAMEWORK_DIR, folder)
    overlay_file = folder / "cx-governance-1.1.sv.yaml"
    overlay = yaml_load(overlay_file.read_text(encoding="utf-8"))
    for texts in overlay["practices"].values():
        texts.pop("title", None)
    overlay_file.write_text(yaml_dump(overlay, allow_unicode=True, sort_keys=False), encoding="utf-8")
    english = yaml_load((folder / "cx-governance-1.1.yaml").read_text(encoding="utf-8"))
    titles = {p["id"]: p["title"] for d in english["dimensions"] for p in d["practices"]}
    return folder, titles


@pytest.fixture
def untitled_sv(app, _untitled_sv_folder):
    """The shipped frameworks, with a Swedish 1.1 overlay that translates no practice title."""
    folder, titles = _untitled_sv_folder
    app.config["ASSESSMENTS_DIR"] = str(folder)
    framework_catalog_clear()
    yield titles
    framework_catalog_clear()


def _marked(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<span lang=\"en\">([^<]*)</span>", page)]


def test_text_get_says_when_it_fell_back(app):
    text = Text((("en", "Close the inner loop"),), (("da", "Luk den indre loop"),))
    assert not isinstance(text.get("da"), SourceText) and not isinstance(text.get("en"), SourceText)
    assert isinstance(text.get("sv"), SourceText) and text.get("sv") == "Close the inner loop"
    assert str(language_of_part(text.get("sv"), "sv")) == '<span lang="en">Close the inner loop</span>'
    assert language_of_part(text.get("da"), "da") == "Luk den indre loop"
    assert language_of_part(text.get("en"), "en") == "Close the inner loop"
    assert str(language_of_part(SourceText("<b>"), "sv")) == '<span lang="en">&lt;b&gt;</span>'


def test_pages_mark_english_fallback_text(client, make_user, untitled_sv):
    swede = make_user(is_consultant=True, language="sv")
    login_as(client, swede)
    page = client.get("/frameworks/cx-governance/1.1/practices/A1").get_data(as_text=True)
    assert '<html lang="sv"' in page
    assert _marked(page).count(untitled_sv["A1"]) >= 1
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert f'<span lang="en">{escape(untitled_sv["A1"])}</span>' in h1
    # Translated text (the descriptors) is not marked; the attribute (title=) stays plain text.
    assert all(text in untitled_sv.values() for text in _marked(page)), _marked(page)
    assert 'title="<span' not in page
    overview = client.get("/frameworks/cx-governance/1.1/").get_data(as_text=True)
    assert set(_marked(overview)) == set(untitled_sv.values())


def test_the_report_page_and_pdf_html_mark_english_fallback_text(client, make_org, make_member, make_user,
                                                                   untitled_sv):
    consultant = make_user(is_consultant=True)
    org = make_org(language="sv", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    login_as(client, consultant)
    page = client.get(f"/o/{org.slug}/reports/{cycle.id}?lang=sv").get_data(as_text=True)
    gaps = report_context_for_cycle(org, cycle, lang="sv").gaps
    assert gaps
    for gap in gaps:
        assert f'<span lang="en">{escape(gap.title)}</span>' in page, gap.title
        assert gap.title == untitled_sv[gap.practice_id]
        assert f'<span lang="en">{escape(gap.next_step)}</span>' not in page  # translated: not marked
    context = report_context_for_cycle(org, cycle, lang="sv")
    pdf_html = render.render_pdf_html(context)
    assert f'<span lang="en">{escape(gaps[0].title)}</span>' in pdf_html
    english = report_context_for_cycle(org, cycle, lang="en")
    assert '<span lang="en">' not in render.render_pdf_html(english)


def test_a_stored_context_keeps_its_english_marks(client, make_org, make_member, make_user, untitled_sv, monkeypatch):
    """JSON has no SourceText: the stored context says where each sits, and the rebuilt one marks it."""
    use_layout_as_document(monkeypatch)
    consultant = make_user(is_consultant=True)
    org = make_org(language="sv", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    context = report_context_for_cycle(org, cycle, lang="sv")
    stored = json.loads(json.dumps(context.to_dict()))
    assert ["gaps", 0, "title"] in stored["source_texts"]
    rebuilt = ReportContext.from_dict(stored)
    assert rebuilt == context
    assert isinstance(rebuilt.gaps[0].title, SourceText)
    assert isinstance(rebuilt.dimensions[0].practices[0].title, SourceText)
    assert not isinstance(rebuilt.gaps[0].next_step, SourceText)  # translated: stays plain
    assert rebuilt.context_hash() == context.context_hash()
    english = report_context_for_cycle(org, cycle, lang="en").to_dict()
    assert "source_texts" not in english  # nothing fell back: the stored form is as before
    # A path that no longer fits (hand-edited JSON) leaves the text unmarked, not broken.
    stored["source_texts"].append(["gaps", 99, "title"])
    assert ReportContext.from_dict(stored) == context

    login_as(client, consultant)
    base = f"/o/{org.slug}/reports/{cycle.id}"
    assert client.post(f"{base}/issue?lang=sv").status_code == 302
    version = db.session.scalar(select(ReportVersion).where(ReportVersion.cycle_id == cycle.id))
    assert version.context["language"] == "sv" and version.context["source_texts"]
    page = client.get(f"{base}/v1").get_data(as_text=True)
    for gap in context.gaps:
        assert f'<span lang="en">{escape(gap.title)}</span>' in page, gap.title
    pdf_html = render.render_pdf_html(version_context(version))
    assert f'<span lang="en">{escape(context.gaps[0].title)}</span>' in pdf_html


def _word_languages(data: bytes) -> tuple[str, dict[str, set[str]]]:
    """Return a .docx file's default run language and, per w:lang of a run, the runs' texts."""
    document = docx.Document(io.BytesIO(data))
    default = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(f"{W}val")
    marked: dict[str, set[str]] = {}
    for run in document.element.body.iter(f"{W}r"):
        lang = run.find(f"{W}rPr/{W}lang")
        if lang is not None:
            marked.setdefault(lang.get(f"{W}val"), set()).add("".join(t.text or "" for t in run.iter(f"{W}t")))
    return default, marked


def test_the_word_report_is_in_its_language_and_marks_english_fallback_text(make_org, make_member, untitled_sv):
    org = make_org(language="sv")
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    context = report_context_for_cycle(org, cycle, lang="sv")
    default, marked = _word_languages(report_docx(context))
    assert default == "sv-SE"  # the template said en-US for every run
    assert set(marked) == {"en-GB"}
    assert {g.title for g in context.gaps} <= marked["en-GB"]
    assert marked["en-GB"] <= set(untitled_sv.values())  # nothing translated is marked English
    # An issued version rebuilt from its stored JSON marks the same runs.
    stored = ReportContext.from_dict(json.loads(json.dumps(context.to_dict())))
    assert _word_languages(report_docx(stored)) == (default, marked)

    english_default, english_marked = _word_languages(report_docx(report_context_for_cycle(org, cycle, lang="en")))
    assert english_default == "en-GB" and english_marked == {}
    danish_default, danish_marked = _word_languages(report_docx(report_context_for_cycle(org, cycle, lang="da")))
    assert danish_default == "da-DK" and danish_marked == {}  # Danish is complete


@pytest.fixture(scope="module")
def _bare_sv_folder(_untitled_sv_folder, tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    """Write the bare Swedish overlay once per module, from the untitled one; no test changes it."""
    untitled, titles = _untitled_sv_folder
    folder = tmp_path_factory.mktemp("bare_sv") / "assessments"
    shutil.copytree(untitled, folder)
    overlay_file = f"{folder}/cx-governance-1.1.sv.yaml"
    with open(overlay_file, encoding="utf-8") as handle:
        overlay = yaml_load(handle)
    overlay.pop("title", None)
    overlay["stages"] = {}
    for texts in overlay["dimensions"].values():
        texts.pop("title", None)
    with open(overlay_file, "w", encoding="utf-8") as handle:
        yaml_dump(overlay, handle, allow_unicode=True, sort_keys=False)
    english = yaml_load(open(f"{folder}/cx-governance-1.1.yaml", encoding="utf-8"))
    return folder, {
        "framework": english["title"],
        "dimensions": {d["title"] for d in english["dimensions"]},
        "practices": set(titles.values()),
        "stages": {s["name"] for s in english.get("stages", [])},
    }


@pytest.fixture
def bare_sv(untitled_sv, app, _bare_sv_folder):
    """Also no Swedish framework title, dimension titles or stage texts: every section shows some English."""
    folder, english = _bare_sv_folder
    app.config["ASSESSMENTS_DIR"] = str(folder)
    framework_catalog_clear()
    yield english


def _language_at(node) -> str | None:
    """Return the language in force at ``node``: its own lang / xml:lang or its nearest ancestor's."""
    for element in (node, *node.iterancestors()):
        lang = element.get("lang") or element.get("xml:lang")
        if lang:
            return lang
    return None


def test_every_report_section_marks_english_fallback_text(client, make_org, make_member, make_user, bare_sv):
    """Key messages, summary, charts (their table and SVG labels), actions, method, cover and contents."""
    consultant = make_user(is_consultant=True)
    org = make_org(language="sv", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    action_create(org=org, by=None, title="Ring tillbaka kunderna", practice_id="A1", due_date=date(2026, 9, 1))
    db.session.commit()
    login_as(client, consultant)
    page = client.get(f"/o/{org.slug}/reports/{cycle.id}?lang=sv").get_data(as_text=True)
    context = report_context_for_cycle(org, cycle, lang="sv")
    english = {bare_sv["framework"], *bare_sv["dimensions"], *bare_sv["practices"], *bare_sv["stages"]}
    for name, markup in (("page", page), ("pdf", render.render_pdf_html(context))):
        root = lxml.html.fromstring(markup)
        article = root if name == "pdf" else root.xpath("//article")[0]
        assert root.get("lang") == "sv"
        seen: dict[str, set[str]] = {}
        for element in article.iter():
            if not isinstance(element.tag, str) or element.tag in ("style", "script", "title"):
                continue
            for text in (element.text, *(child.tail for child in element)):
                text = " ".join((text or "").split())
                if text in english:
                    seen.setdefault(_language_at(element), set()).add(text)
        # English fallback text anywhere in the report is inside lang="en", never read as Swedish.
        assert set(seen) == {"en"}, (name, {k: sorted(v)[:3] for k, v in seen.items()})
        shown = seen["en"]
        assert bare_sv["framework"] in shown  # cover and method
        assert bare_sv["dimensions"] <= shown  # charts table, contents, appendix B
        rows = (*context.actions.done, *context.actions.overdue, *context.actions.open)
        assert rows and rows[0].practice_title in shown  # the action plan's table
        if context.summary.stage:
            assert context.summary.stage in shown  # key messages
        # SVG labels: the radar (or bars) and the trend legend name the dimensions, the heatmap
        # the practices; each label of English text carries xml:lang and lang "en".
        labels = [(t.get("lang"), t.get("{http://www.w3.org/XML/1998/namespace}lang") or t.get("xml:lang"),
                   "".join(t.itertext()).rstrip("\u2026")) for t in article.iter("text")]
        marked = [text for lang, xml_lang, text in labels if lang == "en" and xml_lang == "en"]
        assert marked and all(any(text in full for full in english) for text in marked), marked[:5]
        assert not [text for lang, _x, text in labels if lang is None and text in english]
        for title in bare_sv["dimensions"]:
            assert any(title.startswith(text) for text in marked), title


def test_the_report_editor_marks_report_text_in_another_language(client, make_org, make_member, make_user,
                                                                 untitled_sv):
    """A Swedish report edited by an English-speaking consultant: its Swedish gap titles say so."""
    consultant = make_user(is_consultant=True, language="en")
    org = make_org(language="da", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    login_as(client, consultant)
    page = client.get(f"/o/{org.slug}/reports/{cycle.id}/edit").get_data(as_text=True)
    assert '<html lang="en"' in page
    gap = report_context_for_cycle(org, cycle, lang="da").gaps[0]
    assert f'<span lang="da">{escape(gap.title)}</span>' in page


def test_english_text_inside_a_translated_sentence_is_marked(client, make_user, bare_sv, app, tmp_path):
    """A level name, framework title or stage name put into a Swedish sentence keeps lang="en"."""
    folder = tmp_path / "assessments"  # a copy: the module's bare folder stays as it is for the others
    shutil.copytree(app.config["ASSESSMENTS_DIR"], folder)
    app.config["ASSESSMENTS_DIR"] = str(folder)
    overlay_file = f"{folder}/cx-governance-1.1.sv.yaml"
    with open(overlay_file, encoding="utf-8") as handle:
        overlay = yaml_load(handle)
    overlay.pop("level_names", None)
    with open(overlay_file, "w", encoding="utf-8") as handle:
        yaml_dump(overlay, handle, allow_unicode=True, sort_keys=False)
    framework_catalog_clear()
    english = yaml_load(open(f"{folder}/cx-governance-1.1.yaml", encoding="utf-8"))
    swede = make_user(is_consultant=True, language="sv")
    login_as(client, swede)

    practice = lxml.html.fromstring(client.get("/frameworks/cx-governance/1.1/practices/A1").get_data(as_text=True))
    labels = practice.find_class("cx-next-label")
    assert labels
    for label, level_name in zip(labels, english["level_names"][1:]):
        (span,) = label.findall("span")
        assert span.get("lang") == "en" and span.text == level_name
        assert "<" not in label.text_content()  # the sentence around it is escaped text

    crosswalk = client.get("/frameworks/cx-governance/1.1/crosswalk/").get_data(as_text=True)
    assert f'<span lang="en">{escape(bare_sv["framework"])}</span>' in crosswalk

    # A framework uploaded in English only: the Swedish "is now in the library" names it in English.
    response = client.post("/frameworks/upload", follow_redirects=True, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(variant(version="1.2", title="Our <b> framework").encode()),
                                          "ours.yaml")})
    alert = lxml.html.fromstring(response.get_data(as_text=True)).find_class("alert-success")[0]
    (span,) = alert.findall("span")
    assert span.get("lang") == "en" and span.text == "Our <b> framework" and not alert.findall(".//b")
    assert "Our <b> framework" not in alert.text  # the title is inside its span, the rest is Swedish


def test_cycle_pages_mark_english_stage_and_level_names(client, make_org, make_member, make_user, bare_sv):
    consultant = make_user(is_consultant=True, language="sv")
    org = make_org(language="sv", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    login_as(client, consultant)
    dashboard = client.get(f"/o/{org.slug}/cycles/{cycle.id}/").get_data(as_text=True)
    stage = report_context_for_cycle(org, cycle, lang="sv").summary.stage
    assert stage in bare_sv["stages"]
    assert f'<div class="fw-semibold"><span lang="en">{escape(stage)}</span></div>' in dashboard


def _structure_languages(pdf: bytes) -> list[str]:
    """Return the /Lang of every structure element in the PDF's tag tree, in reading order."""
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject) and node.get("/Type") == "/StructElem":
            if "/Lang" in node:
                found.append(str(node["/Lang"]))
            if "/K" in node:
                walk(node["/K"])

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]["/K"])
    return found


def test_the_tagged_pdf_says_which_parts_are_english(make_org, make_member, untitled_sv):
    """WeasyPrint drops an element's own lang from the tag tree; cxgov.reports.pdf_lang keeps it."""
    org = make_org(language="sv")
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    swedish = report_context_for_cycle(org, cycle, lang="sv")
    pdf, _ = render.render_document(render.render_pdf_html(swedish), swedish.cover.accent)
    languages = _structure_languages(pdf)
    assert languages and set(languages) == {"en"}  # the English titles, and nothing else marked
    english = report_context_for_cycle(org, cycle, lang="en")
    pdf, _ = render.render_document(render.render_pdf_html(english), english.cover.accent)
    assert _structure_languages(pdf) == []

KEY_MESSAGES = "//*[@data-testid='key-messages']/li"


def _sentence_with_english(root, xpath: str, titles: set[str]) -> list[tuple[str, str]]:
    """Return (English title, whole sentence) for each ``xpath`` item holding a lang="en" title."""
    out = []
    for item in root.xpath(xpath):
        for span in item.findall(".//span[@lang='en']"):
            if span.text in titles:
                out.append((span.text, " ".join(item.text_content().split())))
    return out


def test_report_sentences_mark_an_english_practice_title_inside_them(client, make_org, make_member, make_user,
                                                                     untitled_sv):
    """Key messages and the automatic summary are Swedish sentences naming practices whose titles
    have no Swedish: the title alone is lang="en", in the page, the PDF, Word and an issued version."""
    consultant = make_user(is_consultant=True)
    org = make_org(language="sv", consultant=consultant)
    cycle = _answered_cycle(org, make_member)
    db.session.commit()
    context = report_context_for_cycle(org, cycle, lang="sv")
    titles = set(untitled_sv.values())
    named = [m for m in context.narrative.key_messages if any(t in m for t in titles)]
    assert named, context.narrative.key_messages
    login_as(client, consultant)
    page = client.get(f"/o/{org.slug}/reports/{cycle.id}?lang=sv").get_data(as_text=True)
    for name, markup in (("page", page), ("pdf", render.render_pdf_html(context))):
        root = lxml.html.fromstring(markup)
        assert root.get("lang") == "sv"
        messages = _sentence_with_english(root, KEY_MESSAGES, titles)
        assert {sentence for _title, sentence in messages} == {" ".join(m.split()) for m in named}, name
        for title, sentence in messages:
            assert sentence != title and sentence.startswith(("Överbrygga", "Börja med")), sentence
        summary = _sentence_with_english(root, "//*[@data-testid='summary']//*[self::li or self::p]", titles)
        assert summary and all(sentence != title for title, sentence in summary), name
        # Only the titles are English: the Swedish around them is not inside any lang="en".
        for item in root.xpath(KEY_MESSAGES):
            assert item.get("lang") is None and (item.text or "").strip()

    # Word: the same sentence in one paragraph, the title its own English run.
    document = docx.Document(io.BytesIO(report_docx(context)))
    paragraphs = {p.text: p for p in document.paragraphs}
    for message in named:
        paragraph = paragraphs[message]
        english = [r.text for r in paragraph.runs if r._r.find(f"{W}rPr/{W}lang") is not None]
        assert len(english) == 1 and english[0] in titles and english[0] in message, english
    default, marked = _word_languages(report_docx(context))
    assert default == "sv-SE" and set(marked) == {"en-GB"} and marked["en-GB"] <= titles

    # An issued version (rebuilt from JSON) marks the same pieces; plain text is unchanged.
    stored = json.loads(json.dumps(context.to_dict()))
    assert stored["mixed_texts"]
    rebuilt = ReportContext.from_dict(stored)
    assert rebuilt == context and rebuilt.context_hash() == context.context_hash()
    assert [m.parts for m in rebuilt.narrative.key_messages if hasattr(m, "parts")] == [m.parts for m in named]
    assert render.render_pdf_html(rebuilt) == render.render_pdf_html(context)
    # Spans that no longer fit (hand-edited JSON) leave the sentence unmarked, not broken.
    stored["mixed_texts"][0][1] = [[5, 10_000]]
    assert ReportContext.from_dict(stored) == context
    english = report_context_for_cycle(org, cycle, lang="en")
    assert "mixed_texts" not in english.to_dict() and '<span lang="en">' not in render.render_pdf_html(english)


def test_text_join_keeps_english_pieces_and_escapes_each():
    title = SourceText("Close <the> loop")
    sentence = text_join(("Börja med A1 ", title, " nästa kvartal."))
    assert isinstance(sentence, MixedText) and sentence == "Börja med A1 Close <the> loop nästa kvartal."
    assert str(language_of_part(sentence, "sv")) == (
        'Börja med A1 <span lang="en">Close &lt;the&gt; loop</span> nästa kvartal.'
    )
    # On an English page showing a Swedish report: the sentence is Swedish, the title not marked twice.
    assert str(language_of_part(sentence, "en", "sv")) == (
        '<span lang="sv">Börja med A1 <span lang="en">Close &lt;the&gt; loop</span> nästa kvartal.</span>'
    )
    assert text_join(("- ", sentence)).parts[1] is title or text_join(("- ", sentence)).parts[1] == title
    assert ("- " + sentence).parts == ("- Börja med A1 ", title, " nästa kvartal.")
    assert type(text_join(("a", "b"), " ")) is str and text_join((title,)) is title
    assert pickle.loads(pickle.dumps(sentence)).parts == sentence.parts
    assert copy.deepcopy(sentence).parts == sentence.parts
    # the report's gettext keeps a placeholder's English value marked, in any position
    formatted = report_gettext("%(id)s %(title)s: %(what)s", id="A1", title=title, what=sentence)
    assert [type(p) for p in formatted.parts] == [str, SourceText, str, SourceText, str]
    # a stand-in typed by someone (a respondent's note) is dropped, never taken for a title
    typed = report_gettext("%(a)s %(t)s", a="x\ue0000\ue001y", t=title)
    assert typed.parts == ("xy ", title)
