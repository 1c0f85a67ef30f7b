"""Every export goes through the one writer (cxgov/sheets.py) and is made in the chosen language.

Exports: the cycle (XLSX, CSV per sheet), the action plan (XLSX, CSV), the portfolio (XLSX), the
framework and its crosswalk (XLSX) and the register (XLSX, CSV per table); on the web with
``?lang=``, on the command line with ``--lang``, by default in the organisation's language.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from flask_babel import pgettext as babel_pgettext

from sqlalchemy import func, select

from cxgov import sheets
from cxgov.audit import SecurityEvent
from cxgov.actions import services as action_services
from cxgov.extensions import db
from cxgov.register.models import Person
from cxgov.register.transfer import services as transfer
from cxgov.messages import translations_of
from cxgov.register.transfer.spreadsheet import TABLES, table_for_name
from tests.conftest import login_as
from tests.reports.test_routes import _answered_cycle

CXGOV = Path(__file__).resolve().parents[2] / "cxgov"


def _in(lang: str, text: str) -> str:
    """Return ``text`` as the catalogue of ``lang`` has it."""
    with force_locale(lang):
        return babel_gettext(text)


@pytest.fixture
def world(app, make_org, make_member, make_user):
    """A consultant's client (English) with a closed cycle, an action and a small register."""
    consultant = make_user(name="Helena Strand", is_consultant=True)
    org = make_org(name="Ålesund Kraft", slug="alesund", consultant=consultant, language="en")
    cycle = _answered_cycle(org, make_member)
    action_services.action_create(org=org, by=None, title="=Appoint a sponsor", practice_id="A2")
    db.session.add(Person(org_id=org.id, name="Åsa Ærø", email="asa@example.com"))
    db.session.commit()
    return org, cycle, consultant


def _web_exports(org, cycle) -> list[tuple[str, str, str]]:
    """Return (name, URL, kind) of every web export of ``world``."""
    o = f"/o/{org.slug}"
    return [
        ("cycle", f"{o}/cycles/{cycle.id}/export.xlsx", "xlsx"),
        ("cycle-csv", f"{o}/cycles/{cycle.id}/export.csv?sheet=Practices", "csv"),
        ("actions", f"{o}/actions/export", "xlsx"),
        ("actions-csv", f"{o}/actions/export?format=csv", "csv"),
        ("portfolio", "/portfolio.xlsx", "xlsx"),
        ("framework", "/frameworks/cx-governance/1.0/export.xlsx", "xlsx"),
        ("crosswalk", "/frameworks/cx-governance/1.1/crosswalk/iso-23592.xlsx", "xlsx"),
        ("register", f"{o}/register/export/register.xlsx", "xlsx"),
        ("register-csv", f"{o}/register/export/table.csv?table=people", "csv"),
    ]


def _headers(data: bytes, kind: str) -> dict[str, list[str]]:
    """Return the header row of every sheet of a downloaded file (a CSV is one sheet, "")."""
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        return {"": rows[0]}
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {s.title: [c.value for c in next(s.iter_rows(max_row=1))] for s in book.worksheets}


# --- one writer ---------------------------------------------------------------------------------

#: What writes a spreadsheet or CSV file; only cxgov/sheets.py may (readers may open ZIPs).
WRITERS = re.compile(
    r"^\s*(import|from)\s+(xlsxwriter|openpyxl)\b|csv\.(writer|DictWriter)\(|\.to_csv\(|\.to_excel\("
    r"|ZipFile\([^)]*[\"']w[\"']",
    re.MULTILINE,
)


def test_only_the_one_writer_writes_spreadsheets_and_csv():
    writers = sorted(
        str(path.relative_to(CXGOV.parent))
        for path in CXGOV.rglob("*.py")
        if WRITERS.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["cxgov/sheets.py"], writers


def test_the_layout_check_would_see_a_second_writer():
    assert WRITERS.search("import xlsxwriter\n") and WRITERS.search("    w = csv.writer(out)\n")
    assert WRITERS.search("frame.to_csv(buffer)") and WRITERS.search('zipfile.ZipFile(buf, "w")')
    assert not WRITERS.search("zipfile.ZipFile(io.BytesIO(data))")


@pytest.fixture
def spy(monkeypatch):
    """Record every sheet the one writer writes (XLSX) and every CSV writer it opens."""
    written: list[tuple[str, list[str]]] = []
    real_sheet_xml, real_writer = sheets._sheet_xml, csv.writer

    def sheet_xml(sheet, page_header):
        written.append(("xlsx", list(sheet.headers)))
        return real_sheet_xml(sheet, page_header)

    def writer(out, *args, **kwargs):
        inner = real_writer(out, *args, **kwargs)

        class Recording:
            def writerow(self, row):
                if not any(kind == "csv" for kind, _ in written):
                    written.append(("csv", [str(c) for c in row]))
                return inner.writerow(row)

            def writerows(self, rows):
                return inner.writerows(rows)

        return Recording()

    monkeypatch.setattr(sheets, "_sheet_xml", sheet_xml)
    monkeypatch.setattr(sheets.csv, "writer", writer)
    return written


def test_every_web_export_is_written_by_the_one_writer(client, world, spy):
    org, cycle, consultant = world
    login_as(client, consultant)
    for name, url, kind in _web_exports(org, cycle):
        spy.clear()
        response = client.get(url)
        assert response.status_code == 200, name
        headers = _headers(response.data, kind)
        assert [h for k, h in spy if k == kind] == list(headers.values()), name


def test_every_cli_export_is_written_by_the_one_writer(runner, world, spy, tmp_path):
    org, cycle, _ = world
    commands = [
        (["cycle", "export", org.slug, cycle.period], "c.xlsx"),
        (["action", "export", org.slug], "a.xlsx"),
        (["action", "export", org.slug], "a.csv"),
        (["register", "export", org.slug], "r.xlsx"),
        (["register", "export", org.slug, "--table", "people"], "r.csv"),
    ]
    for args, name in commands:
        spy.clear()
        out = tmp_path / name
        result = runner.invoke(args=[*args, str(out)])
        assert result.exit_code == 0, result.output
        kind = out.suffix[1:]
        assert [h for k, h in spy if k == kind] == list(_headers(out.read_bytes(), kind).values()), name
    for args in (["framework", "export", "cx-governance", "--xlsx"], ["framework", "crosswalk", "cx-governance",
                                                                     "--model", "iso-23592", "--xlsx"]):
        spy.clear()
        out = tmp_path / "f.xlsx"
        result = runner.invoke(args=[*args, str(out)])
        assert result.exit_code == 0, result.output
        assert [h for k, h in spy if k == "xlsx"] == list(_headers(out.read_bytes(), "xlsx").values())


def test_every_cli_export_to_an_unwritable_path_says_so_and_logs_nothing(runner, world, tmp_path):
    org, cycle, _ = world
    missing = tmp_path / "no-such-dir"
    commands = [
        ["cycle", "export", org.slug, cycle.period, str(missing / "c.xlsx")],
        ["action", "export", org.slug, str(missing / "a.xlsx")],
        ["action", "export", org.slug, str(missing / "a.csv")],
        ["framework", "export", "cx-governance", "--xlsx", str(missing / "f.xlsx")],
        ["framework", "crosswalk", "cx-governance", "--model", "iso-23592", "--xlsx", str(missing / "w.xlsx")],
    ]
    for args in commands:
        before = db.session.scalar(select(func.count()).select_from(SecurityEvent))
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "Could not write" in result.output, (args, result.output)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(SecurityEvent)) == before, args


# --- the export's language -----------------------------------------------------------------------


def _expected(lang: str) -> dict[str, tuple[list[str], list[str]]]:
    """Return, per web export, (sheet names, some headers) as the catalogue of ``lang`` has them."""
    t = lambda text: _in(lang, text)  # noqa: E731
    answer = _answer(lang)
    return {
        "cycle": ([t("Answers"), t("Practices"), t("Dimensions")], [t("Period"), t("Practice id"), answer]),
        "cycle-csv": ([], [t("Period"), t("Practice id"), t("Register checks failing"), t("Perception flag")]),
        "actions": ([t("Action plan")], [t("Practice title"), t("Owner e-mail"), t("Due date"), t("Latest note")]),
        "actions-csv": ([], [t("Practice title"), t("Owner e-mail"), t("Drop reason")]),
        "portfolio": ([t("Portfolio")], [t("Organisation"), t("Latest period"), t("Days left"), t("Open actions")]),
        "framework": (["cx-governance"], [t("Good looks like"), t("Evidence prompts"), t("Register checks")]),
        "crosswalk": (["iso-23592"], [t("Practices"), t("Covered")]),
        "register": ([t(spec.sheet) for spec in TABLES], ["email", "name", "active"]),
        "register-csv": ([], ["email", "name", "title", "department", "active"]),
    }


@pytest.mark.parametrize("lang", ["da", "sv"])
def test_web_exports_are_in_the_lang_asked_for(client, world, lang):
    org, cycle, consultant = world
    login_as(client, consultant)
    expected = _expected(lang)
    english = _expected("en")
    for name, url, kind in _web_exports(org, cycle):
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}lang={lang}")
        assert response.status_code == 200, name
        got = _headers(response.data, kind)
        sheet_names, some_headers = expected[name]
        if kind == "xlsx":
            assert list(got) == sheet_names, name
        headers = [h for row in got.values() for h in row]
        assert set(some_headers) <= set(headers), (name, some_headers, headers)
        if name not in ("register", "register-csv"):  # the register's columns are the format's names
            untranslated = {e for e, x in zip(english[name][1], some_headers) if e != x}
            assert untranslated and not untranslated & set(headers), (name, headers)


def test_translated_headers_and_words_in_a_danish_cycle_export(client, world):
    org, cycle, consultant = world
    login_as(client, consultant)
    data = client.get(f"/o/{org.slug}/cycles/{cycle.id}/export.xlsx?lang=da").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    dimensions = list(book[_in("da", "Dimensions")].iter_rows(values_only=True))
    assert dimensions[-1][1] == _in("da", "Maturity index")
    assert isinstance(dimensions[-1][3], float), "numbers stay numbers in every language"
    answers = list(book[_in("da", "Answers")].iter_rows(values_only=True))
    column = answers[0].index(_answer("da"))
    assert {row[column] for row in answers[1:]} == {_in("da", "level")}


def _answer(lang: str) -> str:
    with force_locale(lang):
        return babel_pgettext("export column", "Answer")


def test_csv_numbers_and_dates_stay_machine_readable_in_every_language(client, world):
    org, cycle, consultant = world
    login_as(client, consultant)
    base = f"/o/{org.slug}/cycles/{cycle.id}/export.csv?sheet=Practices"
    english = list(csv.reader(io.StringIO(client.get(base).data.decode("utf-8-sig"))))
    swedish = list(csv.reader(io.StringIO(client.get(f"{base}&lang=sv").data.decode("utf-8-sig"))))
    level = english[0].index("Level")
    assert [row[level] for row in english[1:]] == [row[level] for row in swedish[1:]]
    assert any("." in row[level] for row in swedish[1:]), "a decimal point, not a comma, in CSV"
    actions = client.get(f"/o/{org.slug}/actions/export?format=csv&lang=da").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(actions)))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rows[0][_in("da", "Created")])


def test_the_default_is_the_organisations_language(client, world):
    org, cycle, consultant = world
    org.language = "nb"
    db.session.commit()
    login_as(client, consultant)
    for name, url, kind in _web_exports(org, cycle):
        if name in ("portfolio", "framework", "crosswalk"):
            continue  # not an organisation's export: the page's language
        got = _headers(client.get(url).data, kind)
        sheet_names, some_headers = _expected("nb")[name]
        if kind == "xlsx":
            assert list(got) == sheet_names, name
        assert set(some_headers) <= {h for row in got.values() for h in row}, name


def test_an_unknown_lang_on_the_web_falls_back_cleanly(client, world):
    org, cycle, consultant = world
    login_as(client, consultant)
    for name, url, kind in _web_exports(org, cycle):
        sep = "&" if "?" in url else "?"
        for bad in ("xx", "de", "../../etc", "%00", "sv" * 100):
            response = client.get(f"{url}{sep}lang={bad}")
            assert response.status_code == 200, (name, bad)
            assert _headers(response.data, kind) == _headers(client.get(url).data, kind), (name, bad)


def test_cli_exports_take_lang(runner, world, tmp_path):
    org, cycle, _ = world
    cases = [
        (["cycle", "export", org.slug, cycle.period], "c.xlsx", "Practice id"),
        (["action", "export", org.slug], "a.xlsx", "Practice title"),
        (["action", "export", org.slug], "a.csv", "Owner e-mail"),
        (["framework", "export", "cx-governance", "--xlsx"], "f.xlsx", "Good looks like"),
    ]
    for args, name, header in cases:
        out = tmp_path / name
        result = runner.invoke(args=[*args, str(out), "--lang", "sv"])
        assert result.exit_code == 0, result.output
        headers = [h for row in _headers(out.read_bytes(), out.suffix[1:]).values() for h in row]
        assert _in("sv", header) in headers and header not in headers, (name, headers)
    out = tmp_path / "r.xlsx"
    assert runner.invoke(args=["register", "export", org.slug, str(out), "--lang", "da"]).exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == [_in("da", spec.sheet) for spec in TABLES]


def test_an_unknown_lang_on_the_cli_is_refused_with_a_message(runner, world, tmp_path):
    org, cycle, _ = world
    for args in (
        ["cycle", "export", org.slug, cycle.period, str(tmp_path / "c.xlsx")],
        ["action", "export", org.slug, str(tmp_path / "a.csv")],
        ["register", "export", org.slug, str(tmp_path / "r.xlsx")],
        ["framework", "export", "cx-governance", "--xlsx", str(tmp_path / "f.xlsx")],
    ):
        result = runner.invoke(args=[*args, "--lang", "de"])
        assert result.exit_code == 2, (args, result.output)
        assert "--lang" in result.output and "'de'" in result.output and "Traceback" not in result.output
        assert not any(tmp_path.iterdir())


# --- the register: sheet names translated, columns the format's, round trip ------------------


@pytest.mark.parametrize("lang", ["sv", "da"])
def test_a_register_exported_in_another_language_imports_back_unchanged(client, world, lang):
    org, _cycle, consultant = world
    login_as(client, consultant)
    exported = client.get(f"/o/{org.slug}/register/export/register.xlsx?lang={lang}").data
    assert openpyxl.load_workbook(io.BytesIO(exported)).sheetnames == [_in(lang, s.sheet) for s in TABLES]
    db.session.rollback()
    plan = transfer.import_plan(org=org, checked=transfer.import_read(data=exported, filename="register.xlsx"))
    assert plan.ok, [str(e) for e in plan.errors]
    assert not plan.ignored_sheets
    assert plan.added == 0 and plan.changed == 0 and plan.same >= 1


def test_sheet_names_are_unambiguous_in_every_language():
    for spec in TABLES:
        for lang, name in translations_of(spec.sheet).items():
            assert table_for_name(name) is spec, (lang, name)
            assert table_for_name(f"{name}.csv") is spec


def test_cli_exports_speak_their_lang(runner, world, tmp_path):
    org, cycle, _ = world
    refused = runner.invoke(args=["action", "export", org.slug, str(tmp_path / "a.txt"), "--lang", "sv"])
    assert refused.exit_code != 0 and _in("sv", "Name the output file .xlsx or .csv.") in refused.output
    done = runner.invoke(args=["cycle", "export", org.slug, cycle.period, str(tmp_path / "c.xlsx"), "--lang", "da"])
    assert done.exit_code == 0 and _in("da", "Wrote %(file)s: %(answers)s, %(practices)s.").split("%")[0] in done.output
    english = runner.invoke(args=["framework", "export", "cx-governance", "--xlsx", str(tmp_path / "f.xlsx")])
    assert english.exit_code == 0 and "practices" in english.output
