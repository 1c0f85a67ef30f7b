"""A small, fast XLSX reader for plain tables (the register import reads with it).

Why not openpyxl: for a 10,000-touchpoint register it spends most of an import in per-cell
Python objects. The register needs far less of the format: text, yes/no, dates; one header
row; no formulas, merged cells or charts. Reading uses the C expat parser over the ZIP's XML.
Writing lives in :mod:`cxgov.sheets`, the one "(headers, rows) -> file" writer of every export.

* text cells may be shared or inline strings; Excel's ``_xHHHH_`` escapes (characters XML
  cannot hold, such as CR) are reversed;
* reading returns every cell as text, exactly as ``pandas.read_excel(dtype=str,
  keep_default_na=False, na_filter=False)`` would (numbers as ``7`` or ``0.1``, booleans as
  ``True``/``False``, date cells as ``YYYY-MM-DD 00:00:00``): a test checks the two agree.

The register import (:mod:`cxgov.register.transfer.spreadsheet`) has already refused ZIP bombs and non-workbooks.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

_REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
_STRICT_REL_ID = "http://purl.oclc.org/ooxml/officeDocument/relationships id"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Excel's built-in number formats that show dates or times.
_BUILTIN_DATE_FORMATS = frozenset(range(14, 23)) | {45, 46, 47}
_DATE_FORMAT_STRIP = re.compile(r'"[^"]*"|\[(?!(?:hh?|mm?|ss?)\])[^\]]*\]|\\.')
_WINDOWS_EPOCH = datetime(1899, 12, 30)
_MAC_EPOCH = datetime(1904, 1, 1)


class XlsxError(ValueError):
    """The workbook's structure is broken (the caller reports it as a damaged file)."""


class _TooManyRows(Exception):
    pass


#: Cells with values beyond this column make the workbook too wide to be a register sheet
#: (and would make every row list that long); empty formatted cells out there are ignored.
MAX_COLUMNS = 200


class TooWide(XlsxError):
    """A sheet has values beyond MAX_COLUMNS."""


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _parser() -> Any:
    return expat.ParserCreate(namespace_separator=" ")


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _column_index(ref: str) -> int:
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            index = index * 26 + ord(ch) - 96
        else:
            break
    return index - 1


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise XlsxError(f"missing part {name}") from None


def _parse(data: bytes, start: Any = None, end: Any = None, text: Any = None) -> None:
    parser = _parser()
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise XlsxError(str(error)) from None


def _relationships(archive: zipfile.ZipFile, path: str) -> dict[str, str]:
    rels: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
            rels[attrs["Id"]] = attrs["Target"]

    if path in archive.namelist():
        _parse(archive.read(path), start)
    return rels


def _part_path(target: str) -> str:
    """Return a relationship target of xl/workbook.xml as a path inside the ZIP."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = ["xl"]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _shared_strings(data: bytes) -> list[str]:
    strings: list[str] = []
    state = {"in_si": False, "in_t": False, "skip": 0}
    parts: list[str] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            state["in_si"] = True
            parts.clear()
        elif local in ("rPh", "phoneticPr"):
            state["skip"] += 1
        elif local == "t" and state["in_si"] and not state["skip"]:
            state["in_t"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "si":
            strings.append(_unescape("".join(parts)))
            state["in_si"] = False
        elif local in ("rPh", "phoneticPr"):
            state["skip"] -= 1
        elif local == "t":
            state["in_t"] = False

    def text(data_: str) -> None:
        if state["in_t"]:
            parts.append(data_)

    _parse(data, start, end, text)
    return strings


def _is_date_format(code: str) -> bool:
    code = _DATE_FORMAT_STRIP.sub("", code.split(";")[0])
    return re.search(r"(?<![_\\])[dmhysDMHYS]", code) is not None


def _date_styles(data: bytes) -> set[int]:
    """Return the indexes of cell styles (``s`` attributes) whose number format shows a date."""
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    state = {"in_xfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt" and "numFmtId" in attrs:
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            state["in_xfs"] = True
        elif local == "xf" and state["in_xfs"]:
            xf_formats.append(int(attrs.get("numFmtId", "0") or 0))

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            state["in_xfs"] = False

    _parse(data, start, end)
    dates = set()
    for index, fmt in enumerate(xf_formats):
        if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt])):
            dates.add(index)
    return dates


def _number_text(value: str) -> str:
    """Return a numeric cell as pandas shows it: integral values without ``.0``."""
    try:
        number = float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        return value
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def _date_text(value: str, epoch: datetime) -> str:
    try:
        serial = float(value)
    except ValueError:
        return value
    days = int(serial)
    if epoch == _WINDOWS_EPOCH and 0 < serial < 60:
        days += 1  # Excel's 1900 leap-year bug
    moment = epoch + timedelta(days=days, microseconds=round((serial - int(serial)) * 86_400_000_000))
    return str(moment)


def read_sheets(data: bytes, max_rows: int) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    """Return ``[(sheet name, [(Excel row number, [cell text...]), ...]), ...]`` in workbook order.

    Reading a sheet stops after ``max_rows`` rows (the caller refuses such files).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise XlsxError(str(error)) from None
    sheets: list[tuple[str, str]] = []
    flags = {"date1904": False}

    def workbook_start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            rid = (
                attrs.get(_REL_ID)
                or attrs.get(_STRICT_REL_ID)
                or next((v for k, v in attrs.items() if k.endswith(" id")), "")
            )
            sheets.append((attrs.get("name", ""), rid))
        elif local == "workbookPr":
            flags["date1904"] = attrs.get("date1904", "0") in ("1", "true")

    _parse(_read(archive, "xl/workbook.xml"), workbook_start)
    rels = _relationships(archive, "xl/_rels/workbook.xml.rels")
    names = set(archive.namelist())
    shared_path = next(
        (_part_path(t) for t in rels.values() if t.endswith("sharedStrings.xml")), "xl/sharedStrings.xml"
    )
    shared = _shared_strings(archive.read(shared_path)) if shared_path in names else []
    styles_path = next((_part_path(t) for t in rels.values() if t.endswith("styles.xml")), "xl/styles.xml")
    date_styles = _date_styles(archive.read(styles_path)) if styles_path in names else set()
    epoch = _MAC_EPOCH if flags["date1904"] else _WINDOWS_EPOCH
    result = []
    for sheet_name, rid in sheets:
        path = _part_path(rels.get(rid, ""))
        if path not in names:
            raise XlsxError(f"sheet {sheet_name} has no part")
        result.append((sheet_name, _read_sheet(archive.read(path), shared, date_styles, epoch, max_rows)))
    return result


def _read_sheet(
    data: bytes, shared: list[str], date_styles: set[int], epoch: datetime, max_rows: int
) -> list[tuple[int, list[str]]]:
    locals_: dict[str, str] = {}  # qualified tag -> local name; a sheet has only a few tags
    rows: list[tuple[int, list[str]]] = []
    cells: dict[int, str] = {}
    parts: list[str] = []
    st: dict[str, Any] = {"row": 0, "col": -1, "type": "n", "style": 0, "collect": False, "in_is": False, "skip": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = locals_.get(name) or locals_.setdefault(name, _local(name))
        if local == "c":
            ref = attrs.get("r")
            st["col"] = _column_index(ref) if ref else st["col"] + 1
            st["type"] = attrs.get("t", "n")
            st["style"] = int(attrs.get("s", "0") or 0)
            parts.clear()
        elif local == "v":
            st["collect"] = True
        elif local == "t":
            st["collect"] = st["in_is"] and not st["skip"]
        elif local == "is":
            st["in_is"] = True
        elif local in ("rPh", "phoneticPr"):
            st["skip"] += 1
        elif local == "row":
            ref = attrs.get("r")
            st["row"] = int(ref) if ref and ref.isdigit() else st["row"] + 1
            st["col"] = -1
            cells.clear()

    def end(name: str) -> None:
        local = locals_.get(name) or locals_.setdefault(name, _local(name))
        if local in ("v", "t"):
            st["collect"] = False
        elif local == "is":
            st["in_is"] = False
        elif local in ("rPh", "phoneticPr"):
            st["skip"] -= 1
        elif local == "c":
            raw = "".join(parts)
            kind = st["type"]
            if kind == "s":
                try:
                    value = shared[int(raw)]
                except (ValueError, IndexError):
                    raise XlsxError("bad shared string index") from None
            elif kind in ("inlineStr", "str"):
                value = _unescape(raw)
            elif kind == "b":
                value = "True" if raw.strip() in ("1", "true") else "False"
            elif kind in ("e", "d") or raw == "":
                value = raw
            elif st["style"] in date_styles:
                value = _date_text(raw, epoch)
            else:
                value = _number_text(raw)
            if value != "":
                if st["col"] >= MAX_COLUMNS:
                    raise TooWide(f"a value beyond column {MAX_COLUMNS}")
                cells[st["col"]] = value
        elif local == "row":
            width = max(cells) + 1 if cells else 0
            rows.append((st["row"], [cells.get(i, "") for i in range(width)]))
            if len(rows) > max_rows:
                raise _TooManyRows

    def text(data_: str) -> None:
        if st["collect"]:
            parts.append(data_)

    try:
        _parse(data, start, end, text)
    except _TooManyRows:
        pass
    # pandas drops trailing rows that hold nothing; do the same so counts agree
    while rows and not any(rows[-1][1]):
        rows.pop()
    return rows


def column_letter(index: int) -> str:
    """Return Excel's column letters for a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
