"""Spreadsheet bombs: small files that unpack into millions of shared strings or cells are refused —
by the upload request when the ZIP directory or the workbook's own declarations give them away, by
the import job (reading in constant memory, stopping at the first limit) otherwise — and nothing is
imported. (Time and memory figures: ``bench/imports.py``.)"""

from __future__ import annotations

import io
import zipfile

import pytest

from kaidian.catalog import xlsx
from kaidian.catalog.models import ImportJob, Product
from tests.catalog.helpers import count
from tests.catalog.test_imports import HEADER, MUG, refused_in_the_job, run_import, upload, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(**members) -> bytes:
    """A real workbook (openpyxl's) with some members replaced: ``sheet`` and ``strings`` are
    iterables of byte chunks, streamed into the ZIP so even large members cost little to build."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes(MUG)))
    names = {"sheet": SHEET, "strings": STRINGS}
    replaced = {names[key]: chunks for key, chunks in members.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in base.infolist():
            if item.filename not in replaced:
                target.writestr(item, base.read(item.filename))
        for name, chunks in replaced.items():
            with target.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
    return out.getvalue()


def shared_strings(n: int, declared: int | None = None):
    count_attribute = f' count="{declared}" uniqueCount="{declared}"' if declared else ""
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}{count_attribute}>'.encode()
    block = b"<si><t>a</t></si>" * 10_000
    for _ in range(n // 10_000):
        yield block
    yield b"</sst>"


def sheet(rows, dimension: str = ""):
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{head}<sheetData>'.encode()
    yield from rows
    yield b"</sheetData></worksheet>"


def one_long_row(cells: int):
    yield b'<row r="1">'
    block = b"<c/>" * 10_000
    for _ in range(cells // 10_000):
        yield block
    yield b"</row>"


def inline_row(number: int, values: dict[int, str]) -> bytes:
    cells = "".join(f'<c r="{_letters(col)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
                    for col, text in values.items())
    return f'<row r="{number}">{cells}</row>'.encode()


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_row() -> bytes:
    return inline_row(1, {i + 1: name for i, name in enumerate(HEADER)})


# --- refused by the request: what the ZIP directory or the workbook declares -------------------------


def _zip_of_zeros(megabytes: int) -> bytes:
    zeros = b"\0" * (1024 * 1024)
    return workbook(sheet=(zeros for _ in range(megabytes)))


REQUEST_REFUSED = {
    # the attack's file: 5.8 M shared strings, 98 MB unpacked (85 s and 715 MB before)
    "5.8 M shared strings": (lambda: workbook(strings=shared_strings(5_800_000, declared=5_800_000)),
                             "too large once unpacked"),
    "5.8 M shared strings declared": (lambda: workbook(strings=shared_strings(50_000, declared=5_800_000)),
                                      "different texts"),
    "unpacks past 40 MB": (lambda: _zip_of_zeros(41), "too large once unpacked"),
    "unpacks 1000 times its size": (lambda: _zip_of_zeros(2), "too large once unpacked"),
    # the attack's 272 KB file: one row of 2.5 M cells, 35 MB unpacked (103 s and 2.4 GB before)
    "one row of 2.5 M cells": (lambda: workbook(sheet=sheet(one_long_row(2_500_000))), "too large once unpacked"),
    "dimension of 2.5 M columns": (lambda: workbook(sheet=sheet([], "A1:EKMN1")), "too many cells"),
}


@pytest.mark.parametrize("case", list(REQUEST_REFUSED))
def test_the_request_refuses_a_bomb_it_can_see_cheaply(app, client, headers, case):
    make, reason = REQUEST_REFUSED[case]
    data = make()
    assert len(data) < 300 * 1024  # small on disk
    response = upload(client, headers, data, "bomb.xlsx")
    assert response.status_code == 422, response.get_json()
    assert reason in response.get_json()["error"]["fields"]["file"][0]
    assert count(app, ImportJob) == 0 and count(app, Product) == 0


# --- refused by the job: limits that hold whatever the file declares -----------------------------------


@pytest.fixture(autouse=True)
def request_checks_fooled(request, monkeypatch):
    """For the job's tests: an attacker can stay under the compression ratio (less compressible
    text) and declare nothing, so the request lets the file through; the job's limits must hold."""
    if "by_the_job" in request.node.name or "bounded_too" in request.node.name:
        monkeypatch.setattr(xlsx, "MAX_RATIO", 10**9)


def test_undeclared_shared_strings_past_the_limit_are_refused_by_the_job(app, client, headers):
    data = workbook(strings=shared_strings(xlsx.MAX_SHARED_STRINGS + 10_000))
    assert len(data) < 100 * 1024
    assert "different texts" in refused_in_the_job(app, client, headers, data, "strings.xlsx")


def test_one_row_of_millions_of_cells_is_refused_by_the_job(app, client, headers):
    """The attack's 272 KB file held one row of 2.5 M cells (103 s, 2.4 GB before)."""
    data = workbook(sheet=sheet(one_long_row(2_500_000)))
    assert len(data) < 300 * 1024
    assert "too many cells" in refused_in_the_job(app, client, headers, data, "row.xlsx")


def test_too_many_cells_in_all_are_refused_by_the_job(app, client, headers):
    rows = (f'<row r="{n}">'.encode() + b"<c/>" * 1000 + b"</row>" for n in range(1, 302))
    data = workbook(sheet=sheet(rows))
    assert "too many cells" in refused_in_the_job(app, client, headers, data, "cells.xlsx")


def test_values_past_the_column_limit_are_refused_by_the_job(app, client, headers):
    data = workbook(sheet=sheet([header_row(), inline_row(2, {1: "A", xlsx.MAX_COLUMNS + 1: "far"})]))
    assert "first 64 columns" in refused_in_the_job(app, client, headers, data, "wide.xlsx")


def test_a_cell_longer_than_excel_allows_is_refused_by_the_job(app, client, headers):
    data = workbook(sheet=sheet([header_row(), inline_row(2, {1: "x" * (xlsx.MAX_CELL_CHARS + 1)})]))
    assert "more than 32767 characters" in refused_in_the_job(app, client, headers, data, "long.xlsx")


def test_a_dtd_in_a_worksheet_is_refused_by_the_job(app, client, headers):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
              b'<worksheet ' + NS.encode() + b'><sheetData><row r="1"><c t="inlineStr"><is><t>&a;</t></is></c>'
              b"</row></sheetData></worksheet>")
    data = workbook(sheet=[laughs])
    assert "not a real XLSX" in refused_in_the_job(app, client, headers, data, "dtd.xlsx")


@pytest.mark.parametrize(("cells", "rows"), [(1000, 4), (5000, 1)], ids=["in all", "in a row"])
def test_csv_rows_and_cells_are_bounded_too(app, client, headers, cells, rows, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_CELLS", 3000)
    data = (",".join(HEADER) + "\n" + (",".join([""] * cells) + "\n") * rows).encode()
    assert "too many cells" in refused_in_the_job(app, client, headers, data, "wide.csv")


# --- what the streaming reader still reads ------------------------------------------------------------


def test_inline_strings_shared_strings_numbers_and_booleans_read_as_before(app, client, headers):
    row = (b'<row r="2"><c r="A2" t="inlineStr"><is><r><t>Mug </t></r><r><t>XL</t></r></is></c>'
           b'<c r="I2"><v>19.900000000000002</v></c><c r="K2"><v>5</v></c>'
           b'<c r="M2" t="inlineStr"><is><t>MUG-XL</t></is></c><c r="O2" t="b"><v>1</v></c></row>')
    detail = run_import(client, headers, workbook(sheet=sheet([header_row(), row])), "mixed.xlsx")
    assert [(r["outcome"], r["title"], r["sku_code"]) for r in detail["rows"]] == [("created", "Mug XL", "MUG-XL")]
