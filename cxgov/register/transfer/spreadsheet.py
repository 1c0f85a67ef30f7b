"""The register as spreadsheets: the agreed column format, reading, checking and writing.

Pure: no Flask, no database. :mod:`cxgov.register.transfer.services` matches what this module reads
against an organisation's register; this module only knows cells.

Reading refuses anything that is not really an XLSX or a UTF-8 CSV (checked by content,
never by the file name), ZIP bombs (checked with :mod:`zipfile` before :mod:`cxgov.xlsx` reads the
file), and files with too many rows. Every cell is read as text (``dtype=str``,
``keep_default_na=False``, ``na_filter=False``) so ``007``, ``NA``, ``null`` or ``TRUE``
stay what they were, then checked per column. Problems in cells are collected as
:class:`RowError` (sheet, row as Excel numbers it, column, reason), never raised.

Writing never produces a live formula: XLSX cells are written with ``write_string``, and in
CSV a value that starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading apostrophe,
which reading removes again, so export → import is value-identical.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from ...messages import translations_of
from ...numbers import ReaderCount
from ...validators import is_email, normalise_email
from ...sheets import CSV_FALSE as CSV_FALSE  # re-exported: the register's CSV words
from ...sheets import CSV_TRUE as CSV_TRUE
from ...sheets import FORMULA_PREFIXES as FORMULA_PREFIXES
from ...sheets import Sheet, csv_bytes, xlsx_bytes
from ...sheets import csv_escape as csv_escape
from ...xlsx import MAX_COLUMNS as XLSX_MAX_COLUMNS
from ...xlsx import TooWide, XlsxError, column_letter, read_sheets
from ..rules import field_check, row_check
from ..tables import TABLE_BY_KEY as REGISTER_TABLE_BY_KEY
from ..tables import TABLES as REGISTER_TABLES
from ..tables import RegisterField, RegisterTable

#: Largest accepted upload; the app's MAX_CONTENT_LENGTH caps the whole request as well.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Largest total of uncompressed sizes inside an XLSX (a ZIP) before we call it a bomb.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
#: Largest compression ratio of one large member of an XLSX.
MAX_COMPRESSION_RATIO = 100
#: Members smaller than this are not ratio-checked (tiny XML files compress very well).
_RATIO_CHECK_FROM_BYTES = 1024 * 1024
#: Most members an XLSX may have.
MAX_ZIP_MEMBERS = 2000
#: Most data rows in one file (all sheets together).
MAX_ROWS = 50_000
#: Most columns a CSV header may have (XLSX: see cxgov.xlsx.MAX_COLUMNS).
MAX_COLUMNS = 200
#: Longest CSV header line: 200 columns of generous names (Python's csv stops at 128 KiB).
MAX_HEADER_CHARS = 16 * 1024
#: Longest cell of any file; the longest register text (a journey description) is 10,000.
MAX_CELL_CHARS = 32 * 1024

#: An export's apostrophe before a formula-like value (cxgov.sheets.csv_escape), which reading strips.
_HAS_APOSTROPHE = re.compile(r"^'+[=+\-@\t\r]")

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "ja", "j", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "nej"})


class SpreadsheetError(ValueError):
    """A file refused as a whole (too big, not a spreadsheet, a ZIP bomb); message for the user.

    The message is a lazy gettext string: the page shows it in the user's language, the security
    log in its own (:func:`cxgov.audit.log_text`).
    """


@dataclass(frozen=True)
class Column:
    """One column of the agreed format and how its cells are checked."""

    name: str
    #: "text", "email", "ref" (a person: e-mail, or the name of a person without one),
    #: "bool", "date", "choice"
    kind: str = "text"
    max_length: int | None = None
    required: bool = False
    #: Text that may hold line breaks and tabs (descriptions, notes).
    multiline: bool = False
    choices: tuple[str, ...] = ()
    #: The value a new row gets when the cell is empty or the column is absent.
    default: Any = ""
    #: A date that cannot lie in the future (the words name it in the refusal).
    not_future: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One register table as a sheet: its columns and its natural key."""

    key: str
    sheet: str
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]
    #: (start, end) columns: the end may not come before the start
    date_order: tuple[str, ...] | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        by_name: dict[str, Column] = self.__dict__["_by_name"]
        return by_name[name]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})


#: Declared field kind -> how its cells are read (references to journeys and channels by name).
_CELL_KIND = {"person": "ref", "journey": "text", "channel": "text"}


def _sheet_spec(table: RegisterTable) -> TableSpec:
    """Return the sheet format of a declared register table."""
    return TableSpec(
        table.key,
        table.sheet,
        tuple(
            Column(
                f.column,
                _CELL_KIND.get(f.kind, f.kind),
                f.max_length,
                required=f.required,
                multiline=f.multiline,
                choices=f.choices,
                default=f.default,
                not_future=f.not_future,
            )
            for f in table.fields
        ),
        table.key_columns,
        date_order=tuple(table.field(name).column for name in table.date_order) if table.date_order else None,
    )


#: The spreadsheet format, in sheet order, derived from :mod:`cxgov.register.tables`.
TABLES: tuple[TableSpec, ...] = tuple(_sheet_spec(table) for table in REGISTER_TABLES)
TABLE_BY_KEY: dict[str, TableSpec] = {t.key: t for t in TABLES}


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


@functools.cache
def _tables_by_name() -> dict[str, TableSpec]:
    """Return every name a table's sheet may have: its key, its sheet name in every language."""
    names: dict[str, TableSpec] = {}
    for spec in TABLES:
        for candidate in (spec.key, *translations_of(spec.sheet).values()):
            names.setdefault(_squash(candidate), spec)
    return names


def table_for_name(name: str) -> TableSpec | None:
    """Return the table a sheet or file name means ("CX roles", "cx_roles.csv", "People", "Kundresor").

    An export names its sheets in its language, so a sheet name in any supported language counts.
    """
    stem = re.sub(r"\.(csv|txt|xlsx)$", "", name.strip(), flags=re.IGNORECASE)
    return _tables_by_name().get(_squash(stem))


# --- checked values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem, located as the user sees it in Excel (the header is row 1)."""

    sheet: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(_("row %(n)s", n=self.row))
        if self.column:
            where.append(_("column %(c)s", c=self.column))
        return f"{', '.join(where)}: {self.reason}"


@dataclass(frozen=True)
class PersonRef:
    """A reference to a person in an owner/manager column: by e-mail, else by name."""

    email: str | None
    name: str | None

    @property
    def text(self) -> str:
        return self.email or self.name or ""


@dataclass
class Record:
    """One checked row: typed values of the columns present in the file."""

    table: str
    sheet: str
    row: int
    #: column name -> typed value (str, bool, date, None, PersonRef)
    values: dict[str, Any]

    def key(self) -> tuple[Any, ...]:
        return record_key(self.table, self.values)


def record_key(table: str, values: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return a row's natural key in the form used for matching (e-mails lower-cased)."""
    spec = TABLE_BY_KEY[table]
    if table == "people":
        email = values.get("email")
        return ("email", email) if email else ("name", values.get("name"))
    parts = []
    for name in spec.key_columns:
        value = values.get(name)
        if isinstance(value, PersonRef):
            value = ("email", value.email) if value.email else ("name", value.name)
        elif name in _CASELESS_KEYS and isinstance(value, str):
            value = value.lower()
        parts.append(value)
    return tuple(parts)


#: Key columns compared without regard to case: channel, journey and touchpoint names are
#: unique per organisation that way (the register's forms refuse "web" beside "Web").
_CASELESS_KEYS = frozenset({"name", "journey", "channel"})


@dataclass
class SheetRows:
    """The raw cells of one sheet: header columns and data rows with their Excel numbers."""

    table: str
    sheet: str
    #: header cell per position, normalised (lower case, spaces to underscores); "" = blank
    columns: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class ParsedFile:
    """What a file contained: its kind, the sheets we know, and the sheets we ignored."""

    kind: str  # "xlsx" or "csv"
    sheets: list[SheetRows] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


@dataclass
class CheckedFile:
    """Typed records per table, the columns each sheet had, and every problem found."""

    kind: str
    records: dict[str, list[Record]]
    columns: dict[str, list[str]]
    errors: list[RowError]
    ignored_sheets: list[str] = field(default_factory=list)
    #: table -> the sheet (or CSV file) name it came from
    sheets: dict[str, str] = field(default_factory=dict)
    #: table -> natural keys of every row whose key cells are good (references may use them)
    defined: dict[str, set[tuple[Any, ...]]] = field(default_factory=dict)
    #: table -> rows with bad cells (already reported) and those cells' columns; their other
    #: cells are still checked against the register, so one upload reports every problem
    rejected: dict[str, list[tuple[Record, frozenset[str]]]] = field(default_factory=dict)


# --- sniffing and reading ---------------------------------------------------------------------


def file_kind(data: bytes) -> str:
    """Return "xlsx" or "csv" judged by the bytes, or raise SpreadsheetError with the reason."""
    if not data:
        raise SpreadsheetError(_l("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(_l("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024)))
    if data.startswith(b"PK\x03\x04"):
        _check_xlsx_zip(data)
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _l(
                "This is an old Excel (.xls) or a password-protected workbook. "
                "Save it as an Excel workbook (.xlsx) without a password."
            )
        )
    if b"\x00" in data:
        raise SpreadsheetError(_l("This is not a spreadsheet: use an Excel workbook (.xlsx) or a CSV file."))
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            _l(
                "The CSV file is not UTF-8 text. In Excel, save it as "
                '"CSV UTF-8 (comma delimited)", or upload the .xlsx instead.'
            )
        ) from None
    return "csv"


def _check_xlsx_zip(data: bytes) -> None:
    """Refuse a ZIP that is no workbook or that would unpack to far more than it weighs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SpreadsheetError(_l("The workbook is damaged and cannot be read.")) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetError(_l("This ZIP file is not an Excel workbook (.xlsx)."))
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SpreadsheetError(_l("The workbook has too many parts to be a register."))
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size >= _RATIO_CHECK_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise SpreadsheetError(_l('The workbook unpacks to far more than its size (a "ZIP bomb"); it was refused.'))
    if total > MAX_UNCOMPRESSED_BYTES:
        raise SpreadsheetError(
            _l(
                "The workbook unpacks to more than %(mb)s MB; it was refused.",
                mb=MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
            )
        )


def _norm_header(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(cell).strip()).casefold()


def _split_header(grid: list[list[str]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return header columns and data rows numbered as Excel does (header = row 1)."""
    if not grid:
        return [], []
    header = [_norm_header(c) for c in grid[0]]
    rows = [(index + 2, [str(c) for c in cells]) for index, cells in enumerate(grid[1:])]
    return header, rows


def read_file(data: bytes, *, filename: str = "", table: str | None = None) -> ParsedFile:
    """Read an uploaded XLSX or CSV into raw sheets; raise SpreadsheetError to refuse it.

    For CSV the table is ``table`` when given, else the file name ("touchpoints.csv"), else
    the one table whose columns the header matches.
    """
    kind = file_kind(data)
    if kind == "xlsx":
        parsed = _read_xlsx(data)
    else:
        parsed = _read_csv(data, filename=filename, table=table)
    if parsed.row_count > MAX_ROWS:
        raise SpreadsheetError(
            _l("The file has more than %(n)s rows; split it into smaller files.", n=ReaderCount(MAX_ROWS))
        )
    for sheet in parsed.sheets:
        for number, cells in sheet.rows:
            if any(len(str(cell)) > MAX_CELL_CHARS for cell in cells):
                raise SpreadsheetError(
                    _l(
                        "Row %(row)s of %(sheet)s has a cell longer than %(n)s characters; "
                        "the longest register text is 10,000.",
                        row=number,
                        sheet=sheet.sheet,
                        n=ReaderCount(MAX_CELL_CHARS),
                    )
                )
    return parsed


def _read_xlsx(data: bytes) -> ParsedFile:
    try:
        frames = read_sheets(data, max_rows=MAX_ROWS + 1)
    except TooWide:
        raise SpreadsheetError(
            _l(
                "The workbook has values beyond column %(n)s; a register sheet has at most 11 columns.",
                n=XLSX_MAX_COLUMNS,
            )
        ) from None
    except (XlsxError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SpreadsheetError(_l("The workbook is damaged and cannot be read.")) from None
    parsed = ParsedFile(kind="xlsx")
    seen: set[str] = set()
    for sheet_name, numbered_rows in frames:
        spec = table_for_name(sheet_name)
        if spec is None or spec.key in seen:
            parsed.ignored_sheets.append(sheet_name)
            continue
        seen.add(spec.key)
        # The header is row 1; a sheet whose row 1 is empty has no header (and no columns).
        header_cells = numbered_rows[0][1] if numbered_rows and numbered_rows[0][0] == 1 else []
        header = [_norm_header(c) for c in header_cells]
        rows = [(number, cells) for number, cells in numbered_rows if number > 1]
        parsed.sheets.append(SheetRows(spec.key, sheet_name, header, rows))
        if len(rows) > MAX_ROWS:
            break
    if not parsed.sheets:
        raise SpreadsheetError(
            _l(
                "The workbook has none of the register's sheets (%(names)s).",
                names=", ".join(_(t.sheet) for t in TABLES),
            )
        )
    parsed.sheets.sort(key=lambda s: [t.key for t in TABLES].index(s.table))
    return parsed


def _sniff_delimiter(first_line: str) -> str:
    """Return the delimiter whose split of the header names the most known columns."""
    known = {c.name for t in TABLES for c in t.columns}
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:  # e.g. an unclosed quote; pandas then says what is wrong
            continue
        score = sum(1 for c in cells if _norm_header(c) in known)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, *, filename: str, table: str | None) -> ParsedFile:
    text = data.decode("utf-8-sig")
    first_line = text[: MAX_HEADER_CHARS + 2].split("\n", 1)[0].rstrip("\r")
    if len(first_line) > MAX_HEADER_CHARS:
        raise SpreadsheetError(
            _l(
                "The CSV header line is longer than %(n)s characters; a register header names at most 11 columns.",
                n=ReaderCount(MAX_HEADER_CHARS),
            )
        )
    delimiter = _sniff_delimiter(first_line)
    if first_line.count(delimiter) >= MAX_COLUMNS:
        raise SpreadsheetError(
            _l("The CSV header has more than %(n)s columns; a register table has at most 11.", n=MAX_COLUMNS)
        )
    # pandas (with numpy, about half a second of CPU to import) reads CSV files only: imported
    # here, so that every `flask` command, server and worker start does not pay for it.
    import pandas as pd

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            nrows=MAX_ROWS + 2,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise SpreadsheetError(_l("The CSV file has no header row.")) from None
    except pd.errors.ParserError as error:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if match:
            raise SpreadsheetError(
                _ln(
                    "Line %(line)s has %(num)d cell but the header has %(n)s. Check for a stray separator or quote.",
                    "Line %(line)s has %(num)d cells but the header has %(n)s. Check for a stray separator or quote.",
                    int(match.group(3)),
                    line=match.group(2),
                    n=match.group(1),
                )
            ) from None
        raise SpreadsheetError(_l("The CSV file cannot be read: check its quotes and separators.")) from None
    grid = frame.to_numpy(dtype=object).tolist()
    header, rows = _split_header(grid)
    spec = TABLE_BY_KEY.get(table or "") or table_for_name(filename.rsplit("/", 1)[-1]) or _table_from_header(header)
    if spec is None:
        raise SpreadsheetError(
            _l(
                "Cannot tell which register table this CSV holds. Name the file after "
                "the table (e.g. touchpoints.csv) or choose the table."
            )
        )
    name = filename.rsplit("/", 1)[-1] or spec.sheet
    return ParsedFile(kind="csv", sheets=[SheetRows(spec.key, name, header, rows)])


def _table_from_header(header: Sequence[str]) -> TableSpec | None:
    """Return the one table whose key columns the header has and whose columns it best matches."""
    present = set(header)
    scored = []
    for spec in TABLES:
        if not set(spec.key_columns) <= present:
            continue
        unknown = len(present - set(spec.column_names) - {""})
        scored.append((unknown, -len(present & set(spec.column_names)), spec.key, spec))
    scored.sort(key=lambda item: item[:3])
    if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2]):
        return None
    return scored[0][3]


# --- checking cells ---------------------------------------------------------------------------


def csv_unescape(value: str) -> str:
    """Remove the apostrophe an export put before a formula-like value."""
    return value[1:] if _HAS_APOSTROPHE.match(value) else value


def parse_bool(value: str) -> bool | None:
    """Return True/False for yes/no words in English, Swedish and Danish, None if not one."""
    word = value.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


def parse_date(value: str) -> date | None:
    """Return the date of ``YYYY-MM-DD`` (Excel dates arrive as ``YYYY-MM-DD 00:00:00``)."""
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _choice(value: str, choices: tuple[str, ...]) -> str | None:
    wanted = re.sub(r"[\s\-]+", "_", value.strip()).casefold()
    return next((c for c in choices if c == wanted), None)


def check_file(parsed: ParsedFile) -> CheckedFile:
    """Type every cell, collecting each bad cell, unknown column and in-file duplicate."""
    records: dict[str, list[Record]] = {}
    columns: dict[str, list[str]] = {}
    errors: list[RowError] = []
    defined: dict[str, set[tuple[Any, ...]]] = {}
    rejected: dict[str, list[tuple[Record, frozenset[str]]]] = {}
    for sheet in parsed.sheets:
        spec = TABLE_BY_KEY[sheet.table]
        declared = REGISTER_TABLE_BY_KEY[sheet.table]
        known = set(spec.column_names)
        positions: dict[str, int] = {}
        for index, name in enumerate(sheet.columns):
            if name == "":
                if any(index < len(cells) and str(cells[index]).strip() for _n, cells in sheet.rows):
                    errors.append(
                        RowError(sheet.sheet, 1, column_letter(index), _("this column has values but no header"))
                    )
                continue
            if name not in known:
                errors.append(
                    RowError(
                        sheet.sheet,
                        1,
                        name,
                        _(
                            "unknown column; the columns of %(sheet)s are: %(names)s",
                            sheet=spec.sheet,
                            names=", ".join(spec.column_names),
                        ),
                    )
                )
            elif name in positions:
                errors.append(RowError(sheet.sheet, 1, name, _("this column appears twice")))
            else:
                positions[name] = index
        missing = [
            c.name for c in spec.columns if c.name not in positions and (c.required or c.name in spec.key_columns)
        ]
        for name in missing:
            errors.append(RowError(sheet.sheet, 1, name, _("required column is missing")))
        columns[spec.key] = [c for c in spec.column_names if c in positions]
        if missing:
            records[spec.key] = []
            continue
        table_records: list[Record] = []
        first_row_of: dict[tuple[Any, ...], int] = {}
        unescape = parsed.kind == "csv"
        for row_number, cells in sheet.rows:
            if not any(str(c).strip() for c in cells):
                continue  # blank lines between blocks are harmless
            values: dict[str, Any] = {}
            bad: set[str] = set()
            for name, index in positions.items():
                raw = cells[index] if index < len(cells) else ""
                raw = csv_unescape(raw) if unescape else raw
                value, reason = _check_cell(spec.column(name), declared.by_column(name), raw.strip())
                if reason:
                    errors.append(RowError(sheet.sheet, row_number, name, reason))
                    bad.add(name)
                values[name] = value
            by_field = {declared.by_column(name).name: value for name, value in values.items()}
            for field_name, reason in row_check(declared, by_field):
                errors.append(RowError(sheet.sheet, row_number, declared.field(field_name).column, reason))
                bad.add(declared.field(field_name).column)
            record = Record(spec.key, sheet.sheet, row_number, values)
            key_columns = ("email", "name") if spec.key == "people" else spec.key_columns
            if not bad.intersection(key_columns):
                # Other rows may refer to this one even though another of its cells is wrong,
                # so that one mistake is reported once, not again at every reference.
                defined.setdefault(spec.key, set()).add(record.key())
            if bad:
                rejected.setdefault(spec.key, []).append((record, frozenset(bad)))
            else:
                key = record.key()
                if key in first_row_of:
                    errors.append(
                        RowError(
                            sheet.sheet,
                            row_number,
                            ", ".join(spec.key_columns),
                            _(
                                "duplicate: row %(n)s has the same %(key)s",
                                n=first_row_of[key],
                                key=" + ".join(spec.key_columns),
                            ),
                        )
                    )
                    continue
                first_row_of[key] = row_number
                table_records.append(record)
        records[spec.key] = table_records
    order = {sheet.sheet: i for i, sheet in enumerate(parsed.sheets)}
    errors.sort(key=lambda e: (order.get(e.sheet, -1), e.row or 0))
    return CheckedFile(
        kind=parsed.kind,
        records=records,
        columns=columns,
        errors=errors,
        ignored_sheets=parsed.ignored_sheets,
        sheets={sheet.table: sheet.sheet for sheet in parsed.sheets},
        defined=defined,
        rejected=rejected,
    )


def _check_cell(column: Column, declared: RegisterField, value: str) -> tuple[Any, str | None]:
    """Return ``(typed value, None)`` or ``(None, reason)`` for one trimmed cell.

    The cell is typed here (yes/no words, dates, a person by e-mail or name, a choice however
    it is spelled); the register's rules on the value are :func:`cxgov.register.rules.field_check`,
    the same check and words as the forms, the API and every other writer.
    """
    if value == "":
        return field_check(declared, None)
    if column.kind == "bool":
        parsed = parse_bool(value)
        if parsed is None:
            return None, _("not yes or no: “%(v)s” (use TRUE or FALSE)", v=value)
        return field_check(declared, parsed)
    if column.kind == "date":
        parsed_date = parse_date(value)
        if parsed_date is None:
            return None, _("not a date: “%(v)s” (use YYYY-MM-DD)", v=value)
        return field_check(declared, parsed_date)
    if column.kind == "choice":
        return field_check(declared, _choice(value, column.choices) or value)
    checked, reason = field_check(declared, value)
    if reason or column.kind != "ref":
        return checked, reason
    # An e-mail address names a person by e-mail; anything else names a person without one.
    if is_email(value):
        return PersonRef(normalise_email(value), None), None
    return PersonRef(None, value), None


# --- writing (the format is this module's; the file is cxgov.sheets', as for every export) ---


#: Cell values for export: str, bool, date or None (empty).
Cell = str | bool | date | None


def write_csv(table: str, rows: Iterable[Sequence[Cell]]) -> bytes:
    """Return one table as CSV: UTF-8 with a BOM (so Excel reads å, ä, ø), comma-separated."""
    spec = TABLE_BY_KEY[table]
    return csv_bytes(Sheet(spec.sheet, spec.column_names, list(rows)))


#: Column widths in characters for the XLSX sheets.
_WIDTHS = {
    "email": 30,
    "name": 30,
    "description": 50,
    "desired_feeling": 40,
    "decision": 50,
    "note": 40,
    "journey": 24,
    "channel": 20,
    "owner_email": 30,
    "manager_email": 30,
    "person_email": 30,
    "holder": 28,
    "kpi": 28,
}


def write_xlsx(tables: Mapping[str, Iterable[Sequence[Cell]]]) -> bytes:
    """Return the register as one workbook, a sheet per table, every text written as text.

    Sheet names are in the language being rendered (reading accepts them in every language);
    the column headers are the format's own names, the same in every language.
    """
    return xlsx_bytes(
        [
            Sheet(
                _(spec.sheet),
                spec.column_names,
                list(tables.get(spec.key, ())),
                widths=[_WIDTHS.get(name, 14) for name in spec.column_names],
            )
            for spec in TABLES
        ],
        title=_("Governance register"),
    )
