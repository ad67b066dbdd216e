"""Reading an uploaded XLSX under limits, in constant memory.

A 235 KB workbook can declare millions of shared strings, or one row of millions of cells; a
library that builds the whole workbook in memory (openpyxl does, even read-only, for the shared
strings and a row) spends minutes and gigabytes on it. So workbooks are read here with expat,
streaming each ZIP member in chunks, counting as it goes and stopping at the first limit passed:

* the ZIP itself (``check_archive``): at most ``MAX_MEMBERS`` members, ``MAX_UNZIPPED`` bytes
  unpacked in all, and no member over 1 MB that unpacks more than ``MAX_RATIO`` times its size;
* shared strings: at most ``MAX_SHARED_STRINGS``, none over ``MAX_CELL_CHARS``;
* cells: at most ``MAX_CELLS_PER_ROW`` cell elements in a row, ``MAX_CELLS`` in the sheet, values
  only in the first ``MAX_COLUMNS`` columns, at most ``max_rows`` rows holding values;
* a DTD or entity declaration refuses the file (no entity expansion, no external references).

``declared_problem`` is the request's cheap look: the sizes in the ZIP directory and the counts a
workbook declares about itself (``sharedStrings`` ``count``/``uniqueCount``, the sheet's
``dimension``), read from the first bytes of those members only. The import job then reads the
file under the limits above, which hold whatever the file declares.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.parsers import expat

MAX_MEMBERS = 1000
MAX_UNZIPPED = 40 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024  # smaller members may compress as well as they like
MAX_SHARED_STRINGS = 200_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_COLUMNS = 64
MAX_CELLS_PER_ROW = 1024
MAX_CELLS = 200_000
MAX_SHEET_COLUMNS = 16_384  # XFD: what Excel itself can address
CHUNK = 64 * 1024
HEAD = 4096

SHEET_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class Refused(Exception):
    """The workbook passes a limit (``reason`` is a key of ``sheets.XLSX_REASONS``) or is not one."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- the request's cheap look ---------------------------------------------------------------------


def check_archive(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused("too_large")
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise Refused("not_xlsx")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED:
        raise Refused("too_large")
    for info in infos:
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused("too_large")


def _head(archive: zipfile.ZipFile, name: str) -> str:
    try:
        with archive.open(name) as member:
            return member.read(HEAD).decode("utf-8", "replace")
    except KeyError:
        return ""


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def declared_problem(archive: zipfile.ZipFile, max_rows: int) -> str | None:
    """A limit the workbook's own declarations already pass (None: read it in the job)."""
    strings = _head(archive, "xl/sharedStrings.xml")
    for attribute, limit in (("uniqueCount", MAX_SHARED_STRINGS), ("count", MAX_CELLS)):
        match = re.search(rf'\b{attribute}="(\d{{1,12}})"', strings)
        if match and int(match[1]) > limit:
            return "shared_strings"
    dimension = re.search(r'<(?:\w+:)?dimension\s+ref="([A-Z]{1,7})(\d{1,9})(?::([A-Z]{1,7})(\d{1,9}))?"',
                          _head(archive, first_sheet(archive)))
    if dimension and dimension[3]:
        columns = _column_number(dimension[3]) - _column_number(dimension[1]) + 1
        rows = int(dimension[4]) - int(dimension[2]) + 1
        if columns > MAX_SHEET_COLUMNS or rows > 10 * (max_rows + 1):
            return "cells"
    return None


# --- streaming members ------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _refuse_dtd(*_args) -> None:
    raise Refused("not_xlsx")


def stream(archive: zipfile.ZipFile, name: str, start, end=None, text=None) -> None:
    """Feed one member through expat in chunks; handlers get local names and may raise Refused."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    parser.StartElementHandler = lambda tag, attrs: start(_local(tag), attrs)
    if end is not None:
        parser.EndElementHandler = lambda tag: end(_local(tag))
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(name) as member:
            while chunk := member.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, KeyError, zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise Refused("not_xlsx") from None


def first_sheet(archive: zipfile.ZipFile) -> str:
    """The path of the workbook's first worksheet (by workbook.xml and its relationships)."""
    sheet_ids: list[str] = []

    def on_sheet(tag, attrs):
        if tag == "sheet" and not sheet_ids:
            sheet_ids.append(attrs.get(f"{SHEET_NS_REL}}}id", ""))

    targets: dict[str, str] = {}

    def on_relationship(tag, attrs):
        if tag == "Relationship" and len(targets) < MAX_MEMBERS:
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    try:
        stream(archive, "xl/workbook.xml", on_sheet)
        stream(archive, "xl/_rels/workbook.xml.rels", on_relationship)
    except Refused:
        return "xl/worksheets/sheet1.xml"
    target = targets.get(sheet_ids[0] if sheet_ids else "", "")
    if not target:
        return "xl/worksheets/sheet1.xml"
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


# --- shared strings ---------------------------------------------------------------------------------


class _Collector:
    """Text of ``<t>`` elements below the current item, skipping phonetic runs (``<rPh>``)."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0
        self.in_t = False
        self.phonetic = 0

    def start(self, tag):
        if tag == "t" and not self.phonetic:
            self.in_t = True
        elif tag == "rPh":
            self.phonetic += 1

    def end(self, tag):
        if tag == "t":
            self.in_t = False
        elif tag == "rPh":
            self.phonetic -= 1

    def text(self, data):
        if self.in_t:
            self.size += len(data)
            if self.size > MAX_CELL_CHARS:
                raise Refused("cell_text")
            self.parts.append(data)

    def take(self) -> str:
        value = "".join(self.parts)
        self.parts, self.size = [], 0
        return value


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    item = _Collector()

    def start(tag, attrs):
        item.start(tag)

    def end(tag):
        item.end(tag)
        if tag == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise Refused("shared_strings")
            strings.append(item.take())

    stream(archive, "xl/sharedStrings.xml", start, end, item.text)
    return strings


# --- the sheet --------------------------------------------------------------------------------------


class _Sheet:
    """Builds (row number, cell texts) for rows that hold values, counting as it goes."""

    def __init__(self, strings: list[str], max_rows: int, convert):
        self.strings, self.max_rows, self.convert = strings, max_rows, convert
        self.rows: list[tuple[int, list[str]]] = []
        self.cells = 0
        self.row_number = 0
        self.row: dict[int, str] = {}
        self.row_cells = 0
        self.column = 0
        self.kind = ""
        self.value = _Collector()
        self.in_v = False
        self.in_cell = False

    def start(self, tag, attrs):
        if tag == "row":
            number = attrs.get("r", "")
            self.row_number = int(number) if number.isdigit() and len(number) < 9 else self.row_number + 1
            self.row, self.row_cells, self.column = {}, 0, 0
        elif tag == "c":
            self._start_cell(attrs)
        elif tag == "v" and self.in_cell:
            self.in_v = True
        elif self.in_cell:
            self.value.start(tag)  # <is><t>… of an inline string

    def _start_cell(self, attrs):
        self.cells += 1
        self.row_cells += 1
        if self.row_cells > MAX_CELLS_PER_ROW or self.cells > MAX_CELLS:
            raise Refused("cells")
        reference = re.match(r"([A-Za-z]{1,3})", attrs.get("r", ""))
        self.column = _column_number(reference[1]) if reference else self.column + 1
        self.kind, self.in_cell = attrs.get("t", "n"), True

    def end(self, tag):
        if tag == "v":
            self.in_v = False
        elif tag == "c" and self.in_cell:
            self._end_cell()
        elif tag == "row":
            self._end_row()
        elif self.in_cell:
            self.value.end(tag)

    def text(self, data):
        if self.in_v:
            self.value.in_t = True
            self.value.text(data)
            self.value.in_t = False
        elif self.in_cell:
            self.value.text(data)

    def _end_cell(self):
        self.in_cell = False
        raw = self.value.take()
        value = self._value(raw)
        if value:
            if self.column > MAX_COLUMNS:
                raise Refused("columns")
            self.row[self.column] = value

    def _value(self, raw: str) -> str:
        if self.kind == "s":
            try:
                return self.convert(self.strings[int(raw)]) if raw else ""
            except (ValueError, IndexError):
                raise Refused("not_xlsx") from None
        if self.kind == "b":
            return self.convert(raw.strip() == "1") if raw.strip() else ""
        if self.kind in ("inlineStr", "str", "e", "d"):
            return self.convert(raw)
        return self.convert(_number(raw)) if raw.strip() else ""

    def _end_row(self):
        if not self.row:
            return
        if len(self.rows) >= self.max_rows + 1:
            raise Refused("rows")
        width = max(self.row)
        self.rows.append((self.row_number, [self.row.get(i, "") for i in range(1, width + 1)]))


def _number(raw: str):
    text = raw.strip()
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def sheet_rows(archive: zipfile.ZipFile, max_rows: int, convert) -> list[tuple[int, list[str]]]:
    """Rows of the first worksheet that hold values, as (row number, cell texts)."""
    strings = shared_strings(archive)
    sheet = _Sheet(strings, max_rows, convert)
    stream(archive, first_sheet(archive), sheet.start, sheet.end, sheet.text)
    return sheet.rows
