"""The one "(headers, rows) -> file" writer of every export: XLSX workbooks and CSV text.

Every export (register, cycle, action plan, portfolio, framework, crosswalk) builds plain
:class:`Sheet` objects - a title, headers and rows of cells - and only this module decides the
file format, so the rules below hold for all of them:

* a cell is text, a number, yes/no, a date or empty (``None`` or ``""``);
* text is never a formula: XLSX text cells are inline strings (``t="inlineStr"``), and a CSV
  cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading apostrophe (an
  apostrophe already in front of such a character gets one more, so the register import can
  always strip exactly one and export -> import is value-identical);
* characters XML cannot hold (control characters, CR) are written as Excel's ``_xHHHH_``
  escapes, and a literal ``_xHHHH_`` as ``_x005F_xHHHH_`` (:mod:`cxgov.xlsx` reverses both);
* numbers stay numbers: XLSX number cells (Excel shows them in the reader's locale), CSV
  digits with a decimal point; dates are ``yyyy-mm-dd`` cells in XLSX and ISO text in CSV, so a
  CSV made in Danish reads back the same as one made in English;
* CSV is UTF-8 with a BOM (Excel then reads å, ä, ø) and CRLF line ends.

Why not openpyxl or xlsxwriter: for a 10,000-touchpoint register they spend most of an export
in per-cell Python objects; writing the XML directly keeps it well under a second. The files
follow Excel's own conventions and open in Excel, LibreOffice, Numbers and openpyxl alike.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape as _xml_escape

from .xlsx import column_letter

#: One cell of an export.
Cell = str | int | float | bool | date | None

#: Characters that make a spreadsheet read a cell as a formula (tab/CR: tools strip them first).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A CSV value that needs an apostrophe: apostrophes, then a formula character.
_NEEDS_APOSTROPHE = re.compile(r"^'*[=+\-@\t\r]")
#: How yes/no cells are written to CSV (the register import reads these and yes/no words).
CSV_TRUE, CSV_FALSE = "TRUE", "FALSE"
#: Column width (characters) of a column without a width of its own.
DEFAULT_WIDTH = 14
#: Excel's limits on a sheet name: 31 characters, none of these.
_SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_NEEDS_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Sheet:
    """One table of an export: its title (the XLSX sheet name), its headers and its rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    #: column widths in characters, in header order; a missing one is DEFAULT_WIDTH
    widths: Sequence[float] = ()
    #: text cells wrap and align to the top (prose: descriptions, notes, level descriptors)
    wrap: bool = False
    #: columns that stay in view when scrolling right (the header row always does)
    frozen_columns: int = 0


def is_formula_like(value: str) -> bool:
    """Tell whether a spreadsheet would run ``value`` as a formula if it were written naively."""
    return value.startswith(FORMULA_PREFIXES)


def csv_escape(value: str) -> str:
    """Put an apostrophe before a formula-like value so spreadsheets show it as text."""
    return "'" + value if _NEEDS_APOSTROPHE.match(value) else value


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if value is True or value is False:
        return CSV_TRUE if value else CSV_FALSE
    if isinstance(value, (int, float)):
        return value if not isinstance(value, float) or math.isfinite(value) else ""
    if isinstance(value, date):
        return value.isoformat()
    return csv_escape(str(value))


def csv_bytes(sheet: Sheet) -> bytes:
    """Return one sheet as CSV: UTF-8 with a BOM, comma-separated, CRLF, formula-like text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(sheet.headers)
    writer.writerows([_csv_cell(value) for value in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Return valid, distinct sheet names for ``titles`` (at most 31 characters, no []:*?/\\)."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = _SHEET_NAME_FORBIDDEN.sub("", title).strip().strip("'")[:_SHEET_NAME_MAX] or "Sheet"
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str = "", page_header: str = "") -> bytes:
    """Return an XLSX workbook with one sheet per :class:`Sheet`, in order.

    ``title`` is the document title (file properties); ``page_header`` is printed at the top
    left of every page.
    """
    names = sheet_names([sheet.title for sheet in sheets])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        count = len(sheets)
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, count + 1))),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("docProps/app.xml", _APP)
        archive.writestr(
            "docProps/core.xml",
            _CORE.format(title=_escape_text(title), now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        )
        sheet_entries = "".join(
            f'<sheet name="{_escape_text(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, start=1)
        )
        defined = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"'{_escape_text(name)}'!$A$1:${column_letter(max(len(sheet.headers), 1) - 1)}$1</definedName>"
            for n, (name, sheet) in enumerate(zip(names, sheets))
        )
        archive.writestr(
            "xl/workbook.xml",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f"<bookViews><workbookView/></bookViews><sheets>{sheet_entries}</sheets>"
                f"<definedNames>{defined}</definedNames></workbook>"
            ),
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'{rels}<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                f'2006/relationships/styles" Target="styles.xml"/></Relationships>'
            ),
        )
        archive.writestr("xl/styles.xml", _STYLES)
        for n, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", _sheet_xml(sheet, page_header))
    return buffer.getvalue()


# --- the XML ----------------------------------------------------------------------------------


def _escape_text(text: str) -> str:
    if _NEEDS_ESCAPE.search(text):
        text = _NEEDS_ESCAPE.sub(
            lambda m: "_x005F" + m.group(0) if m.group(0).startswith("_x") else f"_x{ord(m.group(0)):04X}_", text
        )
    return _xml_escape(text)


def _pane(frozen_columns: int) -> str:
    if not frozen_columns:
        return '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    corner = f"{column_letter(frozen_columns)}2"
    return (
        f'<pane xSplit="{frozen_columns}" ySplit="1" topLeftCell="{corner}" activePane="bottomRight" state="frozen"/>'
    )


def _sheet_xml(sheet: Sheet, page_header: str) -> str:
    header = sheet.headers
    letters = [column_letter(i) for i in range(len(header))]
    widths = [sheet.widths[i] if i < len(sheet.widths) else DEFAULT_WIDTH for i in range(len(header))]
    text_style = ' s="3"' if sheet.wrap else ""
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheetViews><sheetView workbookViewId="0">{_pane(sheet.frozen_columns)}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
    ]
    if widths:
        out.append("<cols>")
        for index, width in enumerate(widths):
            out.append(f'<col min="{index + 1}" max="{index + 1}" width="{width}" customWidth="1"/>')
        out.append("</cols>")
    out.append('<sheetData><row r="1">')
    for letter, name in zip(letters, header):
        out.append(f'<c r="{letter}1" t="inlineStr" s="1"><is><t>{_escape_text(name)}</t></is></c>')
    out.append("</row>")
    append = out.append
    # Most texts recur (a journey, channel or owner on every row): each is escaped once.
    escaped: dict[str, str] = {}
    row_number = 1
    for row_number, row in enumerate(sheet.rows, start=2):
        append(f'<row r="{row_number}">')
        for letter, value in zip(letters, row):
            if type(value) is str:  # the common case first: most cells are text
                if value:
                    text = escaped.get(value)
                    if text is None:
                        text = escaped[value] = _escape_text(value)
                    append(
                        f'<c r="{letter}{row_number}" t="inlineStr"{text_style}><is><t xml:space="preserve">'
                        f"{text}</t></is></c>"
                    )
            elif value is None:
                continue
            elif value is True or value is False:
                append(f'<c r="{letter}{row_number}" t="b"><v>{1 if value else 0}</v></c>')
            elif isinstance(value, (int, float)):
                if math.isfinite(value):
                    # Through int()/float(): a numpy number's repr is "np.float64(1.5)", not a number.
                    number = int(value) if isinstance(value, int) else float(value)
                    append(f'<c r="{letter}{row_number}"><v>{number!r}</v></c>')
            elif isinstance(value, date):
                day = value.date() if isinstance(value, datetime) else value
                append(f'<c r="{letter}{row_number}" s="2"><v>{(day - _EXCEL_EPOCH).days}</v></c>')
            elif str(value):
                append(
                    f'<c r="{letter}{row_number}" t="inlineStr"{text_style}><is><t xml:space="preserve">'
                    f"{_escape_text(str(value))}</t></is></c>"
                )
        append("</row>")
    last = f"{letters[-1]}{max(row_number, 2)}" if letters else "A1"
    out.append(
        f'</sheetData><autoFilter ref="A1:{last}"/>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    if page_header:
        # '&' is the control character of Excel page headers; "&L" puts the text on the left.
        out.append(f"<headerFooter><oddHeader>{_escape_text('&L' + page_header.replace('&', '&&')[:200])}</oddHeader>")
        out.append("</headerFooter>")
    out.append("</worksheet>")
    return "".join(out)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}"
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>cxgov</Application></Properties>"
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>cxgov</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created></cp:coreProperties>'
)
#: Style 0: default; 1: header (bold, tinted, bordered, wrapped); 2: date yyyy-mm-dd; 3: wrapped text.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF4"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
    "</borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
