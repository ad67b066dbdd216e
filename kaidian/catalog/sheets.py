"""Import spreadsheets: the template (CSV and XLSX), and reading an uploaded file by its content.

A file is accepted only if it really is what it claims: an XLSX must be a ZIP holding an Excel
workbook (read by :mod:`.xlsx` in constant memory under limits; formulas give the values Excel
last computed); anything else must decode as text (UTF-8, or GB18030 as Excel on Chinese Windows
saves CSV) without NUL bytes. Legacy .xls, ZIP bombs and files past the limits are refused.

Two steps, so no request ever parses a whole file: ``inspect`` (in the upload request) looks only
at what is cheap — the kind of file, the ZIP directory, the counts the workbook declares — and
``parse`` (in the import job) reads the rows under the limits: ``MAX_ROWS`` rows, values in at
most ``xlsx.MAX_COLUMNS`` columns, ``xlsx.MAX_CELLS_PER_ROW`` cells in a row, ``xlsx.MAX_CELLS``
cells and ``xlsx.MAX_SHARED_STRINGS`` shared strings in all.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from . import xlsx
from .errors import ImportRefused

MAX_ROWS = 5000


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    help: object
    required: bool = False
    example: str = ""


COLUMNS = (
    Column("title", _l("Title"), _l("Up to 100 characters. Rows with the same title are the SKUs of one product."),
           True, "Cotton T-shirt"),
    Column("subtitle", _l("Subtitle"), _l("Optional, up to 120 characters."), False, "Soft and breathable"),
    Column("category", _l("Category"), _l("One or two levels separated by /, e.g. Clothing/T-shirts; "
                                           "created when missing."), False, "Clothing/T-shirts"),
    Column("groups", _l("Groups"), _l("Group names separated by commas; created when missing."), False, "New"),
    Column("spec1_name", _l("Spec 1 name"), _l("e.g. Colour; leave the specs empty for a product with one SKU."),
           False, "Colour"),
    Column("spec1_value", _l("Spec 1 value"), _l("e.g. Red"), False, "Red"),
    Column("spec2_name", _l("Spec 2 name"), _l("e.g. Size"), False, "Size"),
    Column("spec2_value", _l("Spec 2 value"), _l("e.g. L"), False, "L"),
    Column("spec3_name", _l("Spec 3 name"), _l("Optional third spec."), False, ""),
    Column("spec3_value", _l("Spec 3 value"), _l("Optional third spec."), False, ""),
    Column("price", _l("Price (yuan)"), _l("e.g. 99.00, at most two decimals."), True, "99.00"),
    Column("original_price", _l("Original price (yuan)"), _l("The struck-through price; optional."), False, "129.00"),
    Column("stock", _l("Stock"), _l("A whole number; importing again sets the stock to this number."), True, "20"),
    Column("weight", _l("Weight (g)"), _l("A whole number of grams; optional."), False, "250"),
    Column("sku_code", _l("SKU code"), _l("Unique in your store. Importing the same code again updates that SKU "
                                           "instead of creating another."), True, "TS-RED-L"),
    Column("barcode", _l("Barcode"), _l("Optional."), False, "6901234567890"),
    Column("on_sale", _l("On sale"), _l("yes or no; a new product stays off sale when empty."), False, "yes"),
    Column("low_stock_threshold", _l("Low-stock alert at"), _l("Alert when a SKU's stock falls to this; "
                                                               "optional (default 5)."), False, "5"),
    Column("description", _l("Description"), _l("Text or simple HTML; optional."), False, ""),
)
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def header_label(column: Column) -> str:
    return f"{column.label} *" if column.required else str(column.label)


def _normal(text: str) -> str:
    return "".join(str(text).replace("*", "").split()).lower()


def header_aliases() -> dict[str, str]:
    """Every accepted header spelling (the key, and the label in each language) → the column key."""
    aliases = {}
    for locale in ("en", "zh"):
        with force_locale(locale):
            aliases.update({_normal(str(column.label)): column.key for column in COLUMNS})
    aliases.update({_normal(column.key): column.key for column in COLUMNS})
    return aliases


# --- the template ----------------------------------------------------------------------------


def template_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow([header_label(c) for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = str(_l("Products"))
    sheet.append([header_label(c) for c in COLUMNS])
    for cell, column in zip(sheet[1], COLUMNS, strict=True):
        cell.font = Font(bold=True, color="CB2634" if column.required else "1F2329")
        cell.fill = PatternFill("solid", fgColor="F2F3F5")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) * 2)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(str(_l("Instructions")))
    help_sheet.append([str(_l("Column")), str(_l("Required")), str(_l("What to fill in")), str(_l("Example"))])
    for column in COLUMNS:
        help_sheet.append([str(column.label), str(_l("yes")) if column.required else "", str(column.help),
                           column.example])
    help_sheet.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading an upload -------------------------------------------------------------------------


def sniff(data: bytes, filename: str) -> str:
    """``xlsx`` or ``csv`` by content; a file named .xlsx must really be one."""
    name = (filename or "").lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_l("This is an old .xls file: save it as .xlsx or .csv and upload again."),
                            fields={"file": [_l("Save it as .xlsx or .csv.")]})
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportRefused(_l("This file is not a real XLSX workbook."),
                            fields={"file": [_l("This file is not a real XLSX workbook.")]})
    return "csv"


def read_rows(data: bytes, file_format: str) -> list[tuple[int, list[str]]]:
    """Every non-empty row as (spreadsheet row number, cell texts), under the limits."""
    rows = _xlsx_rows(data) if file_format == "xlsx" else _csv_rows(data)
    return [(number, cells) for number, cells in rows if any(cells)]


def _refuse(message):
    return ImportRefused(message, fields={"file": [message]})


XLSX_REASONS = {
    "not_xlsx": _l("This file is not a real XLSX workbook."),
    "too_large": _l("The workbook is too large once unpacked."),
    "shared_strings": _l("The workbook holds more than %(n)s different texts; split it into several imports.",
                         n=xlsx.MAX_SHARED_STRINGS),
    "cells": _l("The workbook holds too many cells (at most %(row)s in a row and %(n)s in all); delete the "
                "empty rows and columns or split it.", row=xlsx.MAX_CELLS_PER_ROW, n=xlsx.MAX_CELLS),
    "columns": _l("Values are allowed in the first %(n)s columns only.", n=xlsx.MAX_COLUMNS),
    "cell_text": _l("A cell holds more than %(n)s characters.", n=xlsx.MAX_CELL_CHARS),
}


def _xlsx_refused(exc: xlsx.Refused) -> ImportRefused:
    if exc.reason == "rows":
        return _too_many_rows()
    return _refuse(XLSX_REASONS[exc.reason])


def _open_xlsx(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        xlsx.check_archive(archive)
    except xlsx.Refused as exc:
        raise _xlsx_refused(exc) from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _refuse(XLSX_REASONS["not_xlsx"]) from None
    return archive


def inspect(data: bytes, file_format: str) -> None:
    """The upload request's cheap look (no parsing of rows): refuse what is plainly not acceptable."""
    if file_format == "csv":
        _decode_csv(data)
        return
    with _open_xlsx(data) as archive:
        problem = xlsx.declared_problem(archive, MAX_ROWS)
    if problem:
        raise _refuse(XLSX_REASONS[problem])


def _decode_csv(data: bytes) -> str:
    if b"\x00" in data:
        raise _refuse(_l("This file is neither a CSV text file nor an XLSX workbook."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(_l("The CSV file must be saved as UTF-8 (or GBK)."))


def _csv_rows(data: bytes):
    text, cells = _decode_csv(data), 0
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            _check_limit(number)
            cells += len(row)
            if len(row) > xlsx.MAX_CELLS_PER_ROW or cells > xlsx.MAX_CELLS:
                raise _refuse(XLSX_REASONS["cells"])
            if any(row[xlsx.MAX_COLUMNS:]):
                raise _refuse(XLSX_REASONS["columns"])
            yield number, [" ".join(c.split()) if "\n" not in c else c.strip() for c in row[:xlsx.MAX_COLUMNS]]
    except csv.Error:
        raise _refuse(_l("The CSV file is malformed.")) from None


def _too_many_rows() -> ImportRefused:
    return _refuse(_l("A file holds at most %(n)s rows; split it into several imports.", n=MAX_ROWS))


def _check_limit(number: int) -> None:
    if number > MAX_ROWS + 1:
        raise _too_many_rows()


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    with _open_xlsx(data) as archive:
        try:
            return xlsx.sheet_rows(archive, MAX_ROWS, cell_text)
        except xlsx.Refused as exc:
            raise _xlsx_refused(exc) from None


def cell_text(value) -> str:
    """A cell as text: whole numbers without ".0", floats without binary noise (25.990000000000002)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.10f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()


@dataclass
class Table:
    columns: dict[str, int]  # column key → index
    records: list[tuple[int, dict[str, str]]]  # (row number, key → text)


def parse(data: bytes, file_format: str) -> Table:
    rows = read_rows(data, file_format)
    if not rows:
        raise _refuse(_l("The file is empty."))
    header_number, header = rows[0]
    aliases, columns = header_aliases(), {}
    for index, text in enumerate(header):
        key = aliases.get(_normal(text))
        if key and key not in columns:
            columns[key] = index
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        raise _refuse(_l("The header row lacks these columns: %(names)s. Start from the template.",
                         names=", ".join(missing)))
    records = []
    for number, cells in rows[1:]:
        records.append((number, {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}))
    if not records:
        raise _refuse(_l("The file has a header but no products."))
    return Table(columns, records)
