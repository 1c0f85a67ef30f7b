"""A Swedish and a Danish PDF of the demo, read back as text (pdftotext) the way a client reads them.

Headings, summary sentences, practice titles and level descriptors must be in the report's
language (from the catalogues and the framework overlays on main), figures must carry a decimal
comma, and the language's own letters must survive the fonts.
"""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from babel.support import Translations
from pypdf import PdfReader
from sqlalchemy import select

from cxgov import demo
from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.i18n import TRANSLATIONS_DIR
from cxgov.orgs.models import Organisation
from cxgov.reports.selectors import report_context_for_cycle
from tests.conftest import _empty_all_tables, demo_workspace_copy, make_test_app

LETTERS = {"sv": "åäö", "da": "æøå"}
#: Report headings every report has, as written in the templates.
HEADINGS = ("Key messages", "Executive summary", "Prioritised gaps and next steps", "Method and confidence")


def _words(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def _plain(markup_text: str) -> str:
    """Return the summary's text without the report's light markup (**bold**, list dashes)."""
    return _words(re.sub(r"\*\*|^\s*-\s+", "", markup_text, flags=re.M))


@pytest.fixture(scope="module")
def demo_pdfs(_schema, tmp_path_factory):
    """Build the demo once and write its last closed quarter as a Swedish and a Danish PDF."""
    app = make_test_app()
    out = tmp_path_factory.mktemp("pdfs")
    with app.app_context():
        demo_workspace_copy()
        org = db.session.scalar(select(Organisation).where(Organisation.slug == demo.DEMO_SLUG))
        cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.status == "closed")
                                  .order_by(Cycle.period.desc()).limit(1))
        runner = app.test_cli_runner()
        found = {}
        for lang in ("sv", "da"):
            path = out / f"demo-{lang}.pdf"
            result = runner.invoke(args=["report", "pdf", org.slug, cycle.period, "--lang", lang,
                                         "-o", str(path)])
            assert result.exit_code == 0, result.output
            context = report_context_for_cycle(org, cycle, lang=lang)
            english = report_context_for_cycle(org, cycle, lang="en")
            with force_locale(lang):
                headings = {h: babel_gettext(h) for h in HEADINGS}
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout
            found[lang] = (path.read_bytes(), _words(text), context, english, headings)
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()
    return found


@pytest.mark.parametrize("lang", ["sv", "da"])
def test_headings_summary_titles_and_descriptors_are_in_the_language(demo_pdfs, lang):
    pdf, text, context, english, headings = demo_pdfs[lang]
    assert context.language == lang
    for source, translated in headings.items():
        assert translated != source, f"{source!r} has no {lang} translation"
        assert translated in text, translated
    # The automatic summary's first sentence, as the context wrote it in this language.
    first = re.split(r"(?<=[.!?])\s", _plain(context.narrative.summary_text))[0]
    assert first != re.split(r"(?<=[.!?])\s", _plain(english.narrative.summary_text))[0]
    assert first in text, first
    gaps = context.gaps[:3]
    assert gaps, "the demo's report has no gaps"
    for gap, source in zip(gaps, english.gaps[:3]):
        assert gap.practice_id == source.practice_id
        assert gap.title != source.title, f"{gap.practice_id} has no {lang} title"
        assert gap.title in text, gap.title
        assert gap.current_text != source.current_text
        assert _words(gap.current_text)[:60] in text, gap.current_text
        # English only inside the demo's action titles, which are the organisation's own data.
        assert text.count(source.title) == text.count(f"{source.title}: reach level"), source.title


@pytest.mark.parametrize("lang", ["sv", "da"])
def test_decimal_commas_letters_and_document_language(demo_pdfs, lang):
    pdf, text, _context, _english, _headings = demo_pdfs[lang]
    commas = re.findall(r"(?<![\d.,])[0-5],\d(?![\d,])", text)
    assert len(commas) >= 10, "levels are not written with a decimal comma"
    # A point is left only in framework version numbers ("version 1.1", "new in 1.1").
    points = set(re.findall(r"(?<![\d.,])[0-5]\.\d(?![\d.])", text))
    assert points <= {"1.0", "1.1"}, points
    for letter in LETTERS[lang]:
        assert letter in text, f"{letter} is missing from the {lang} PDF"
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert str(root.get("/Lang")) == lang


@pytest.mark.parametrize("lang", ["sv", "da"])
def test_suggested_owners_do_not_depend_on_the_language(demo_pdfs, lang):
    # The role that owns a next step is read from the step's source text: a translated step
    # ("Ledningsgruppen godkänner ...") must suggest the same owner as the English one.
    _pdf, _text, context, english, _headings = demo_pdfs[lang]

    def owners(ctx):
        gaps = [(g.practice_id, g.owner_from_register, g.owner if g.owner_from_register else None) for g in ctx.gaps]
        steps = [
            (s.practice_id, s.owner_from_register, s.owner if s.owner_from_register else None)
            for q in ctx.roadmap.quarters
            for s in q.steps
        ]
        return gaps, steps

    def roles(ctx):
        return [g.owner_role for g in ctx.gaps] + [s.owner_role for q in ctx.roadmap.quarters for s in q.steps]

    assert english.roadmap.quarters, "the demo's report has no roadmap"
    assert owners(context) == owners(english)
    catalogue = Translations.load(str(TRANSLATIONS_DIR), [lang])  # no app context out here
    assert roles(context) == [catalogue.gettext(role) for role in roles(english)]
    # The demo's steps name several roles; a fallback everywhere would make the test pointless.
    assert len(set(roles(english))) > 2, roles(english)
