"""The report context, its HTML and its PDF, without a database."""
from __future__ import annotations

import io
import re
import threading
from dataclasses import replace

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from cxgov.reports import render
from cxgov.reports.context import ActionInfo, fmt_index, fmt_level, step_role
from cxgov.reports.narrative import plain
from cxgov.reports.render import ReportFetchRefused, render_pdf_html, render_pdf_pages, resolve_report_url

from . import samples

@pytest.fixture(scope="module")
def context(sample_context):
    return sample_context


@pytest.fixture(scope="module")
def pdf(sample_layout) -> bytes:
    """The sample laid out for real, once for every test that only reads it (tests/reports/conftest.py)."""
    return sample_layout.pdf


@pytest.fixture(scope="module")
def pdf_text(sample_layout) -> str:
    return sample_layout.text


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_summary_sentences_come_from_the_numbers(context):
    s = context.summary
    assert s.index is not None and s.change is not None
    direction = "rose" if s.change > 0 else "fell" if s.change < 0 else "held steady"
    assert direction in s.sentences[0]
    assert fmt_index(s.index) in s.sentences[0] and s.stage in s.sentences[0]
    top = context.gaps[0]
    assert f"{top.practice_id} {top.title}" in s.sentences[1]
    assert f"level {fmt_level(top.level)} against target {top.target}" in s.sentences[1]
    if top.register_failing:
        assert "the register confirms it" in s.sentences[1]
    assert 2 <= len(s.sentences) <= 3


def test_gaps_carry_next_step_for_the_floor_of_the_level_and_an_owner(context):
    fw = samples.framework()
    assert context.gaps, "the sample has gaps"
    for gap in context.gaps:
        practice = fw.practice(gap.practice_id)
        level = max(1, int(gap.level // 1))
        assert gap.next_step == practice.next_step(level)
        assert gap.owner
    # The owner is whoever the step's own text says acts, and one named person.
    sponsor_steps = [g for g in context.gaps if g.next_step.startswith("The CX sponsor")]
    assert sponsor_steps
    for gap in sponsor_steps:
        assert gap.owner == "Karin Ångström" and gap.owner_from_register
        assert gap.owner_role == "CX sponsor"
    for gap in context.gaps:
        assert " more" not in gap.owner and "," not in gap.owner
        assert step_role(gap.next_step, None) != "sponsor" or gap.owner_role == "CX sponsor"
    priorities = [g.priority for g in context.gaps]
    assert priorities == sorted(priorities, reverse=True)


def test_evidence_lists_failing_checks_with_at_most_five_rows(context):
    assert context.evidence
    for check in context.evidence:
        assert check.status in ("fail", "warn")
        assert len(check.rows) <= 5
        assert check.more == max(0, check.count - len(check.rows))


def test_action_follow_up_sorts_actions_and_shows_score_change(context):
    assert [a.practice_id for a in context.actions.done] == ["A1"]
    assert [a.practice_id for a in context.actions.overdue] == ["E1"]
    assert [a.practice_id for a in context.actions.open] == ["B2"]
    _, result = samples.history()[-1]
    assert context.actions.done[0].score_change == result.practice("A1").change


def test_context_hash_ignores_the_generation_time_but_not_the_data(context):
    later = replace(context, generated_at="2030-01-01T00:00:00+00:00",
                    cover=replace(context.cover, date="2030-01-01"))
    assert later.context_hash() == context.context_hash()
    rebranded = replace(context, cover=replace(context.cover, accent="#aa0000"))
    assert rebranded.context_hash() != context.context_hash()
    other_notes = samples.sample_context(**samples.SAMPLE_NAMES, notes={"A1": [("front_line", "A new note")]})
    assert other_notes.context_hash() != context.context_hash()


def test_pdf_has_every_section_and_the_context_numbers(context, pdf_text):
    text = _norm(pdf_text)
    for heading in ("Contents", "Executive summary", "Maturity at a glance", "Practices by dimension",
                    "Prioritised gaps and next steps", "Register evidence", "Action plan follow-up",
                    "Method"):
        assert heading in text, heading
    assert plain(context.narrative.summary).splitlines()[0] in text
    for section in context.dimensions:
        assert section.title in text
        for p in section.practices:
            assert re.search(rf"{p.id} .*?{re.escape(fmt_level(p.level))}", text), p.id
    for gap in context.gaps:
        assert f"{gap.practice_id} {gap.title}" in text
    # The method page speaks in words: a human date and the framework's name, no hash or ISO stamp.
    assert context.method.framework_hash not in text.replace(" ", "")
    assert context.method.data_date and context.method.data_date in text
    assert re.search(r"\b\d{4}-\d\d-\d\dT", text) is None
    for line in context.method.confidence:
        assert line in text
    assert "page 3 of" in text


def test_pdf_keeps_swedish_and_danish_letters(pdf_text):
    text = _norm(pdf_text)
    for name in ('Nordlys "Ö" <Ångström> & Bæk', "Søren Åkesson", "Øster & Ödman Advisory", "Karin Ångström"):
        assert name in text, name


def test_user_text_is_escaped():
    c = samples.sample_context(org_name="<script>alert(1)</script>",
                               notes={"A1": [("front_line", "<img src=x onerror=alert(1)>")]})
    html = render_pdf_html(c)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_html_and_pdf_show_the_same_numbers(context, pdf_text):
    html = render_pdf_html(context)
    text = _norm(pdf_text)
    for key in ("index", "change", "health", "respondents"):
        value = re.search(rf'data-kpi="{key}">([^<]+)<', html).group(1).strip()
        assert value in text


def test_fetcher_refuses_everything_the_report_does_not_ship(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (f"file://{secret}", "http://example.org/x.png", "https://example.org/x.css",
                "cxgov-static:../cxgov/config.py", "cxgov-static:css/../../cxgov/config.py",
                "cxgov-static:/etc/passwd", "cxgov-static:%2e%2e/cxgov/config.py",
                "cxgov-static:css/missing.css", "cxgov-asset:42", "data:text/html;base64,PGI+",
                "/etc/passwd", "ftp://example.org/"):
        with pytest.raises(ReportFetchRefused):
            resolve_report_url(url, assets={})
    body, content_type = resolve_report_url("cxgov-static:css/report-pdf.css", assets={})
    assert b"@page" in body and content_type == "text/css"
    body, content_type = resolve_report_url("cxgov-asset:7", assets={"7": (b"\x89PNG", "image/png")})
    assert content_type == "image/png"


def test_pdf_fetches_only_what_it_ships(monkeypatch, context):
    asked: list[str] = []
    real = render.resolve_report_url

    def spy(url, *, assets):
        asked.append(url)
        return real(url, assets=assets)

    monkeypatch.setattr(render, "resolve_report_url", spy)
    # A fresh thread cache, so the stylesheet and its fonts are fetched (through the spy) too.
    monkeypatch.setattr(render, "_per_thread", threading.local())
    hostile = replace(context, cover=replace(context.cover, org_logo="file:///etc/passwd",
                                             firm_logo="http://example.org/logo.png"))
    html = render_pdf_html(hostile).replace(
        "</head>", '<link rel="stylesheet" href="https://example.org/x.css"></head>')
    data = render_pdf_pages(hostile, html=html)[0]
    assert data.startswith(b"%PDF")
    allowed = [u for u in asked if u.startswith(("cxgov-static:", "data:image/"))]
    refused = [u for u in asked if u not in allowed]
    assert set(refused) == {"file:///etc/passwd", "http://example.org/logo.png",
                            "https://example.org/x.css"}
    assert {"cxgov-static:css/report-pdf.css", "cxgov-static:css/report.css",
            "cxgov-static:fonts/DejaVuSans.ttf"} <= set(allowed)


def test_no_action_plan_and_no_register_still_render():
    c = samples.sample_context(actions=())
    assert c.actions.empty
    html = render_pdf_html(c)
    assert "No actions have been recorded" in html


def test_overdue_and_dropped_actions():
    c = samples.sample_context(actions=(
        ActionInfo("A1", "Dropped one", "X", "dropped"),
        ActionInfo("A2", "Late one", "Y", "planned", overdue=True),
    ))
    assert not c.actions.done and [a.title for a in c.actions.overdue] == ["Late one"]


def test_expat_tree_matches_weasyprints_own_parse(context):
    """The fast parse gives WeasyPrint the same elements, attributes and text as its own."""
    import tinyhtml5

    html = render_pdf_html(context)

    def flat(element, out):
        out.append((element.tag, sorted(element.attrib.items()), (element.text or "").strip()))
        for child in element:
            flat(child, out)
            out.append(("tail", [], (child.tail or "").strip()))
        return out

    ours = render.xml_tree(html)
    assert ours is not None, "the report templates must stay well-formed XML (the fast path)"
    assert flat(ours, []) == flat(tinyhtml5.parse(html, namespace_html_elements=False), [])


def test_document_that_is_not_xml_still_renders_through_weasyprints_parser(context, pdf):
    """A control character (refused by XML) in user text falls back to the HTML5 parser."""
    noted = replace(context, cover=replace(context.cover, org_name="Nordlys\x01 Energi"))
    html = render_pdf_html(noted)
    assert render.xml_tree(html) is None
    data = render_pdf_pages(noted)[0]
    assert data.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(data)).pages) == len(PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_stylesheet_has_no_var_left_and_uses_the_accent():
    css = render.pdf_css_text("#aa3300")
    assert "var(" not in css
    assert "#aa3300" in css
    assert "#abc\"" not in render.pdf_css_text('#abc"; } * { color: red')  # not a colour: default


def test_pdf_layout_logs_no_warnings(sample_layout):
    """WeasyPrint has nothing to complain about: it logged "Invalid media type" for the page's width
    queries, "Invalid counter style name" for the copied UA sheet, and "no required alt
    description" (PDF/UA) for the client's logo, whose alt text was empty. The shared layout
    parsed the stylesheets afresh (ours and the UA sheet) while it recorded the warnings."""
    assert sample_layout.warnings == []


def test_appendix_b_figures_are_one_positioned_run_per_practice(context):
    """The numbers, the bar and the tick of a practice are one text run (a positioned box on the page only)."""
    html = render_pdf_html(context)
    rows = re.findall(r'<span class="rp-nums" data-level="([^"]+)">(.*?)</span><b class="rp-pid">', html)
    assert rows and len(rows) == sum(len(d.practices) for d in context.dimensions)
    for _, run in rows:
        assert run.count('class="rp-bar"') == 1 and run.count("&#9;") >= 3


def test_appendix_b_figures_start_past_the_title_column_and_give_its_width_back(context, sample_layout):
    """report-pdf.css carries a practice's figures past the title's column with margins in plain em
    (a calc() cost WeasyPrint 1.3 M instructions a practice), worked out from the A4 text width: they
    must still land where calc(100% + 8.7em) put them, with the title starting at the row's edge.
    The rows are read from the shared layout of the sample (tests/reports/conftest.py)."""
    em = 9.2 * 4 / 3  # the PDF's text size in CSS px
    rows = sample_layout.practice_rows
    assert all(row.nums_class == "rp-nums" and row.pid_class == "rp-pid" for row in rows)
    assert len(rows) == sum(len(d.practices) for d in context.dimensions)
    for row in rows:
        assert row.nums_x == pytest.approx(row.row_x + row.row_width + 8.7 * em, abs=0.05)
        # the tick's margins, written to three decimals, leave the run 0.13 px short either way
        assert row.pid_x == pytest.approx(row.row_x, abs=0.25)


def test_pdf_font_has_tabular_digits_without_asking():
    """report-pdf.css drops font-variant-numeric: tabular-nums (a font-feature setting on every
    number's text for WeasyPrint): that is only right while the PDF's fonts have digits of one width
    and no "tnum" feature that would change them."""
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = TTFont(render.STATIC_ROOT / "fonts" / name, lazy=True)
        features = {record.FeatureTag for record in font["GSUB"].table.FeatureList.FeatureRecord}
        assert "tnum" not in features
        advances = {font["hmtx"][font.getBestCmap()[ord(digit)]][0] for digit in "0123456789"}
        assert len(advances) == 1, name
    assert "font-variant-numeric: normal" in render.pdf_css_text("#123456")


def test_lighter_ua_stylesheet_drops_only_the_universal_pseudo_element_rules():
    ua = ("p { margin: 1em }\n::marker { white-space: pre }\n"
          "::footnote-call { content: counter(footnote) }\n::note-callback { content: \" x\" }\n"
          "@counter-style disc { system: cyclic; symbols: •; suffix: \" \" }\n"
          "li { display: list-item }\n")
    assert render.lighter_ua_stylesheet(ua) == ("p { margin: 1em }\nli::marker { white-space: pre }\n"
                                                "li { display: list-item }\n")


def test_appendix_b_column_labels_are_one_run_in_reading_order():
    """The column labels are one tab-separated run; a label wider than its stop ends its line.

    The labels after it continue on the next line from their own stops, so the run reads in the
    columns' order (review-7 F3: a hyphenated head on a line above read "Sprid- Nivå Mål Gap ning").
    """
    assert render.Fmt.column_labels(["Level", "Target", "Gap", "Spread", "Change"]) == (
        "Level\tTarget\tGap\tSpread\tChange"
    )
    first, second = render.Fmt.column_labels(["Nivå", "Mål", "Gap", "Spridning", "Förändring"]).split("\n")
    assert first == "Nivå\tMål\tGap\tSpridning" and second == "\t\t\t\tFörändring"
    assert render.label_width_em("Spread") <= render.LABEL_ROOM_EM < render.label_width_em("Spridning")
    words = " ".join(render.Fmt.column_labels(["Nivå", "Mål", "Gap", "Spridning", "Förändring"]).split())
    assert words == "Nivå Mål Gap Spridning Förändring"
    # The last label may run past its stop.
    assert render.Fmt.column_labels(["Gap", "Förändringarna"]) == "Gap\tFörändringarna"